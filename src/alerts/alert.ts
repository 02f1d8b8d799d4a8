/**
 * The one alert model every rule and detector produces and every sink reads.
 * Fields follow what detection engineers expect on a Kubernetes alert
 * (DOMAIN.md): who, from where, what, the outcome, the cluster, and for
 * tokens the issued or used credential id.
 */
import type { AuditEvent, Source } from '../event/types.js';

export type Severity = 'informational' | 'low' | 'medium' | 'high' | 'critical';
export const SEVERITIES: Severity[] = ['informational', 'low', 'medium', 'high', 'critical'];

export interface RuleRef {
  id: string;
  title: string;
  severity: Severity;
  tags: string[];
  author?: string;
  description?: string;
  /** where the rule came from: `builtin`, or the file it was loaded from */
  origin: string;
  runbook?: string;
  references?: string[];
}

export interface AlertEvent {
  source: Source;
  event: AuditEvent;
}

/** The facts an analyst reads first, taken from the alert's first event. */
export interface AlertContext {
  user?: string;
  impersonated_user?: string;
  groups?: string[];
  source_ips?: string[];
  /** the last sourceIPs entry, the only one a client cannot forge */
  client_ip?: string;
  user_agent?: string;
  verb?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  request_uri?: string;
  response_code?: number;
  decision?: string;
  cluster?: string;
  credential_id?: string;
  issued_credential_id?: string;
  /** TokenRequest lifetime, when the request body is logged */
  expiration_seconds?: number;
  long_lived?: boolean;
  /** for TokenRequests and actions on service accounts: the account, as its username */
  target_account?: string;
}

export interface Alert {
  rule: RuleRef;
  severity: Severity;
  count: number;
  first_seen?: string;
  last_seen?: string;
  /** the group-by values that make this alert one */
  group: Record<string, string>;
  summary: string;
  context: AlertContext;
  /** notes from the rule or the engine (e.g. "token lifetime not visible at Metadata level") */
  notes: string[];
  events: AlertEvent[];
  /** events that explain the alert without being it (the TokenRequest that minted a token whose use fired) */
  related?: AlertEvent[];
  /** events beyond those kept in `events` (bounded per alert) */
  events_dropped: number;
}

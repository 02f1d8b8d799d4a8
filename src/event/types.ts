/**
 * The one event model: the shape of Kubernetes' own audit.k8s.io/v1 Event.
 * Every format adapter produces this, so Sigma rules address the same field
 * names whatever the log came from. A field a format cannot carry is absent,
 * never invented.
 */
export interface AuditUser {
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

export interface ObjectRef {
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiGroup?: string;
  apiVersion?: string;
  resourceVersion?: string;
}

export interface ResponseStatus {
  code?: number;
  status?: string;
  reason?: string;
  message?: string;
  [k: string]: unknown;
}

export interface AuditEvent {
  kind?: string;
  apiVersion?: string;
  level?: string;
  auditID?: string;
  stage?: string;
  requestURI?: string;
  verb?: string;
  user?: AuditUser;
  impersonatedUser?: AuditUser;
  sourceIPs?: string[];
  userAgent?: string;
  objectRef?: ObjectRef;
  responseStatus?: ResponseStatus;
  requestObject?: unknown;
  responseObject?: unknown;
  requestReceivedTimestamp?: string;
  stageTimestamp?: string;
  annotations?: Record<string, string>;
  [k: string]: unknown;
}

/** Where a record came from: enough for a person to open the file at the line. */
export interface Place {
  /** File path, `-` for stdin, or a stream name. */
  file: string;
  /** 1-based line where the record starts (for multi-line documents, its first line). */
  line: number;
  /** Index of the record inside an envelope (EventList items, records[], logEvents[]), when there is one. */
  index?: number;
  /** Byte offset of the record in the (decompressed) input, when known. */
  offset?: number;
}

/** The format-independent provenance of one decoded event. */
export interface Source extends Place {
  format: string;
  cluster?: string;
}

export interface EventRecord {
  event: AuditEvent;
  source: Source;
}

/** A record that could not be decoded, kept so that nothing is lost silently. */
export interface Rejection {
  place: Place;
  reason: string;
}

export const AUDIT_STAGES = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'] as const;

/** Stages after which no later stage of the same request follows. */
export function isFinalStage(stage: string | undefined): boolean {
  return stage === 'ResponseComplete' || stage === 'Panic';
}

/**
 * The forensic seed's question, answered over a whole input: for one service
 * account (or one token), every mint, every token Secret made for it, and its
 * requests grouped by source address and client, with first and last seen.
 * Memory is bounded: groups and listed events are capped and the rest counted.
 */
import { clientIp, credentialId, expirationSeconds, issuedCredentialId, serviceAccountUsername, targetAccount } from '../event/derived.js';
import { eventTime, isoTime } from '../event/time.js';
import type { EventRecord } from '../event/types.js';
import { userAgentFamily } from '../detectors/ip.js';

export interface TraceQuery {
  /** NS/NAME of a service account */
  account?: string;
  /** `JTI=…` (the `JTI=` prefix may be left out) */
  credentialId?: string;
}

export interface TraceMint {
  time?: string;
  minter?: string;
  client_ip?: string;
  user_agent?: string;
  target?: string;
  issued_credential_id?: string;
  expiration_seconds?: number;
  response_code?: number;
  place: string;
}

export interface TraceUseGroup {
  client_ip: string;
  user_agent: string;
  count: number;
  first_seen?: string;
  last_seen?: string;
  /** "verb resource" → count, top entries */
  actions: Record<string, number>;
  response_codes: Record<string, number>;
  credential_ids: string[];
  pods: string[];
  first_place: string;
}

export interface TraceResult {
  query: TraceQuery;
  account?: string;
  mints: TraceMint[];
  secrets: { time?: string; user?: string; verb?: string; name?: string; place: string }[];
  account_changes: { time?: string; user?: string; verb?: string; place: string }[];
  uses: TraceUseGroup[];
  uses_total: number;
  first_seen?: string;
  last_seen?: string;
  truncated: number;
}

const MAX_GROUPS = 1000;
const MAX_LIST = 200;

export class Tracer {
  private readonly sa?: string;
  private readonly ns?: string;
  private readonly name?: string;
  private readonly cred?: string;
  private readonly groups = new Map<string, TraceUseGroup & { firstMs: number; lastMs: number }>();
  private readonly res: TraceResult;
  private firstMs = NaN;
  private lastMs = NaN;

  constructor(q: TraceQuery) {
    if (q.account) {
      const [ns, name, extra] = q.account.split('/');
      if (!ns || !name || extra !== undefined) throw new Error(`--account must be NAMESPACE/NAME, got "${q.account}"`);
      this.ns = ns;
      this.name = name;
      this.sa = serviceAccountUsername(ns, name);
    }
    if (q.credentialId) this.cred = q.credentialId.startsWith('JTI=') || q.credentialId.includes('=') ? q.credentialId : `JTI=${q.credentialId}`;
    this.res = { query: q, account: this.sa, mints: [], secrets: [], account_changes: [], uses: [], uses_total: 0, truncated: 0 };
  }

  observe(rec: EventRecord): void {
    const ev = rec.event;
    const place = `${rec.source.file}:${rec.source.line}${rec.source.index !== undefined ? ` #${rec.source.index}` : ''}`;
    const t = eventTime(ev);
    const o = ev.objectRef;
    const isMint = o?.resource === 'serviceaccounts' && o.subresource === 'token' && ev.verb === 'create';
    if (isMint && ((this.sa && targetAccount(ev) === this.sa) || (this.cred && issuedCredentialId(ev) === this.cred))) {
      this.span(t);
      this.push(this.res.mints, {
        time: isoTime(t),
        minter: ev.impersonatedUser?.username ?? ev.user?.username,
        client_ip: clientIp(ev),
        user_agent: ev.userAgent,
        target: targetAccount(ev),
        issued_credential_id: issuedCredentialId(ev),
        expiration_seconds: expirationSeconds(ev),
        response_code: ev.responseStatus?.code,
        place,
      });
      return;
    }
    if (this.sa && o?.resource === 'secrets' && ev.verb !== 'get' && ev.verb !== 'list' && ev.verb !== 'watch') {
      const ann = ((ev.requestObject as { metadata?: { annotations?: Record<string, string> } } | undefined)?.metadata?.annotations ?? {})['kubernetes.io/service-account.name'];
      if (ann === this.name && o.namespace === this.ns) {
        this.span(t);
        this.push(this.res.secrets, { time: isoTime(t), user: ev.user?.username, verb: ev.verb, name: `${o.namespace}/${o.name ?? ''}`, place });
        // made by the account itself, it is also one of its requests (below)
        if (ev.user?.username !== this.sa) return;
      }
    } else if (this.sa && o?.resource === 'serviceaccounts' && !o.subresource && o.namespace === this.ns && o.name === this.name && ev.verb !== 'get' && ev.verb !== 'list' && ev.verb !== 'watch') {
      this.span(t);
      this.push(this.res.account_changes, { time: isoTime(t), user: ev.user?.username, verb: ev.verb, place });
      if (ev.user?.username !== this.sa) return;
    }
    const cred = credentialId(ev);
    if ((this.sa && ev.user?.username === this.sa && (!this.cred || cred === this.cred)) || (!this.sa && this.cred && cred === this.cred)) this.use(rec, t, place, cred);
  }

  private use(rec: EventRecord, t: number, place: string, cred: string | undefined): void {
    const ev = rec.event;
    this.span(t);
    this.res.uses_total++;
    const ip = clientIp(ev) ?? '';
    const ua = userAgentFamily(ev.userAgent);
    const key = `${ip}\u0000${ua}`;
    let g = this.groups.get(key);
    if (!g) {
      if (this.groups.size >= MAX_GROUPS) {
        this.res.truncated++;
        return;
      }
      g = { client_ip: ip, user_agent: ua, count: 0, actions: {}, response_codes: {}, credential_ids: [], pods: [], first_place: place, firstMs: t, lastMs: t };
      this.groups.set(key, g);
    }
    g.count++;
    if (t < g.firstMs || Number.isNaN(g.firstMs)) {
      g.firstMs = t;
      g.first_place = place;
    }
    if (t > g.lastMs || Number.isNaN(g.lastMs)) g.lastMs = t;
    const action = `${ev.verb ?? '?'} ${[ev.objectRef?.resource, ev.objectRef?.subresource].filter(Boolean).join('/') || ev.requestURI || ''}`.trim();
    if (g.actions[action] !== undefined || Object.keys(g.actions).length < 20) g.actions[action] = (g.actions[action] ?? 0) + 1;
    const code = String(ev.responseStatus?.code ?? '-');
    g.response_codes[code] = (g.response_codes[code] ?? 0) + 1;
    if (cred && !g.credential_ids.includes(cred) && g.credential_ids.length < 20) g.credential_ids.push(cred);
    const pod = ev.user?.extra?.['authentication.kubernetes.io/pod-name']?.[0];
    if (pod && !g.pods.includes(pod) && g.pods.length < 20) g.pods.push(pod);
  }

  private span(t: number): void {
    if (Number.isNaN(t)) return;
    if (Number.isNaN(this.firstMs) || t < this.firstMs) this.firstMs = t;
    if (Number.isNaN(this.lastMs) || t > this.lastMs) this.lastMs = t;
  }

  private push<T>(list: T[], item: T): void {
    if (list.length < MAX_LIST) list.push(item);
    else this.res.truncated++;
  }

  result(): TraceResult {
    this.res.uses = [...this.groups.values()]
      .sort((a, b) => (a.firstMs || 0) - (b.firstMs || 0))
      .map(({ firstMs, lastMs, ...g }) => ({ ...g, first_seen: isoTime(firstMs), last_seen: isoTime(lastMs) }));
    this.res.first_seen = isoTime(this.firstMs);
    this.res.last_seen = isoTime(this.lastMs);
    this.res.mints.sort((a, b) => (a.time ?? '').localeCompare(b.time ?? ''));
    return this.res;
  }
}

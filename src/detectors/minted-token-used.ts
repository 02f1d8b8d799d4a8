/**
 * Follows a token from its birth to its uses. Kubernetes 1.30+ (1.29 with
 * the ServiceAccountTokenJTI gate) writes the minted token's id in the
 * TokenRequest's `issued-credential-id` annotation and the same `JTI=…` in
 * `user.extra["authentication.kubernetes.io/credential-id"]` of every request
 * made with it. A token minted by a non-system identity and then used is the
 * whole attack chain of the seeds. Without credential ids the link falls back
 * to time and place: the first request of the target account from an address
 * it never used, shortly after a non-system mint.
 *
 * The input is not always in time order: logs of several API-server replicas,
 * or of several export streams, are read one file after another, so a use can
 * come before its mint. Uses of credential ids no remembered mint issued are
 * kept for a while (EarlyUses), and a mint that comes later links them.
 */
import type { RuleRef } from '../alerts/alert.js';
import { formatDuration } from '../alerts/context.js';
import { actorOf, clientIp, credentialId, expirationSeconds, issuedCredentialId, serviceAccountOf, targetAccount } from '../event/derived.js';
import type { EventRecord } from '../event/types.js';
import { later } from './bounded-map.js';
import { isSystemIdentity } from './system-identities.js';
import type { MintInfo } from './state.js';
import type { Detector, DetectorHost } from './types.js';
import { EventView } from './view.js';

export interface MintedTokenOptions {
  /** how long after a mint the no-credential-id fallback links a new source to it (default 60 min) */
  fallbackWindowMs?: number;
  /** credential ids whose uses are kept until their mint comes (default 20,000: the tokens of a large cluster) */
  earlyIds?: number;
  isSystem?: (user: string | undefined) => boolean;
}

const REF: RuleRef = {
  id: 'minted-token-used',
  title: 'Token minted by a non-system identity was used',
  severity: 'high',
  tags: ['attack.credential-access', 'attack.t1552.007', 'attack.lateral-movement', 'attack.t1550.001'],
  author: 'tokenwatch',
  origin: 'builtin',
  description: 'A service-account token minted through the TokenRequest API by an identity outside the system components was then used to make requests. The alert carries the chain: who minted it, for which account, when, and each use.',
  runbook: [
    '1. Read the chain: the minting request (related event) and every use (events): verbs, resources, source addresses.',
    '2. Was the minter entitled to mint for this account? Check their RBAC on serviceaccounts/token and the account\'s own rights.',
    '3. Contain: the token stays valid until it expires (see its lifetime). Delete and recreate the service account to invalidate every token minted for it, and remove the minter\'s create permission on serviceaccounts/token.',
    '4. Review what the uses changed (RBAC bindings, secrets read) with tokenwatch trace --credential-id JTI=...',
  ].join('\n'),
};

export class MintedTokenUsed implements Detector {
  readonly ref = REF;
  readonly needs = [
    { kind: 'events', match: { verb: 'create', resource: 'serviceaccounts', subresource: 'token' }, missing: 'no TokenRequests in the log: no mint to follow' },
    { kind: 'credential-ids', optional: true, missing: 'no credential ids (JTI=) on requests: mint-to-use linking falls back to time and new source (likely, not certain)' },
  ];
  private readonly windowMs: number;
  private readonly isSystem: (u: string | undefined) => boolean;
  private readonly early: EarlyUses;

  constructor(o: MintedTokenOptions = {}) {
    this.windowMs = o.fallbackWindowMs ?? 60 * 60_000;
    this.isSystem = o.isSystem ?? isSystemIdentity;
    this.early = new EarlyUses(o.earlyIds ?? 20_000);
  }

  observe(rec: EventRecord, t: number, host: DetectorHost): void {
    this.judge(new EventView().fill(rec, t), host);
  }

  /** `observe` on a filled view (the detector set's path). */
  judge(v: EventView, host: DetectorHost): void {
    const o = v.objectRef;
    if (o?.resource === 'serviceaccounts' && o.subresource === 'token' && v.ev.verb === 'create') {
      this.recordMint(v.rec, v.t, host);
      return;
    }
    if (!v.isSa) return;
    const st = host.state;
    // with no mint remembered, and no use kept for a mint to come, no request of a service account concerns us
    const noMint = st.mints.size === 0 && st.recentMints.size === 0;
    if (noMint && !this.early.on) return;
    const ev = v.ev;
    const t = v.t;
    const cluster = v.cluster;
    const cred = credentialId(ev);
    if (cred?.startsWith('JTI=')) {
      const mint = st.mints.mayHaveIn(cluster, cred) ? st.mints.getIn(cluster, cred) : undefined;
      if (mint) {
        st.mints.touchIn(cluster, cred, mint, t);
        this.emit(host, v.rec, mint, 'credential id');
      } else this.early.add(cluster, cred, v.rec, t);
      return;
    }
    if (noMint) return;
    if (cred) return; // a client certificate or another kind of credential
    // no credential id on this request: link by time and new source
    const user = v.user!;
    const recent = st.recentMints.getIn(cluster, user);
    if (!recent) return;
    const ip = v.ip;
    const base = st.baselines.getIn(cluster, user);
    const seen = ip !== undefined ? base?.ips.get(ip) : undefined;
    const known = seen !== undefined && seen.first < recent.list[0]!.t;
    if (known) return;
    const mint = [...recent.list].reverse().find((m) => t >= m.t && t - m.t <= this.windowMs && !m.jti);
    if (mint) this.emit(host, v.rec, mint, 'time and new source');
  }

  private recordMint(rec: EventRecord, t: number, host: DetectorHost): void {
    const ev = rec.event;
    const code = ev.responseStatus?.code;
    if (code !== undefined && (code < 200 || code >= 300)) return;
    // who holds the credential, and who it acts as: a system identity reached by impersonation is not exempt
    const real = ev.user?.username;
    const as = ev.impersonatedUser?.username;
    if (!real && !as) return;
    if (this.isSystem(real ?? as) && (as === undefined || this.isSystem(as))) return;
    const minter = actorOf(ev)!;
    const target = targetAccount(ev);
    if (!target) return;
    const jti = issuedCredentialId(ev);
    const mint: MintInfo = {
      jti,
      minter,
      minterIp: clientIp(ev),
      userAgent: ev.userAgent,
      target,
      t,
      expirationSeconds: expirationSeconds(ev),
      source: rec.source,
      event: ev,
      lastSeen: t,
    };
    const st = host.state;
    const cluster = rec.source.cluster;
    if (jti) {
      st.mints.setIn(cluster, jti, mint);
      // uses read before their mint (an earlier file): linked now, in the order they were read
      const early = this.early.take(cluster, jti);
      if (early) {
        for (const use of early.recs) this.emit(host, use, mint, 'credential id', early.n);
        // used then, as a use read after the mint would have marked it
        st.mints.touchIn(cluster, jti, mint, early.last);
      }
    }
    const list = st.recentMints.getIn(cluster, target)?.list.filter((m) => t - m.t <= this.windowMs) ?? [];
    list.push(mint);
    st.recentMints.setIn(cluster, target, { list: list.slice(-10), lastSeen: t });
  }

  /** `early`: how many requests with the token were read before its mint (this is the first of them) */
  private emit(host: DetectorHost, rec: EventRecord, mint: MintInfo, linkedBy: string, early = 0): void {
    const ev = rec.event;
    const sa = serviceAccountOf(mint.target)!;
    const ip = clientIp(ev);
    const what = [ev.verb, [ev.objectRef?.resource, ev.objectRef?.subresource].filter(Boolean).join('/'), ev.objectRef?.namespace ? `${ev.objectRef.namespace}/${ev.objectRef.name ?? '*'}` : ev.objectRef?.name].filter(Boolean).join(' ');
    const life = mint.expirationSeconds !== undefined ? `, lifetime ${formatDuration(mint.expirationSeconds)}` : '';
    const notes = [
      `minted by ${mint.minter}${mint.minterIp ? ` from ${mint.minterIp}` : ''} at ${new Date(mint.t).toISOString()} for ${sa.namespace}/${sa.name}${life}${mint.jti ? ` (${mint.jti})` : ''}`,
      linkedBy === 'credential id' ? 'linked by credential id: this request was made with the minted token' : 'linked by time and new source: this log has no credential ids, so the link is likely, not certain',
    ];
    if (early > 0) notes.push(`read before its mint (the input is not in time order: another file or replica); ${early} request(s) with this token came before the mint was read, this is the first`);
    host.emit({
      detector: REF.id,
      key: { token: mint.jti ?? `${mint.target}@${mint.t}`, account: mint.target },
      rec,
      severity: linkedBy === 'credential id' ? 'high' : 'medium',
      summary: `token minted by ${mint.minter} for ${sa.namespace}/${sa.name} used${ip ? ` from ${ip}` : ''}: ${what || ev.requestURI || 'a request'}`,
      notes,
      related: [{ event: mint.event, source: mint.source }],
    });
  }
}

/**
 * A record to keep until a mint may come: a line the scan can read again (`len`:
 * the detectors' projection of a line, made whole before any alert shows it)
 * keeps only what the finding's summary reads, so thousands of waiting ids
 * cost little memory; a record decoded whole is kept as it is.
 */
function keepable(rec: EventRecord): EventRecord {
  const len = (rec as EventRecord & { len?: number }).len;
  if (len === undefined || len <= 0 || rec.source.offset === undefined) return rec;
  const ev = rec.event;
  const o = ev.objectRef;
  const slim: EventRecord['event'] = { auditID: ev.auditID, verb: ev.verb, requestURI: ev.requestURI, sourceIPs: ev.sourceIPs };
  if (o) slim.objectRef = { resource: o.resource, subresource: o.subresource, namespace: o.namespace, name: o.name };
  if (ev.user) slim.user = { username: ev.user.username };
  return { event: slim, source: rec.source, len, t: (rec as EventRecord & { t?: number }).t } as EventRecord;
}

/** Uses of one credential id read before its mint: the first (what the alert shows), how many, and the last one's time. */
interface Early {
  recs: EventRecord[];
  last: number;
  /** requests with the id */
  n: number;
}
const EARLY_RECS = 1;

/**
 * Uses of credential ids no remembered mint issued, by cluster and id, in
 * two generations: when the young one holds half the capacity, the old one
 * is dropped and the young one ages. The newest ids are kept, the memory is
 * bounded (one slim record per id), and nothing is done per entry to forget.
 */
class EarlyUses {
  private young = new Map<string | undefined, Map<string, Early>>();
  private old = new Map<string | undefined, Map<string, Early>>();
  private youngSize = 0;

  /** keeping anything at all */
  readonly on: boolean;

  constructor(private readonly cap: number) {
    this.on = cap > 0;
  }

  add(cluster: string | undefined, id: string, rec: EventRecord, t: number): void {
    if (!this.on) return;
    let m = this.young.get(cluster);
    let e = m?.get(id);
    if (e === undefined) {
      e = this.old.get(cluster)?.get(id);
      if (e !== undefined) this.old.get(cluster)!.delete(id);
      if (this.youngSize >= this.cap / 2) {
        this.old = this.young;
        this.young = new Map();
        this.youngSize = 0;
        m = undefined;
      }
      if (m === undefined) this.young.set(cluster, (m = new Map()));
      e ??= { recs: [], last: NaN, n: 0 };
      m.set(id, e);
      this.youngSize++;
    }
    e.n++;
    if (e.recs.length < EARLY_RECS) e.recs.push(keepable(rec));
    e.last = later(e.last, t);
  }

  take(cluster: string | undefined, id: string): Early | undefined {
    for (const g of [this.young, this.old]) {
      const m = g.get(cluster);
      const e = m?.get(id);
      if (e !== undefined) {
        m!.delete(id);
        return e;
      }
    }
    return undefined;
  }
}

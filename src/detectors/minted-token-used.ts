/**
 * Follows a token from its birth to its uses. Kubernetes 1.30+ (1.29 with
 * the ServiceAccountTokenJTI gate) writes the minted token's id in the
 * TokenRequest's `issued-credential-id` annotation and the same `JTI=…` in
 * `user.extra["authentication.kubernetes.io/credential-id"]` of every request
 * made with it. A token minted by a non-system identity and then used is the
 * whole attack chain of the seeds. Without credential ids the link falls back
 * to time and place: the first request of the target account from an address
 * it never used, shortly after a non-system mint.
 */
import type { RuleRef } from '../alerts/alert.js';
import { formatDuration } from '../alerts/context.js';
import { clientIp, credentialId, expirationSeconds, issuedCredentialId, serviceAccountOf, targetAccount } from '../event/derived.js';
import type { EventRecord } from '../event/types.js';
import { isSystemIdentity } from './system-identities.js';
import type { MintInfo } from './state.js';
import type { Detector, DetectorHost } from './types.js';
import { EventView } from './view.js';

export interface MintedTokenOptions {
  /** how long after a mint the no-credential-id fallback links a new source to it (default 60 min) */
  fallbackWindowMs?: number;
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

  constructor(o: MintedTokenOptions = {}) {
    this.windowMs = o.fallbackWindowMs ?? 60 * 60_000;
    this.isSystem = o.isSystem ?? isSystemIdentity;
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
    // with no mint remembered, no request of a service account can be linked to one
    if (st.mints.size === 0 && st.recentMints.size === 0) return;
    const ev = v.ev;
    const t = v.t;
    const cluster = v.cluster;
    const cred = credentialId(ev);
    if (cred?.startsWith('JTI=')) {
      if (!st.mints.mayHaveIn(cluster, cred)) return;
      const mint = st.mints.getIn(cluster, cred);
      if (mint) {
        st.mints.touchIn(cluster, cred, mint, t);
        this.emit(host, v.rec, mint, 'credential id');
      }
      return;
    }
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
    const minter = ev.impersonatedUser?.username ?? ev.user?.username;
    if (!minter || this.isSystem(minter)) return;
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
    if (jti) st.mints.setIn(cluster, jti, mint);
    const list = st.recentMints.getIn(cluster, target)?.list.filter((m) => t - m.t <= this.windowMs) ?? [];
    list.push(mint);
    st.recentMints.setIn(cluster, target, { list: list.slice(-10), lastSeen: t });
  }

  private emit(host: DetectorHost, rec: EventRecord, mint: MintInfo, linkedBy: string): void {
    const ev = rec.event;
    const sa = serviceAccountOf(mint.target)!;
    const ip = clientIp(ev);
    const what = [ev.verb, [ev.objectRef?.resource, ev.objectRef?.subresource].filter(Boolean).join('/'), ev.objectRef?.namespace ? `${ev.objectRef.namespace}/${ev.objectRef.name ?? '*'}` : ev.objectRef?.name].filter(Boolean).join(' ');
    const life = mint.expirationSeconds !== undefined ? `, lifetime ${formatDuration(mint.expirationSeconds)}` : '';
    const notes = [
      `minted by ${mint.minter}${mint.minterIp ? ` from ${mint.minterIp}` : ''} at ${new Date(mint.t).toISOString()} for ${sa.namespace}/${sa.name}${life}${mint.jti ? ` (${mint.jti})` : ''}`,
      linkedBy === 'credential id' ? 'linked by credential id: this request was made with the minted token' : 'linked by time and new source: this log has no credential ids, so the link is likely, not certain',
    ];
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

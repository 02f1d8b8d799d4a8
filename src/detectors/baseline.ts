/**
 * Where each service account normally acts from: the trusted client address
 * (the last sourceIPs entry) and the user-agent family of its requests, with
 * first and last seen. Updated after the detectors have judged a request, so
 * a request is compared with what came before it.
 */
import { clientIp, serviceAccountOf } from '../event/derived.js';
import type { EventRecord } from '../event/types.js';
import { userAgentFamily } from './ip.js';
import { keyOf, type Baseline, type DetectorState, type SourceSeen } from './state.js';

export function learnBaseline(st: DetectorState, rec: EventRecord, t: number): void {
  const user = rec.event.user?.username;
  if (!serviceAccountOf(user)) return;
  const k = keyOf(rec.source.cluster, user!);
  let b = st.baselines.get(k);
  if (!b) {
    b = { first: t, lastSeen: t, ips: {}, agents: {} };
    st.baselines.set(k, b);
  } else st.baselines.touch(k, b, t);
  const ip = clientIp(rec.event);
  if (ip) bump(b.ips, ip, t, st.maxSourcesPerAccount);
  const fam = userAgentFamily(rec.event.userAgent);
  if (fam) bump(b.agents, fam, t, 32);
}

function bump(m: Record<string, SourceSeen>, k: string, t: number, cap: number): void {
  const cur = m[k];
  if (cur) {
    cur.count++;
    if (t > cur.last) cur.last = t;
    if (t < cur.first) cur.first = t;
    return;
  }
  m[k] = { first: t, last: t, count: 1 };
  const keys = Object.keys(m);
  if (keys.length > cap) {
    // forget the least recently seen source
    let oldest = keys[0]!;
    for (const x of keys) if (m[x]!.last < m[oldest]!.last) oldest = x;
    delete m[oldest];
  }
}

export function baselineOf(st: DetectorState, cluster: string | undefined, user: string): Baseline | undefined {
  return st.baselines.get(keyOf(cluster, user));
}

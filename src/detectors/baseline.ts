/**
 * Where each service account normally acts from: the trusted client address
 * (the last sourceIPs entry) and the user-agent family of its requests, with
 * first and last seen. Updated after the detectors have judged a request, so
 * a request is compared with what came before it.
 */
import { userAgentFamily } from './ip.js';
import { Sources } from './sources.js';
import type { DetectorState } from './state.js';
import type { EventView } from './view.js';

export function learnBaseline(st: DetectorState, v: EventView): void {
  if (!v.isSa) return;
  const user = v.user!;
  const cluster = v.cluster;
  const t = v.t;
  let b = st.baselines.getIn(cluster, user);
  if (!b) {
    b = { first: t, lastSeen: t, ips: new Sources(), agents: new Sources() };
    st.baselines.setIn(cluster, user, b);
  } else st.baselines.touchIn(cluster, user, b, t);
  const ip = v.ip;
  if (ip) b.ips.bump(ip, t, st.maxSourcesPerAccount);
  const fam = userAgentFamily(v.ev.userAgent);
  if (fam) b.agents.bump(fam, t, 32);
}

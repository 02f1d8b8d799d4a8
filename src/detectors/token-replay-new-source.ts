/**
 * A service account acting from somewhere it never acted from: the forensic
 * seed's "group a service account's requests by source IP and compare them
 * with where its pods run", done continuously. Pod-bound tokens (pod-name and
 * node-name extras) are checked against their own pod's and node's address,
 * which needs no learning: anything else is high severity. Other tokens are
 * compared with the account's learned baseline once the learning period is
 * over; a new address inside the cluster's own pod or node networks is churn
 * (a new pod of the same workload), not an alert.
 */
import type { RuleRef } from '../alerts/alert.js';
import { credentialId, serviceAccountOf } from '../event/derived.js';
import type { EventRecord } from '../event/types.js';
import { inCluster } from './cluster-model.js';
import { isLoopback, isPrivate, networkOf, userAgentFamily } from './ip.js';
import type { Sources } from './sources.js';
import { keyOf, type DetectorState } from './state.js';
import type { Detector, DetectorHost } from './types.js';
import { EventView } from './view.js';

const REF: RuleRef = {
  id: 'token-replay-new-source',
  title: 'Service account token used from a new place',
  severity: 'medium',
  tags: ['attack.credential-access', 'attack.t1528', 'attack.lateral-movement', 'attack.t1550.001'],
  author: 'tokenwatch',
  origin: 'builtin',
  description: 'A service account made a request from an address (or with a client) it has not used before. For pod-bound tokens, an address that is neither the pod\'s nor its node\'s is high severity: the token left its pod.',
  runbook: [
    '1. Where is the address? Inside the cluster (another pod, a node) or outside (a laptop, a cloud host)?',
    '2. Group the account\'s requests by source (tokenwatch trace --account NS/NAME): when did the new source start, what did it do?',
    '3. For a pod-bound token: the pod is compromised or its token was copied. Delete the pod (its token dies with it) and investigate the workload.',
    '4. For a long-lived or minted token: delete the token Secret or recreate the account, then review the requests from the new source.',
  ].join('\n'),
};

function insideOnly(st: DetectorState, cluster: string | undefined, ips: Sources, min: number): boolean {
  let n = 0;
  for (const ip of ips.keys()) {
    if (!inCluster(st, cluster, ip)) return false;
    n += ips.get(ip)!.count;
  }
  return n >= min;
}

/** Is `ip` in the network of one of `ips` (private ones only)? */
function sameNetwork(ips: Sources, ip: string): boolean {
  const net = networkOf(ip);
  for (const k of ips.keys()) if (isPrivate(k) && networkOf(k) === net) return true;
  return false;
}

export class TokenReplayNewSource implements Detector {
  /** requests from inside the cluster before an outside source counts as new during learning */
  readonly minHistory = 20;
  readonly ref = REF;
  readonly needs = [
    { kind: 'service-account-requests', missing: 'no requests by service accounts in the log' },
    { kind: 'pod-binding-extras', optional: true, missing: 'no pod-name/node-name extras: pod-bound tokens are judged by learned baselines, not against their pod' },
    { kind: 'events', match: { resource: 'pods' }, optional: true, missing: 'no pod events: pod addresses are learned from the first request of each pod' },
  ];

  observe(rec: EventRecord, t: number, host: DetectorHost): void {
    this.judge(new EventView().fill(rec, t), host);
  }

  /** `observe` on a filled view (the detector set's path). */
  judge(v: EventView, host: DetectorHost): void {
    if (!v.isSa) return;
    const ip = v.ip;
    if (!ip || isLoopback(ip)) return;
    const t = v.t;
    if (v.pod !== undefined) {
      this.checkBound(v, ip, t, host);
      return;
    }
    const rec = v.rec;
    const ev = v.ev;
    const st = host.state;
    const cluster = v.cluster;
    const user = v.user!;
    const base = st.baselines.getIn(cluster, user);
    if (base?.ips.get(ip)) {
      this.checkAgent(rec, base.agents, t, host);
      return;
    }
    if (inCluster(st, cluster, ip)) return; // a new pod of the same workload, or a node
    // a private address in the network of one the account already used: a new pod of the same workload, in a log
    // that shows no pod networks (no pod bodies, no pod-bound tokens)
    const priv = isPrivate(ip);
    if (priv && base && sameNetwork(base.ips, ip)) return;
    // While learning, only one thing is already clear: an account that has so far acted
    // only from inside the cluster, many times, now acts from outside it.
    if (host.learning(t) && !(base && insideOnly(st, cluster, base.ips, this.minHistory))) return;
    const sa = serviceAccountOf(user)!;
    const known = base ? base.ips.keys().slice(0, 5) : [];
    const legacy = ev.annotations?.['authentication.k8s.io/legacy-token'] !== undefined;
    const cred = credentialId(ev);
    // an account the log never showed before, from a private address: most often a new workload, told apart
    // from a token used elsewhere only by where it goes next
    const first = base === undefined || base.ips.size === 0;
    host.emit({
      detector: REF.id,
      key: { account: user, client_ip: ip },
      rec,
      severity: first && priv ? 'low' : 'medium',
      summary: first
        ? `first request of ${sa.namespace}/${sa.name} in the log, from ${ip}, ${priv ? 'a private address' : 'an address'} outside the node and pod networks the log shows`
        : `${sa.namespace}/${sa.name} acted from ${ip}, an address it never used before, outside the node and pod networks the log shows`,
      notes: [
        known.length ? `known sources: ${known.join(', ')}${base!.ips.size > 5 ? ', …' : ''}` : `no earlier requests by this account in the baseline`,
        legacy ? 'made with a legacy (Secret-based, non-expiring) token' : cred ? `credential ${cred}` : 'no credential id on the request',
      ],
    });
  }

  private checkBound(v: EventView, ip: string, t: number, host: DetectorHost): void {
    const st = host.state;
    const cluster = v.cluster;
    const podRef = v.podRef!;
    const node = v.podNode;
    const pod = v.boundPod(st);
    const nodeIp = node ? v.boundNode(st)?.ip : undefined;
    if (ip === nodeIp) return; // host-network pods act from their node's address
    if (!pod?.ip) {
      // no pod object seen: the first address the pod's token is used from is the pod's
      v.setBoundPod(st, { ...(pod ?? {}), ip, ipFrom: 'first-use', lastSeen: t });
      st.podByIp.setIn(cluster, ip, { value: keyOf(cluster, podRef), lastSeen: t });
      // and its network is a pod network (a private one only: a token first used from the internet teaches nothing;
      // one known already, a node's, keeps what it is)
      if (isPrivate(ip)) {
        const net = networkOf(ip);
        if (!st.networks.hasIn(cluster, net)) st.networks.setIn(cluster, net, { value: 'pod', lastSeen: t });
      }
      return;
    }
    if (pod.ip === ip) return;
    host.emit({
      detector: REF.id,
      key: { pod: podRef, client_ip: ip },
      rec: v.rec,
      severity: 'high',
      summary: `the token bound to pod ${podRef} was used from ${ip}, which is neither the pod's address (${pod.ip}) nor its node's${nodeIp ? ` (${node} ${nodeIp})` : ''}`,
      notes: [
        pod.ipFrom === 'first-use' ? `the pod's address ${pod.ip} is the first one its token was used from (no pod events in the log)` : `pod address ${pod.ip} from the pod object`,
        inCluster(st, cluster, ip) ? 'the address is inside the cluster: another pod or node holds this token' : 'the address is outside the cluster networks seen in the log',
      ],
    });
  }

  private checkAgent(rec: EventRecord, agents: Sources, t: number, host: DetectorHost): void {
    const fam = userAgentFamily(rec.event.userAgent);
    if (!fam || agents.get(fam) || agents.size === 0 || host.learning(t)) return;
    const user = rec.event.user!.username!;
    host.emit({
      detector: REF.id,
      key: { account: user, user_agent: fam },
      rec,
      severity: 'low',
      summary: `${user} used a client it never used before: ${fam}`,
      notes: [`known clients: ${agents.keys().slice(0, 5).join(', ')}`],
    });
  }
}

export type { DetectorState };

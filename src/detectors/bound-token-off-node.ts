/**
 * A pod-bound token used away from its pod: after the pod was deleted, or
 * from a place that is not the node the token names (another node's address,
 * a pod on another node, or an address outside the cluster). The API server
 * checks that the bound pod still exists, so a use past deletion means the
 * pod object lingered (graceful termination) while someone else held the token.
 */
import type { RuleRef } from '../alerts/alert.js';
import type { EventRecord } from '../event/types.js';
import { inCluster } from './cluster-model.js';
import { isLoopback } from './ip.js';
import { keyOf } from './state.js';
import type { Detector, DetectorHost } from './types.js';
import { EventView } from './view.js';

export interface OffNodeOptions {
  /** requests this long after the pod's deletion are still its own, finishing (default 2 min) */
  deletionGraceMs?: number;
}

const REF: RuleRef = {
  id: 'bound-token-off-node',
  title: 'Pod-bound token used away from its pod',
  severity: 'high',
  tags: ['attack.credential-access', 'attack.t1552.007', 'attack.lateral-movement', 'attack.t1550.001'],
  author: 'tokenwatch',
  origin: 'builtin',
  description: 'A token bound to a pod (pod-name and node-name extras) was used after the pod was deleted, or from somewhere that is not the node it names.',
  runbook: [
    '1. Which pod and node does the token name, and where did the request come from (another node, another pod, outside)?',
    '2. Treat the token as stolen: find how it left the pod (a compromised container, a hostPath mount, a node compromise).',
    '3. Delete the pod so its token is rejected, and look for other requests from the same source (tokenwatch trace).',
  ].join('\n'),
};

export class BoundTokenOffNode implements Detector {
  readonly ref = REF;
  readonly needs = [
    { kind: 'pod-binding-extras', missing: 'no pod-name/node-name extras on requests: pod-bound tokens cannot be tied to a pod' },
    { kind: 'node-requests', missing: 'no kubelet requests: node addresses are unknown' },
  ];
  private readonly graceMs: number;

  constructor(o: OffNodeOptions = {}) {
    this.graceMs = o.deletionGraceMs ?? 2 * 60_000;
  }

  observe(rec: EventRecord, t: number, host: DetectorHost): void {
    this.judge(new EventView().fill(rec, t), host);
  }

  /** `observe` on a filled view (the detector set's path). */
  judge(v: EventView, host: DetectorHost): void {
    const node = v.podNode;
    // a pod-bound token (the view reads the extras of service-account users only, the others have no namespace)
    if (v.pod === undefined || !node) return;
    const st = host.state;
    const rec = v.rec;
    const t = v.t;
    const cluster = v.cluster;
    const podRef = v.podRef!;
    const pod = v.boundPod(st);
    const ip = v.ip;
    if (pod?.deletedAt !== undefined && t - pod.deletedAt > this.graceMs) {
      host.emit({
        detector: REF.id,
        key: { pod: podRef, reason: 'deleted' },
        rec,
        summary: `the token bound to pod ${podRef} was used ${Math.round((t - pod.deletedAt) / 60_000)} min after the pod was deleted${ip ? `, from ${ip}` : ''}`,
        notes: [`pod deleted at ${new Date(pod.deletedAt).toISOString()}`],
      });
      return;
    }
    if (!ip || isLoopback(ip)) return;
    const nodeIp = v.boundNode(st)?.ip;
    if (ip === nodeIp || ip === pod?.ip) return;
    const otherNode = st.nodeByIp.getIn(cluster, ip)?.value;
    const otherPodKey = st.podByIp.getIn(cluster, ip)?.value;
    const otherPod = otherPodKey ? st.pods.get(otherPodKey) : undefined;
    let where: string | undefined;
    if (otherNode && otherNode !== node) where = `node ${otherNode}`;
    else if (otherPodKey && otherPodKey !== keyOf(cluster, podRef) && otherPod?.node && otherPod.node !== node) where = `pod ${otherPodKey.split('\u0001')[1]} on node ${otherPod.node}`;
    else if (!inCluster(st, cluster, ip) && (nodeIp !== undefined || pod?.ip !== undefined)) where = 'an address outside the cluster';
    if (!where) return;
    host.emit({
      detector: REF.id,
      key: { pod: podRef, client_ip: ip },
      rec,
      summary: `the token bound to pod ${podRef} on node ${node} was used from ${ip} (${where})`,
      notes: [nodeIp ? `node ${node} acts from ${nodeIp}` : `the address of node ${node} is not in the log`, pod?.ip ? `the pod's address is ${pod.ip}` : 'the pod\'s address is not known'],
    });
  }
}

/**
 * What the detectors read of one request, worked out once per request: the
 * username's kind (service account, node), the service account's namespace,
 * the client address and the pod-binding extras. Each detector used to parse
 * these itself; the set fills one view and hands it to all of them.
 *
 * The view is of the event as the set received it. A finding may make the
 * record's event whole again (a worker's projection, see witnesses.ts) while
 * later detectors still judge the same request; the projection holds every
 * field read here with the same value, so nothing read from it changes.
 */
import { clientIp } from '../event/derived.js';
import type { AuditEvent, EventRecord, ObjectRef } from '../event/types.js';
import type { DetectorState, NodeInfo, PodInfo } from './state.js';

const SA_PREFIX = 'system:serviceaccount:';
const NODE_PREFIX = 'system:node:';
const POD_NAME = 'authentication.kubernetes.io/pod-name';
const NODE_NAME = 'authentication.kubernetes.io/node-name';

export class EventView {
  rec: EventRecord = { event: {}, source: { file: '', line: 0, format: '' } };
  ev: AuditEvent = this.rec.event;
  t = NaN;
  cluster: string | undefined = undefined;
  /** user.username */
  user: string | undefined = undefined;
  objectRef: ObjectRef | undefined = undefined;
  /** NS of a username `system:serviceaccount:NS:…` (NS not empty, then a colon) */
  saNs: string | undefined = undefined;
  /** the username is `system:serviceaccount:NS:NAME`, both not empty (as `serviceAccountOf` has it) */
  isSa = false;
  /** the username starts with `system:node:` */
  isNode = false;
  /** the client address, for service-account and node users only */
  ip: string | undefined = undefined;
  /** pod-name extra of a service-account user (a pod-bound token) */
  pod: string | undefined = undefined;
  /** node-name extra, when `pod` is set */
  podNode: string | undefined = undefined;
  /** `NS/POD`, when `pod` is set */
  podRef: string | undefined = undefined;
  // The bound pod's and node's entries, looked up once for the two detectors that ask.
  private podLooked = false;
  private podEntry: PodInfo | undefined = undefined;
  private nodeLooked = false;
  private nodeEntry: NodeInfo | undefined = undefined;

  /** The state's entry for the bound pod (`podRef`). */
  boundPod(st: DetectorState): PodInfo | undefined {
    if (!this.podLooked) {
      this.podEntry = st.pods.getIn(this.cluster, this.podRef!);
      this.podLooked = true;
    }
    return this.podEntry;
  }

  /** Replaces the bound pod's entry (and keeps what `boundPod` answers in step). */
  setBoundPod(st: DetectorState, pod: PodInfo): void {
    st.pods.setIn(this.cluster, this.podRef!, pod);
    this.podEntry = pod;
    this.podLooked = true;
  }

  /** The state's entry for the bound node (`podNode`, not empty). */
  boundNode(st: DetectorState): NodeInfo | undefined {
    if (!this.nodeLooked) {
      this.nodeEntry = st.nodes.getIn(this.cluster, this.podNode!);
      this.nodeLooked = true;
    }
    return this.nodeEntry;
  }

  fill(rec: EventRecord, t: number): this {
    const ev = rec.event;
    this.rec = rec;
    this.ev = ev;
    this.t = t;
    this.cluster = rec.source.cluster;
    const u = ev.user;
    const user = u?.username;
    this.user = user;
    this.objectRef = ev.objectRef;
    this.saNs = undefined;
    this.isSa = false;
    this.isNode = false;
    this.ip = undefined;
    this.pod = undefined;
    this.podNode = undefined;
    this.podRef = undefined;
    this.podLooked = false;
    this.podEntry = undefined;
    this.nodeLooked = false;
    this.nodeEntry = undefined;
    // one test of the common prefix, then one character tells the two kinds apart
    if (typeof user !== 'string' || !user.startsWith('system:')) return this;
    const kind = user.charCodeAt(7);
    if (kind === 115 /* s */ && user.startsWith(SA_PREFIX)) {
      const c = user.indexOf(':', SA_PREFIX.length);
      if (c <= SA_PREFIX.length) return this;
      const ns = user.slice(SA_PREFIX.length, c);
      this.saNs = ns;
      this.isSa = c < user.length - 1;
      this.ip = clientIp(ev);
      const extra = u!.extra;
      const pod = extra?.[POD_NAME]?.[0];
      if (typeof pod === 'string') {
        this.pod = pod;
        const node = extra?.[NODE_NAME]?.[0];
        this.podNode = typeof node === 'string' ? node : undefined;
        this.podRef = `${ns}/${pod}`;
      }
    } else if (kind === 110 /* n */ && user.startsWith(NODE_PREFIX)) {
      this.isNode = true;
      this.ip = clientIp(ev);
    }
    return this;
  }
}

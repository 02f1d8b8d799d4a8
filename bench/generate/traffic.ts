/**
 * Background traffic of the simulated cluster: kubelets (leases, status,
 * watches, TokenRequests every ~48 min per pod), the control plane
 * (leader election, controllers with their own tokens, scheduler bindings,
 * the API server's self-calls), workloads calling the API with pod-bound
 * tokens, pod churn from rolling deployments and CI jobs, humans with
 * kubectl, a CI system on a legacy token, and an operator reading secrets.
 */
import {
  CONTROLLERS,
  ISSUED_CREDENTIAL_ID,
  KCM_UA,
  SCHEDULER_UA,
  KUBELET_REFRESH_US,
  KUBELET_TOKEN_SECONDS,
  API_AUDIENCE,
  type Cluster,
  type ControllerSA,
  type Human,
  type NodeM,
  type PodM,
  type Workload,
} from './cluster.js';
import { withSource, type Actor, type Ref, type Req, type Tag } from './emit.js';
import {
  bindingBody,
  deleteOptions,
  fakeJwt,
  imagePatch,
  nodeStatusPatch,
  podBody,
  podStatusPatch,
  replicaSetBody,
  secretObject,
  tokenRequestBody,
  tokenRequestResponse,
} from './objects.js';
import type { Rng } from './rng.js';
import type { RequestSpec, Sim } from './sim.js';
import type { TruthRecorder } from './truth.js';

export const S = 1e6;

export interface TrafficOptions {
  eventsPerSecond: number;
  /** Lines the log will have (to size the expected log duration). */
  events: number;
}

const COORD = 'coordination.k8s.io';

const NO_REPLAY = ['token-replay-new-source', 'bound-token-off-node', 'minted-token-used'];

/** Resource types the controller manager's and scheduler's informers watch. */
const KCM_INFORMERS: [string | undefined, string][] = [
  [undefined, 'pods'], [undefined, 'nodes'], [undefined, 'services'], [undefined, 'endpoints'], [undefined, 'namespaces'],
  [undefined, 'serviceaccounts'], [undefined, 'secrets'], [undefined, 'configmaps'], [undefined, 'persistentvolumeclaims'],
  [undefined, 'persistentvolumes'], [undefined, 'resourcequotas'], [undefined, 'limitranges'], [undefined, 'replicationcontrollers'],
  ['apps', 'deployments'], ['apps', 'replicasets'], ['apps', 'statefulsets'], ['apps', 'daemonsets'], ['apps', 'controllerrevisions'],
  ['batch', 'jobs'], ['batch', 'cronjobs'], ['discovery.k8s.io', 'endpointslices'], ['policy', 'poddisruptionbudgets'],
  ['rbac.authorization.k8s.io', 'clusterroles'], ['rbac.authorization.k8s.io', 'roles'], ['rbac.authorization.k8s.io', 'rolebindings'],
  ['rbac.authorization.k8s.io', 'clusterrolebindings'], ['autoscaling', 'horizontalpodautoscalers'], ['storage.k8s.io', 'csinodes'],
  ['storage.k8s.io', 'storageclasses'], ['storage.k8s.io', 'volumeattachments'], ['certificates.k8s.io', 'certificatesigningrequests'],
  ['networking.k8s.io', 'ingresses'], ['networking.k8s.io', 'networkpolicies'], [COORD, 'leases'], ['resource.k8s.io', 'resourceclaims'],
];
const SCHED_INFORMERS: [string | undefined, string][] = [
  [undefined, 'pods'], [undefined, 'nodes'], [undefined, 'persistentvolumes'], [undefined, 'persistentvolumeclaims'],
  [undefined, 'namespaces'], [undefined, 'services'], ['storage.k8s.io', 'csinodes'], ['storage.k8s.io', 'csidrivers'],
  ['storage.k8s.io', 'csistoragecapacities'], ['storage.k8s.io', 'storageclasses'], ['policy', 'poddisruptionbudgets'], ['apps', 'replicasets'],
];
const KSM_RESOURCES: [string | undefined, string][] = [
  [undefined, 'pods'], [undefined, 'nodes'], [undefined, 'services'], [undefined, 'namespaces'], [undefined, 'configmaps'],
  [undefined, 'secrets'], [undefined, 'persistentvolumeclaims'], [undefined, 'resourcequotas'], [undefined, 'endpoints'],
  ['apps', 'deployments'], ['apps', 'replicasets'], ['apps', 'statefulsets'], ['apps', 'daemonsets'], ['batch', 'jobs'],
  ['batch', 'cronjobs'], ['autoscaling', 'horizontalpodautoscalers'], ['policy', 'poddisruptionbudgets'], ['networking.k8s.io', 'ingresses'],
  [COORD, 'leases'], ['storage.k8s.io', 'storageclasses'],
];
const CILIUM_WATCHES: [string | undefined, string, string?][] = [
  ['cilium.io', 'ciliumnodes'], ['cilium.io', 'ciliumendpoints'], ['cilium.io', 'ciliumnetworkpolicies'],
  ['cilium.io', 'ciliumclusterwidenetworkpolicies'], ['cilium.io', 'ciliumidentities'], [undefined, 'services'],
  ['discovery.k8s.io', 'endpointslices'], [undefined, 'namespaces'], [undefined, 'pods', 'spec.nodeName'], [undefined, 'nodes', 'metadata.name'],
];
const KUBE_PROXY_WATCHES: [string | undefined, string, string?][] = [
  [undefined, 'services'], ['discovery.k8s.io', 'endpointslices'], [undefined, 'nodes', 'metadata.name'],
];
const VERSIONS: Record<string, string> = {
  apps: 'v1', batch: 'v1', 'discovery.k8s.io': 'v1', policy: 'v1', 'rbac.authorization.k8s.io': 'v1', autoscaling: 'v2',
  'storage.k8s.io': 'v1', 'certificates.k8s.io': 'v1', 'networking.k8s.io': 'v1', [COORD]: 'v1', 'resource.k8s.io': 'v1alpha3',
  'cilium.io': 'v2', 'cert-manager.io': 'v1', 'acme.cert-manager.io': 'v1', 'metrics.k8s.io': 'v1beta1',
};

function ver(group: string | undefined): string {
  return group ? VERSIONS[group] ?? 'v1' : 'v1';
}

function goDuration(sec: number): string {
  return `${Math.floor(sec / 60)}m${sec % 60}s`;
}

export class Traffic {
  private readonly start: number;
  private readonly kcmLeader: Actor;
  private readonly kcmTokens: Actor;
  private readonly tokensController: Actor;
  /** Lines per second the fixed processes are expected to produce (for the filler rate). */
  fixedLinesPerSecond = 0;
  fillerRequestsPerSecond = 0;
  /** Expected lines per second overall, and the log duration (µs) that gives `events` lines. */
  linesPerSecond = 0;
  expectedDuration = 0;
  private appCum: number[] = [];
  private appList: Workload[] = [];

  constructor(
    private readonly sim: Sim,
    private readonly c: Cluster,
    private readonly rng: Rng,
    private readonly opts: TrafficOptions,
    private readonly truth: TruthRecorder,
  ) {
    this.start = c.opts.start;
    this.kcmLeader = withSource(c.kcm, [c.controlPlane[0]!.ip], `${KCM_UA}/leader-election`);
    this.kcmTokens = withSource(c.kcm, [c.controlPlane[0]!.ip], `${KCM_UA}/kube-controller-manager`);
    this.tokensController = withSource(c.kcm, [c.controlPlane[0]!.ip], `${KCM_UA}/tokens-controller`);
  }

  /** A request by the background (its own PRNG stream). */
  private req(spec: RequestSpec): Req {
    return this.sim.request(spec, this.rng);
  }

  private get now(): number {
    return this.sim.now;
  }

  private watchQuery(t: number, selector?: string): { query: string; long: { started: number; duration: number } } {
    const sec = 300 + this.rng.int(300);
    const sel = selector ? selector + '&' : '';
    return {
      query: `allowWatchBookmarks=true&${sel}resourceVersion=${this.c.rvAt(t - this.rng.int(30 * S))}&timeout=${goDuration(sec)}&timeoutSeconds=${sec}&watch=true`,
      long: { started: 300 + this.rng.int(3000), duration: sec * S + this.rng.int(5000) },
    };
  }

  private watch(actor: Actor, t: number, group: string | undefined, resource: string, ns?: string, selector?: string): void {
    const w = this.watchQuery(t, selector);
    const ref: Ref = { resource, apiVersion: ver(group) };
    if (group) ref.apiGroup = group;
    if (ns) ref.namespace = ns;
    this.req({ t, actor, verb: 'watch', ref, query: w.query, long: w.long });
  }

  // ------------------------------------------------------------------ setup

  startAll(): void {
    const { c, rng } = this;
    const st = this.start;
    const stages = this.sim.opts.omitReceived ? 1 : 2;
    let fixed = 0; // requests/s of normal requests
    let fixedLong = 0; // requests/s of long-running requests

    for (const node of c.nodes) {
      this.sim.at(st + rng.int(10 * S), () => this.nodeLease(node));
      this.sim.at(st + rng.int(300 * S), () => this.nodeStatus(node));
      fixed += 0.1 + 2 / 300;
    }
    for (const node of c.workers) {
      const refs = 5 + node.watchRefs.length;
      const period = (450 * S) / refs;
      let i = rng.int(refs);
      const cycle = (): void => {
        this.kubeletWatch(node, i++ % refs);
        this.sim.at(this.now + period * (0.5 + rng.float()), cycle);
      };
      this.sim.at(st + rng.int(period), cycle);
      fixedLong += refs / 450;
    }

    // Kubelet token rotation for every running pod with a token. prometheus-0 rotates
    // early in the window, so its TokenRequest (and the JTI later stolen) is in the log.
    let withToken = 0;
    let prometheus0: PodM | undefined;
    for (const w of c.workloads) {
      for (const pod of w.pods) {
        if (!pod.w.automount) continue;
        withToken++;
        if (w.ns === 'monitoring' && pod.name === 'prometheus-0') prometheus0 = pod;
        else this.scheduleRefresh(pod);
      }
    }
    fixed += withToken / (KUBELET_REFRESH_US / S + 45);

    // Control plane.
    this.every(2 * S, () => this.leaderLease(this.kcmLeader, 'kube-system', 'kube-controller-manager'));
    const schedulerLeader = withSource(c.scheduler, [c.controlPlane[0]!.ip], `${SCHEDULER_UA}/leader-election`);
    this.every(2 * S, () => this.leaderLease(schedulerLeader, 'kube-system', 'kube-scheduler'));
    this.every(10 * S, () => this.apiserverLoop());
    fixed += 2 + 0.3;
    for (const ctl of c.controllers.values()) {
      const due = ctl.tokenAt + 2880 * S + rng.int(60 * S);
      this.sim.at(Math.max(st + rng.int(5 * S), due), () => this.controllerToken(ctl));
    }
    fixed += c.controllers.size / 2900;
    this.poisson(KCM_INFORMERS.length / 450, () => {
      const [g, r] = rng.pick(KCM_INFORMERS);
      this.watch(c.kcm, this.now, g, r);
    });
    this.poisson(SCHED_INFORMERS.length / 450, () => {
      const [g, r] = rng.pick(SCHED_INFORMERS);
      this.watch(c.scheduler, this.now, g, r);
    });
    this.poisson(CONTROLLERS.length / 450, () => {
      const ctl = c.controllers.get(rng.pick(CONTROLLERS))!;
      const [g, r] = rng.pick(KCM_INFORMERS);
      this.watch(ctl.actor, this.now, g, r);
    });
    fixedLong += (KCM_INFORMERS.length + SCHED_INFORMERS.length + CONTROLLERS.length) / 450;
    const hpas = c.workloads.filter((w) => w.hpa);
    for (const w of hpas) this.every(15 * S, () => this.hpa(w));
    fixed += (hpas.length * 1.2) / 15;

    // Platform workloads.
    const prom = c.byName.get('monitoring/prometheus')!;
    const scrapeRate = (prom.replicas * c.workers.length) / 60;
    this.poisson(scrapeRate, () => this.prometheusScrape(prom));
    fixed += scrapeRate;
    const perNode = (c.workers.length * (KUBE_PROXY_WATCHES.length + CILIUM_WATCHES.length)) / 450;
    this.poisson(perNode, () => this.agentWatch());
    fixedLong += perNode;
    const platform = (5 * 2 + 20 + 3 * c.byName.get('kube-system/coredns')!.replicas + 4 + 10) / 450;
    this.poisson(platform, () => this.platformWatch());
    fixedLong += platform;
    const cm = c.byName.get('cert-manager/cert-manager')!;
    this.poisson(1 / 20, () => this.certManagerRead(cm));
    this.every(15 * S, () => this.leaderLeaseFor(cm, 'kube-system', 'cert-manager-controller'));
    this.every(2 * S, () => this.leaderLeaseFor(c.byName.get('kube-system/cilium-operator')!, 'kube-system', 'cilium-operator-resource-lock'));
    this.poisson(1 / 600, () => this.certManagerRenew(cm));
    const graf = c.byName.get('monitoring/grafana')!;
    this.every(60 * S, () => this.grafanaSidecar(graf));
    fixed += 1 / 20 + 2 / 15 + 2 / 2 + 1 / 60;

    // People and automation.
    this.poisson(1 / 90, () => this.humanSession(rng.pick(c.humans)));
    fixed += (1 / 90) * 10;
    this.poisson(1 / 300, () => this.ciDeploy());
    const jobRate = Math.max(0.01, (c.workers.length / 1000) * 0.05);
    this.poisson(jobRate, () => this.ciJob());
    // Rollouts: ~1/300 s × replicas × ~8 requests; jobs ~10 requests.
    const apps = c.workloads.filter((w) => w.kind === 'Deployment' && (w.ns === 'production' || w.ns === 'staging'));
    const avgReplicas = apps.reduce((a, w) => a + w.replicas, 0) / Math.max(1, apps.length);
    fixed += (1 / 300) * (avgReplicas * 9 + 3) + jobRate * 11;

    // Workload filler: application pods calling the API with their bound tokens,
    // sized so that the whole log runs at about eventsPerSecond.
    this.fixedLinesPerSecond = fixed * stages + fixedLong * (stages + 1);
    const fillLines = Math.max(this.opts.eventsPerSecond - this.fixedLinesPerSecond, this.opts.eventsPerSecond * 0.25);
    this.fillerRequestsPerSecond = fillLines / (stages + 0.05);
    this.appList = c.apiWorkloads;
    let cum = 0;
    this.appCum = this.appList.map((w) => (cum += w.replicas * w.apiWeight));
    this.poisson(this.fillerRequestsPerSecond, () => this.appRequest());
    this.linesPerSecond = this.fixedLinesPerSecond + this.fillerRequestsPerSecond * (stages + 0.05);
    this.expectedDuration = (Math.max(1, this.opts.events) / this.linesPerSecond) * S;
    if (prometheus0) this.scheduleRefresh(prometheus0, st + Math.round(this.expectedDuration * 0.03), S / 2);
  }

  private every(period: number, fn: () => void): void {
    const tick = (): void => {
      fn();
      this.sim.at(this.now + period + this.rng.int(Math.max(1, period / 50)), tick);
    };
    this.sim.at(this.start + this.rng.int(period), tick);
  }

  private poisson(ratePerSecond: number, fn: () => void): void {
    if (!(ratePerSecond > 0)) return;
    const mean = S / ratePerSecond;
    const tick = (): void => {
      fn();
      this.sim.at(this.now + this.rng.exp(mean), tick);
    };
    this.sim.at(this.start + this.rng.exp(mean), tick);
  }

  // ------------------------------------------------------------------ kubelets

  private nodeLease(node: NodeM): void {
    const t = this.now;
    this.req({
      t,
      actor: node.kubelet,
      verb: 'update',
      ref: { resource: 'leases', namespace: 'kube-node-lease', name: node.name, apiGroup: COORD, apiVersion: 'v1' },
      query: 'timeout=10s',
      latency: 900 + this.rng.int(3500),
    });
    this.sim.at(t + 10 * S + this.rng.int(40_000), () => this.nodeLease(node));
  }

  private nodeStatus(node: NodeM): void {
    const t = this.now;
    const ref: Ref = { resource: 'nodes', name: node.name, apiVersion: 'v1' };
    this.req({ t, actor: node.kubelet, verb: 'get', ref, query: 'resourceVersion=0&timeout=10s', latency: 400 + this.rng.int(1500) });
    this.req({
      t: t + 3000 + this.rng.int(8000),
      actor: node.kubelet,
      verb: 'patch',
      ref: { ...ref, subresource: 'status' },
      query: 'timeout=10s',
      body: () => nodeStatusPatch(t),
      latency: 2000 + this.rng.int(9000),
    });
    this.sim.at(t + 300 * S + this.rng.int(5 * S), () => this.nodeStatus(node));
  }

  private kubeletWatch(node: NodeM, i: number): void {
    const t = this.now;
    const a = node.kubelet;
    switch (i) {
      case 0:
        return this.watch(a, t, undefined, 'pods', undefined, `fieldSelector=spec.nodeName%3D${node.name}`);
      case 1:
        return this.watch(a, t, undefined, 'nodes', undefined, `fieldSelector=metadata.name%3D${node.name}`);
      case 2:
        return this.watch(a, t, undefined, 'services');
      case 3:
        return this.watch(a, t, 'storage.k8s.io', 'csidrivers');
      case 4:
        return this.watch(a, t, 'node.k8s.io', 'runtimeclasses');
      default: {
        const [ns, kind, name] = node.watchRefs[i - 5]!.split('/') as [string, string, string];
        return this.watch(a, t, undefined, kind, ns, `fieldSelector=metadata.name%3D${name}`);
      }
    }
  }

  /**
   * Schedules the kubelet's next rotation of a pod's token (`at` forces the
   * time, `switchWithin` how soon the pod starts presenting the new token).
   */
  private scheduleRefresh(pod: PodM, at?: number, switchWithin?: number): void {
    const due = at ?? pod.tokenAt + KUBELET_REFRESH_US + this.rng.int(90 * S);
    const tokenAt = pod.tokenAt;
    this.sim.at(due < this.now ? this.now : due, () => {
      if (pod.state !== 'running' || pod.tokenAt !== tokenAt) return;
      this.kubeletTokenRequest(pod, true, null, switchWithin);
    });
  }

  /** The kubelet mints a pod's projected token (on start, then every ~48 min). */
  private kubeletTokenRequest(pod: PodM, rotation: boolean, tag: Tag | null = null, switchWithin = 60 * S): void {
    const t = this.now;
    const jti = this.rng.uuid();
    const sa = pod.w.sa;
    let sampleId: string | null = null;
    if (rotation && !tag && pod.w.profile === 'app') {
      sampleId = this.truth.sample(
        'kubelet-jti-rotation',
        'A kubelet rotates a pod\'s projected token (new JTI); the pod then uses the new token from the same pod IP.',
        [...NO_REPLAY, 'tokenrequest-non-system', 'long-lived-token-created', 'tokenrequest-uri-anomaly'],
        { pod: pod.name, namespace: pod.ns, node: pod.node.name, podIP: pod.ip, oldJti: pod.jti, newJti: jti },
      );
    }
    const ann: [string, string][] = this.c.opts.jti ? [[ISSUED_CREDENTIAL_ID, `JTI=${jti}`]] : [];
    const body = tokenRequestBody(KUBELET_TOKEN_SECONDS, { name: pod.name, uid: pod.uid }, [API_AUDIENCE]);
    const mint = this.req({
      t,
      actor: pod.node.kubelet,
      verb: 'create',
      ref: { resource: 'serviceaccounts', namespace: pod.ns, name: sa.name, apiVersion: 'v1', subresource: 'token' },
      body: () => body,
      response: () =>
        tokenRequestResponse(body, sa.name, pod.ns, t, KUBELET_TOKEN_SECONDS, fakeJwt(this.rng, {
          ns: pod.ns, sa: sa.name, saUid: sa.uid, jti, iat: Math.floor(t / S), exp: Math.floor(t / S) + KUBELET_TOKEN_SECONDS,
          audiences: [API_AUDIENCE], pod: { name: pod.name, uid: pod.uid }, node: { name: pod.node.name, uid: pod.node.uid },
        })),
      ann,
      latency: 1500 + this.rng.int(6000),
      tag: tag ?? (sampleId ? { group: sampleId, role: 'kubelet-rotation-mint' } : null),
    });
    if (!rotation) {
      this.c.setToken(pod, jti, t);
      pod.mintAuditID = mint.id;
      this.scheduleRefresh(pod);
      return;
    }
    // Client libraries re-read the token file about once a minute.
    this.sim.at(t + switchWithin / 2 + this.rng.int(switchWithin / 2), () => {
      if (pod.state !== 'running') return;
      this.c.setToken(pod, jti, t);
      pod.mintAuditID = mint.id;
      if (sampleId) this.pendingUse.set(pod, { group: sampleId, role: 'use-new-jti' });
      this.scheduleRefresh(pod);
    });
  }

  /** Pods whose next API request belongs to a benign sample. */
  private readonly pendingUse = new Map<PodM, Tag>();

  private takeUseTag(pod: PodM): Tag | null {
    if (this.pendingUse.size === 0) return null;
    const tag = this.pendingUse.get(pod);
    if (!tag) return null;
    this.pendingUse.delete(pod);
    return tag;
  }

  // ------------------------------------------------------------------ control plane

  private leaderLease(actor: Actor, ns: string, name: string): void {
    const t = this.now;
    const ref: Ref = { resource: 'leases', namespace: ns, name, apiGroup: COORD, apiVersion: 'v1' };
    this.req({ t, actor, verb: 'get', ref, query: 'timeout=5s', latency: 500 + this.rng.int(1500) });
    this.req({ t: t + 2500 + this.rng.int(3000), actor, verb: 'update', ref, query: 'timeout=5s', latency: 1500 + this.rng.int(4000) });
  }

  private leaderLeaseFor(w: Workload, ns: string, name: string): void {
    const pod = w.ready[0];
    if (pod) this.leaderLease(this.c.podActor(pod), ns, name);
  }

  private apiserverLoop(): void {
    const t = this.now;
    const c = this.c;
    this.req({
      t,
      actor: c.apiserver,
      verb: 'update',
      ref: { resource: 'leases', namespace: 'kube-system', name: c.apiserverLease, apiGroup: COORD, apiVersion: 'v1' },
      latency: 1200 + this.rng.int(3000),
    });
    this.req({ t: t + 200_000 + this.rng.int(5000), actor: c.apiserverV4, verb: 'get', ref: { resource: 'endpoints', namespace: 'default', name: 'kubernetes', apiVersion: 'v1' }, latency: 300 + this.rng.int(900) });
    this.req({
      t: t + 202_000 + this.rng.int(5000),
      actor: c.apiserverV4,
      verb: 'get',
      ref: { resource: 'endpointslices', namespace: 'default', name: 'kubernetes', apiGroup: 'discovery.k8s.io', apiVersion: 'v1' },
      latency: 300 + this.rng.int(900),
    });
  }

  /** kube-controller-manager refreshes a controller's token (system TokenRequest, no pod binding). */
  private controllerToken(ctl: ControllerSA): void {
    const t = this.now;
    const jti = this.rng.uuid();
    const sample = this.truth.sample(
      'system-tokenrequest',
      'kube-controller-manager mints a token for a kube-system controller account; the controller then uses it from the control plane.',
      ['tokenrequest-non-system', 'long-lived-token-created', 'tokenrequest-uri-anomaly', ...NO_REPLAY],
      { controller: ctl.name, jti },
    );
    const body = tokenRequestBody(3600, null, null);
    this.req({
      t,
      actor: this.kcmTokens,
      verb: 'create',
      ref: { resource: 'serviceaccounts', namespace: 'kube-system', name: ctl.name, apiVersion: 'v1', subresource: 'token' },
      body: () => body,
      response: () => tokenRequestResponse(body, ctl.name, 'kube-system', t, 3600, fakeJwt(this.rng, {
        ns: 'kube-system', sa: ctl.name, saUid: ctl.sa.uid, jti, iat: Math.floor(t / S), exp: Math.floor(t / S) + 3600, audiences: [API_AUDIENCE],
      })),
      ann: this.c.opts.jti ? [[ISSUED_CREDENTIAL_ID, `JTI=${jti}`]] : [],
      tag: sample ? { group: sample, role: 'system-mint' } : null,
    });
    ctl.jti = jti;
    ctl.tokenAt = t;
    ctl.actor = this.c.controllerActor(ctl);
    if (sample) {
      // The controller's next call, with the new token.
      const [g, r] = this.rng.pick(KCM_INFORMERS);
      const ref: Ref = { resource: r, apiVersion: ver(g) };
      if (g) ref.apiGroup = g;
      this.req({ t: t + 20_000 + this.rng.int(S), actor: ctl.actor, verb: 'list', ref, query: 'limit=500&resourceVersion=0', latency: 5000 + this.rng.int(40_000), tag: { group: sample, role: 'use' } });
    }
    this.sim.at(t + 2880 * S + this.rng.int(60 * S), () => this.controllerToken(ctl));
  }

  private ctl(name: string): Actor {
    return this.c.controllers.get(name)!.actor;
  }

  private hpa(w: Workload): void {
    const t = this.now;
    const a = this.ctl('horizontal-pod-autoscaler');
    this.req({ t, actor: a, verb: 'get', ref: { resource: 'deployments', namespace: w.ns, name: w.name, apiGroup: 'apps', apiVersion: 'v1', subresource: 'scale' }, latency: 800 + this.rng.int(2000) });
    this.req({ t: t + 4000, actor: a, verb: 'list', ref: { resource: 'pods', namespace: w.ns, apiGroup: 'metrics.k8s.io', apiVersion: 'v1beta1' }, query: `labelSelector=app%3D${w.name}`, latency: 8000 + this.rng.int(30_000) });
    if (this.rng.chance(0.2)) {
      this.req({ t: t + 60_000, actor: a, verb: 'update', ref: { resource: 'horizontalpodautoscalers', namespace: w.ns, name: w.name, apiGroup: 'autoscaling', apiVersion: 'v2', subresource: 'status' } });
    }
  }

  // ------------------------------------------------------------------ platform workloads

  private prometheusScrape(prom: Workload): void {
    const pod = prom.ready[this.rng.int(prom.ready.length)];
    if (!pod) return;
    const node = this.c.randomWorker();
    const path = this.rng.chance(0.5) ? 'metrics/cadvisor' : 'metrics';
    this.req({
      t: this.now,
      actor: this.c.podActor(pod),
      verb: 'get',
      ref: { resource: 'nodes', name: node.name, apiVersion: 'v1', subresource: 'proxy' },
      path: `/api/v1/nodes/${node.name}/proxy/${path}`,
      latency: 20_000 + this.rng.int(250_000),
      tag: this.takeUseTag(pod),
    });
  }

  private agentWatch(): void {
    const node = this.c.randomWorker();
    const t = this.now;
    const proxy = this.rng.int(KUBE_PROXY_WATCHES.length + CILIUM_WATCHES.length) < KUBE_PROXY_WATCHES.length;
    const pod = node.agents.get(proxy ? 'kube-proxy' : 'cilium');
    if (!pod || pod.state !== 'running') return;
    const [g, r, field] = this.rng.pick(proxy ? KUBE_PROXY_WATCHES : CILIUM_WATCHES);
    const sel = field ? `fieldSelector=${field}%3D${node.name}` : undefined;
    this.watch(this.c.podActor(pod), t, g, r, undefined, sel);
  }

  private platformWatch(): void {
    const c = this.c;
    const t = this.now;
    const x = this.rng.int(6);
    const pick = (name: string): PodM | undefined => {
      const w = c.byName.get(name)!;
      return w.ready[this.rng.int(w.ready.length)];
    };
    if (x === 0) {
      const pod = pick('monitoring/prometheus');
      const [g, r] = this.rng.pick<[string | undefined, string]>([
        [undefined, 'pods'], [undefined, 'services'], [undefined, 'endpoints'], ['discovery.k8s.io', 'endpointslices'], [undefined, 'nodes'],
      ]);
      if (pod) this.watch(c.podActor(pod), t, g, r, r === 'nodes' ? undefined : this.rng.pick(['production', 'staging', 'monitoring', undefined]));
    } else if (x === 1) {
      const pod = pick('monitoring/kube-state-metrics');
      const [g, r] = this.rng.pick(KSM_RESOURCES);
      if (pod) this.watch(c.podActor(pod), t, g, r);
    } else if (x === 2) {
      const pod = pick('kube-system/coredns');
      const [g, r] = this.rng.pick<[string | undefined, string]>([[undefined, 'services'], ['discovery.k8s.io', 'endpointslices'], [undefined, 'namespaces']]);
      if (pod) this.watch(c.podActor(pod), t, g, r);
    } else if (x === 3) {
      const pod = pick('kube-system/metrics-server');
      if (pod) this.watch(c.podActor(pod), t, undefined, this.rng.pick(['nodes', 'pods']));
    } else {
      const pod = pick('cert-manager/cert-manager');
      if (!pod) return;
      const [g, r] = this.rng.pick<[string | undefined, string]>([
        [undefined, 'secrets'], ['cert-manager.io', 'certificates'], ['cert-manager.io', 'certificaterequests'], ['cert-manager.io', 'issuers'],
        ['cert-manager.io', 'clusterissuers'], ['acme.cert-manager.io', 'orders'], ['acme.cert-manager.io', 'challenges'], ['networking.k8s.io', 'ingresses'],
      ]);
      const ns = r === 'clusterissuers' ? undefined : this.rng.pick(['production', 'staging', 'cert-manager']);
      this.watch(c.podActor(pod), t, g, r, ns, r === 'secrets' ? 'labelSelector=controller.cert-manager.io%2Ffao%3Dtrue' : undefined);
    }
  }

  private certManagerRead(w: Workload): void {
    const pod = w.ready[0];
    if (!pod) return;
    const t = this.now;
    const ns = this.rng.pick(['production', 'staging']);
    const app = this.rng.pick(['frontend', 'gateway', 'auth', 'media', 'checkout']);
    const name = `${app}-tls`;
    const sample = this.truth.sample(
      'operator-secret-read',
      'cert-manager reads a TLS secret it manages.',
      ['token-secret-read'],
      { namespace: ns, secret: name },
    );
    this.req({
      t,
      actor: this.c.podActor(pod),
      verb: 'get',
      ref: { resource: 'secrets', namespace: ns, name, apiVersion: 'v1' },
      response: () => secretObject(this.rng, ns, name, 'kubernetes.io/tls', t, this.c.rvAt(t), ['ca.crt', 'tls.crt', 'tls.key'], { 'cert-manager.io/certificate-name': app }),
      latency: 600 + this.rng.int(1500),
      tag: sample ? { group: sample, role: 'operator-read' } : null,
    });
  }

  private certManagerRenew(w: Workload): void {
    const pod = w.ready[0];
    if (!pod) return;
    const t = this.now;
    const a = this.c.podActor(pod);
    const ns = this.rng.pick(['production', 'staging']);
    const app = this.rng.pick(['frontend', 'gateway', 'auth', 'media', 'checkout']);
    this.req({
      t,
      actor: a,
      verb: 'create',
      ref: { resource: 'certificaterequests', namespace: ns, apiGroup: 'cert-manager.io', apiVersion: 'v1' },
      latency: 5000 + this.rng.int(9000),
    });
    this.req({
      t: t + 8 * S + this.rng.int(20 * S),
      actor: a,
      verb: 'update',
      ref: { resource: 'secrets', namespace: ns, name: `${app}-tls`, apiVersion: 'v1' },
      body: () => secretObject(this.rng, ns, `${app}-tls`, 'kubernetes.io/tls', t, this.c.rvAt(t), ['ca.crt', 'tls.crt', 'tls.key']),
      response: () => secretObject(this.rng, ns, `${app}-tls`, 'kubernetes.io/tls', t, this.c.rvAt(t), ['ca.crt', 'tls.crt', 'tls.key']),
      latency: 3000 + this.rng.int(6000),
    });
  }

  private grafanaSidecar(w: Workload): void {
    const pod = w.ready[0];
    if (!pod) return;
    this.req({
      t: this.now,
      actor: this.c.podActor(pod),
      verb: 'list',
      ref: { resource: 'configmaps', namespace: 'monitoring', apiVersion: 'v1' },
      query: 'labelSelector=grafana_dashboard%3D1',
      latency: 3000 + this.rng.int(8000),
    });
  }

  // ------------------------------------------------------------------ application pods (filler)

  private appRequest(): void {
    if (this.appList.length === 0) return;
    const w = this.appList[this.rng.weighted(this.appCum)]!;
    const pod = w.ready[this.rng.int(w.ready.length)];
    if (!pod) return;
    const t = this.now;
    const actor = this.c.podActor(pod);
    const tag = this.takeUseTag(pod);
    const x = this.rng.float();
    const ns = w.ns;
    if (x < 0.5) {
      const missing = this.rng.chance(0.04);
      const name = missing ? `${w.name}-overrides` : w.configMaps[0]!;
      this.req({
        t, actor, verb: 'get', ref: { resource: 'configmaps', namespace: ns, name, apiVersion: 'v1' },
        code: missing ? 404 : 200,
        statusJ: missing ? `{"metadata":{},"status":"Failure","message":"configmaps \\"${name}\\" not found","reason":"NotFound","details":{"name":"${name}","kind":"configmaps"},"code":404}` : undefined,
        latency: 400 + this.rng.int(1800), tag,
      });
    } else if (x < 0.68) {
      this.req({
        t, actor, verb: 'list', ref: { resource: 'endpointslices', namespace: ns, apiGroup: 'discovery.k8s.io', apiVersion: 'v1' },
        query: `labelSelector=kubernetes.io%2Fservice-name%3D${w.peer ?? w.name}`, latency: 900 + this.rng.int(4000), tag,
      });
    } else if (x < 0.8 && w.crd) {
      const list = this.rng.chance(0.4);
      const ref: Ref = { resource: w.crd.plural, namespace: ns, apiGroup: w.crd.group, apiVersion: 'v1' };
      if (!list) ref.name = `${w.name}-${this.rng.int(4)}`;
      this.req({ t, actor, verb: list ? 'list' : 'get', ref, query: list ? 'limit=500' : undefined, latency: 700 + this.rng.int(3000), tag });
    } else if (x < 0.86) {
      const ref: Ref = { resource: 'leases', namespace: ns, name: `${w.name}-leader`, apiGroup: COORD, apiVersion: 'v1' };
      this.req({ t, actor, verb: this.rng.chance(0.5) ? 'get' : 'update', ref, latency: 600 + this.rng.int(2500), tag });
    } else if (x < 0.9) {
      const name = w.secrets[0]!;
      this.req({
        t, actor, verb: 'get', ref: { resource: 'secrets', namespace: ns, name, apiVersion: 'v1' },
        response: () => secretObject(this.rng, ns, name, 'Opaque', t, this.c.rvAt(t), ['username', 'password']),
        latency: 400 + this.rng.int(1500), tag,
      });
    } else if (x < 0.95) {
      this.req({
        t, actor, verb: 'get', ref: { resource: 'services', namespace: ns, name: w.peer ?? w.name, apiVersion: 'v1' },
        latency: 400 + this.rng.int(1200), tag,
      });
    } else {
      const q = this.watchQuery(t, `labelSelector=app%3D${w.name}`);
      this.req({ t, actor, verb: 'watch', ref: { resource: 'configmaps', namespace: ns, apiVersion: 'v1' }, query: q.query, long: q.long, tag });
    }
  }

  // ------------------------------------------------------------------ pod lifecycle

  /** A controller creates a pod; the scheduler binds it; its kubelet mints its token and starts it. */
  private podStart(w: Workload, t: number, creator: Actor, sample: string | null = null): PodM {
    const c = this.c;
    const node = c.pickNode();
    const pod = c.newPod(w, node);
    pod.createdAt = t;
    const psa = w.ns === 'kube-system' ? 'privileged:latest' : 'baseline:latest';
    const stag = (role: string): Tag | null => (sample ? { group: sample, role } : null);
    this.req({
      t, actor: creator, verb: 'create', ref: { resource: 'pods', namespace: w.ns, apiVersion: 'v1' },
      body: () => podBody(w, this.rng), ann: [['pod-security.kubernetes.io/enforce-policy', psa]],
      latency: 4000 + this.rng.int(12_000), tag: stag('pod-create'),
    });
    this.req({ t: t + 15_000 + this.rng.int(30_000), actor: creator, verb: 'create', ref: { resource: 'events', namespace: w.ns, apiVersion: 'v1' }, latency: 1500 + this.rng.int(3000) });
    const tb = t + 30_000 + this.rng.int(250_000);
    this.req({
      t: tb, actor: c.scheduler, verb: 'create', ref: { resource: 'pods', namespace: w.ns, name: pod.name, apiVersion: 'v1', subresource: 'binding' },
      body: () => bindingBody(pod), latency: 2500 + this.rng.int(6000), tag: stag('bind'),
    });
    this.req({ t: tb + 9000, actor: c.scheduler, verb: 'create', ref: { resource: 'events', namespace: w.ns, apiGroup: 'events.k8s.io', apiVersion: 'v1' } });
    const tk = tb + 250_000 + this.rng.int(700_000);
    this.sim.at(tk, () => {
      if (pod.state === 'gone') return;
      const k = node.kubelet;
      const now = this.now;
      this.req({
        t: now, actor: k, verb: 'patch', ref: { resource: 'pods', namespace: w.ns, name: pod.name, apiVersion: 'v1', subresource: 'status' },
        body: () => podStatusPatch(pod, now, 'Pending'), latency: 2500 + this.rng.int(6000),
      });
      if (w.automount) this.kubeletTokenRequest(pod, false, stag('kubelet-mint'));
      this.req({ t: now + 5000, actor: k, verb: 'get', ref: { resource: 'configmaps', namespace: w.ns, name: 'kube-root-ca.crt', apiVersion: 'v1' } });
      for (const s of w.secrets) this.req({ t: now + 6000, actor: k, verb: 'get', ref: { resource: 'secrets', namespace: w.ns, name: s, apiVersion: 'v1' } });
      const cil = node.agents.get('cilium');
      const tr = now + 2 * S + this.rng.int(6 * S);
      if (cil && cil.state === 'running') {
        this.req({ t: now + 400_000 + this.rng.int(S), actor: c.podActor(cil), verb: 'create', ref: { resource: 'ciliumendpoints', namespace: w.ns, apiGroup: 'cilium.io', apiVersion: 'v2' } });
      }
      this.sim.at(tr, () => {
        if (pod.state === 'gone') return;
        const now2 = this.now;
        this.req({
          t: now2, actor: k, verb: 'patch', ref: { resource: 'pods', namespace: w.ns, name: pod.name, apiVersion: 'v1', subresource: 'status' },
          body: () => podStatusPatch(pod, now2, 'Running'), latency: 2500 + this.rng.int(6000), tag: stag('pod-running'),
        });
        this.req({
          t: now2 + 40_000 + this.rng.int(200_000), actor: this.ctl('endpointslice-controller'), verb: 'update',
          ref: { resource: 'endpointslices', namespace: w.ns, name: `${w.name}-${w.hash.slice(0, 5)}`, apiGroup: 'discovery.k8s.io', apiVersion: 'v1' },
        });
        if (pod.state === 'pending') {
          this.c.markReady(pod);
          if (sample && w.profile === 'app') this.pendingUse.set(pod, { group: sample, role: 'use-new-pod' });
        }
      });
    });
    return pod;
  }

  /** A controller deletes a pod; the kubelet reports termination and removes it. */
  private podStop(pod: PodM, t: number, deleter: Actor, tag: Tag | null = null): void {
    if (pod.state === 'gone' || pod.state === 'terminating') return;
    const w = pod.w;
    this.c.markTerminating(pod);
    this.pendingUse.delete(pod);
    const ref: Ref = { resource: 'pods', namespace: w.ns, name: pod.name, apiVersion: 'v1' };
    this.req({ t, actor: deleter, verb: 'delete', ref, body: () => deleteOptions(undefined, undefined, 'Background'), latency: 3000 + this.rng.int(8000), tag });
    this.req({
      t: t + 30_000 + this.rng.int(150_000), actor: this.ctl('endpointslice-controller'), verb: 'update',
      ref: { resource: 'endpointslices', namespace: w.ns, name: `${w.name}-${w.hash.slice(0, 5)}`, apiGroup: 'discovery.k8s.io', apiVersion: 'v1' },
    });
    this.sim.at(t + S + this.rng.int(25 * S), () => {
      const now = this.now;
      const k = pod.node.kubelet;
      this.req({
        t: now, actor: k, verb: 'patch', ref: { ...ref, subresource: 'status' },
        body: () => podStatusPatch(pod, now, 'Succeeded'), latency: 2500 + this.rng.int(6000),
      });
      this.req({ t: now + 60_000 + this.rng.int(100_000), actor: k, verb: 'delete', ref, body: () => deleteOptions(pod.uid, 0), latency: 3000 + this.rng.int(7000) });
      this.c.removePod(pod);
    });
  }

  /** A rolling update: a new ReplicaSet, pods replaced in batches of 25 %. */
  rollout(w: Workload, t: number, sample: string | null): number {
    if (w.rolling || w.kind !== 'Deployment') return 0;
    w.rolling = true;
    const rng = this.rng;
    const old = w.pods.filter((p) => p.state === 'running' || p.state === 'pending');
    w.hash = rng.suffix(10);
    w.rsUid = rng.uuid();
    const dc = this.ctl('deployment-controller');
    const rc = this.ctl('replicaset-controller');
    this.req({ t, actor: dc, verb: 'create', ref: { resource: 'replicasets', namespace: w.ns, apiGroup: 'apps', apiVersion: 'v1' }, body: () => replicaSetBody(w) });
    this.req({ t: t + 20_000, actor: dc, verb: 'update', ref: { resource: 'deployments', namespace: w.ns, name: w.name, apiGroup: 'apps', apiVersion: 'v1', subresource: 'status' } });
    const batch = Math.max(1, Math.ceil(w.replicas * 0.25));
    let created = 0;
    let removed = 0;
    let tb = t + 200_000;
    let firstSample = sample;
    let deleteSample = sample;
    while (created < w.replicas || removed < old.length) {
      const n = Math.min(batch, w.replicas - created);
      const batchT = tb;
      this.sim.at(batchT, () => {
        const now = this.now;
        if (n > 0) {
          this.req({ t: now, actor: dc, verb: 'update', ref: { resource: 'replicasets', namespace: w.ns, name: `${w.name}-${w.hash}`, apiGroup: 'apps', apiVersion: 'v1' } });
        }
        for (let i = 0; i < n; i++) {
          this.podStart(w, now + 5000 + rng.int(Math.min(3 * S, 40_000 * n)), rc, firstSample);
          firstSample = null;
        }
      });
      created += n;
      const d = Math.min(batch, old.length - removed);
      const victims = old.slice(removed, removed + d);
      removed += d;
      const delT = tb + 6 * S + rng.int(8 * S);
      this.sim.at(delT, () => {
        const now = this.now;
        for (let i = 0; i < victims.length; i++) {
          this.podStop(victims[i]!, now + rng.int(Math.min(2 * S, 30_000 * victims.length)), rc, deleteSample ? { group: deleteSample, role: 'old-pod-delete' } : null);
          deleteSample = null;
        }
      });
      tb = delT + S + rng.int(4 * S);
    }
    this.sim.at(tb + 5 * S, () => {
      w.rolling = false;
      this.req({ t: this.now, actor: dc, verb: 'update', ref: { resource: 'deployments', namespace: w.ns, name: w.name, apiGroup: 'apps', apiVersion: 'v1', subresource: 'status' } });
    });
    return tb + 5 * S - t;
  }

  private ciJob(): void {
    const w = this.c.byName.get('ci/ci-runner')!;
    const t = this.now;
    const jc = this.ctl('job-controller');
    const pod = this.podStart(w, t, jc);
    const life = 60 * S + this.rng.int(240 * S);
    const uses = 1 + this.rng.int(3);
    for (let i = 0; i < uses; i++) {
      this.sim.at(t + 10 * S + this.rng.int(life - 10 * S), () => {
        if (pod.state !== 'running') return;
        const a = this.c.podActor(pod);
        const name = this.rng.chance(0.5) ? 'ci-config' : 'build-cache-config';
        this.req({ t: this.now, actor: a, verb: 'get', ref: { resource: 'configmaps', namespace: 'ci', name, apiVersion: 'v1' } });
      });
    }
    this.sim.at(t + life, () => {
      if (pod.state === 'gone') return;
      this.req({ t: this.now, actor: jc, verb: 'update', ref: { resource: 'jobs', namespace: 'ci', name: pod.name.slice(0, pod.name.lastIndexOf('-')), apiGroup: 'batch', apiVersion: 'v1', subresource: 'status' } });
      this.sim.at(this.now + 10 * S + this.rng.int(50 * S), () => this.podStop(pod, this.now, this.ctl('generic-garbage-collector')));
    });
  }

  // ------------------------------------------------------------------ people and automation

  /** The CI system deploys with its legacy token from a fixed runner, then watches the rollout. */
  private ciDeploy(): void {
    const c = this.c;
    const candidates = c.workloads.filter((w) => w.kind === 'Deployment' && (w.ns === 'staging' || w.ns === 'production') && !w.rolling && w.replicas <= 300);
    if (candidates.length === 0) return;
    const w = this.rng.pick(candidates);
    const actor = this.rng.pick(c.ciDeployer);
    const t = this.now;
    const sample = this.truth.sample(
      'ci-legacy-token',
      'The CI system deploys with its long-lived legacy token from its fixed runner addresses.',
      [...NO_REPLAY, 'legacy-token-secret-created', 'tokenrequest-non-system'],
      { runnerIP: JSON.parse(actor.ipsJ)[0], deployment: `${w.ns}/${w.name}` },
    );
    const tag = (role: string): Tag | null => (sample ? { group: sample, role } : null);
    const ref: Ref = { resource: 'deployments', namespace: w.ns, name: w.name, apiGroup: 'apps', apiVersion: 'v1' };
    this.req({ t, actor, verb: 'get', ref, latency: 900 + this.rng.int(2000), tag: tag('ci-get') });
    const newImage = w.image.replace(/:[^:]+$/, `:${this.rng.between(1, 9)}.${this.rng.between(0, 40)}.${this.rng.between(0, 9)}`);
    const tp = t + 400_000 + this.rng.int(800_000);
    this.req({ t: tp, actor, verb: 'patch', ref, query: 'fieldManager=kubectl-set', body: () => imagePatch(newImage), latency: 4000 + this.rng.int(9000), tag: tag('ci-patch') });
    this.sim.at(tp + 15_000, () => {
      w.image = newImage;
      const rolloutSample = w.profile === 'app'
        ? this.truth.sample(
          'rolling-deployment',
          'A rolling update replaces pods: new pods on other nodes with new IPs, new tokens (new JTIs) minted by their kubelets; old pods deleted.',
          [...NO_REPLAY, 'tokenrequest-non-system'],
          { deployment: `${w.ns}/${w.name}` },
        )
        : null;
      const dur = this.rollout(w, this.now, rolloutSample);
      const sec = Math.min(600, Math.max(30, Math.ceil(dur / S)));
      this.req({
        t: this.now + 300_000,
        actor,
        verb: 'watch',
        ref: { resource: 'deployments', namespace: w.ns, apiGroup: 'apps', apiVersion: 'v1' },
        query: `fieldSelector=metadata.name%3D${w.name}&resourceVersion=${c.rvAt(this.now)}&watch=true`,
        long: { started: 2000, duration: sec * S },
        tag: tag('ci-rollout-status'),
      });
    });
  }

  private humanSession(h: Human): void {
    const a = h.actor;
    const t0 = this.now;
    this.req({ t: t0, actor: a, verb: 'get', path: '/api', query: 'timeout=32s', latency: 300 + this.rng.int(600) });
    this.req({ t: t0 + 8000, actor: a, verb: 'get', path: '/apis', query: 'timeout=32s', latency: 500 + this.rng.int(900) });
    const admin = h.groups[0] === 'oidc:platform' || h.groups[0] === 'oidc:sre';
    const commands = 3 + this.rng.int(10);
    let t = t0 + 30_000;
    for (let i = 0; i < commands; i++) {
      t += 2 * S + this.rng.exp(15 * S);
      this.sim.at(t, () => this.humanCommand(a, admin));
    }
  }

  private humanCommand(a: Actor, admin: boolean): void {
    const c = this.c;
    const t = this.now;
    const apps = c.workloads.filter((w) => w.kind !== 'Job' && w.ready.length > 0);
    const w = this.rng.pick(apps);
    const pod = w.ready[this.rng.int(w.ready.length)]!;
    const ns = w.ns;
    const x = this.rng.int(admin ? 10 : 8);
    switch (x) {
      case 0:
      case 1:
        this.req({ t, actor: a, verb: 'list', ref: { resource: 'pods', namespace: ns, apiVersion: 'v1' }, query: 'limit=500', latency: 3000 + this.rng.int(40_000) });
        break;
      case 2:
        this.req({ t, actor: a, verb: 'list', ref: { resource: 'deployments', namespace: ns, apiGroup: 'apps', apiVersion: 'v1' }, query: 'limit=500', latency: 2000 + this.rng.int(9000) });
        break;
      case 3: {
        // kubectl describe pod
        this.req({ t, actor: a, verb: 'get', ref: { resource: 'pods', namespace: ns, name: pod.name, apiVersion: 'v1' }, latency: 600 + this.rng.int(2000) });
        this.req({
          t: t + 20_000, actor: a, verb: 'list', ref: { resource: 'events', namespace: ns, apiVersion: 'v1' },
          query: `fieldSelector=involvedObject.name%3D${pod.name}%2CinvolvedObject.namespace%3D${ns}%2CinvolvedObject.uid%3D${pod.uid}&limit=500`,
          latency: 2000 + this.rng.int(8000),
        });
        break;
      }
      case 4: {
        const follow = this.rng.chance(0.3);
        this.req({
          t, actor: a, verb: 'get', ref: { resource: 'pods', namespace: ns, name: pod.name, apiVersion: 'v1', subresource: 'log' },
          query: follow ? 'container=app&follow=true' : 'container=app&tailLines=200',
          long: { started: 20_000 + this.rng.int(60_000), duration: follow ? 10 * S + this.rng.int(120 * S) : 100_000 + this.rng.int(400_000) },
        });
        break;
      }
      case 5:
        this.req({ t, actor: a, verb: 'get', ref: { resource: 'configmaps', namespace: ns, name: w.configMaps[0]!, apiVersion: 'v1' } });
        break;
      case 6:
        this.req({ t, actor: a, verb: 'list', ref: { resource: 'pods', namespace: ns, apiGroup: 'metrics.k8s.io', apiVersion: 'v1beta1' }, latency: 5000 + this.rng.int(20_000) });
        break;
      case 7:
        this.req({ t, actor: a, verb: 'list', ref: { resource: 'nodes', apiVersion: 'v1' }, query: 'limit=500', latency: 20_000 + this.rng.int(200_000) });
        break;
      default: {
        // kubectl exec -it (platform/SRE): get the pod, then the exec stream.
        this.req({ t, actor: a, verb: 'get', ref: { resource: 'pods', namespace: ns, name: pod.name, apiVersion: 'v1' } });
        this.req({
          t: t + 30_000, actor: a, verb: 'create', ref: { resource: 'pods', namespace: ns, name: pod.name, apiVersion: 'v1', subresource: 'exec' },
          query: 'command=sh&container=app&stdin=true&stdout=true&tty=true', code: 101,
          long: { started: 30_000 + this.rng.int(50_000), duration: 20 * S + this.rng.int(280 * S), startedCode: 101 },
        });
      }
    }
  }

  /** Populates a legacy token secret (used by the legacy-secret scenario, with its own PRNG). */
  tokenControllerPopulate(rng: Rng, t: number, ns: string, name: string, saName: string, tag: Tag): void {
    this.sim.request({
      t,
      actor: this.tokensController,
      verb: 'update',
      ref: { resource: 'secrets', namespace: ns, name, apiVersion: 'v1' },
      body: () => secretObject(rng, ns, name, 'kubernetes.io/service-account-token', t, this.c.rvAt(t), ['ca.crt', 'namespace', 'token'], { 'kubernetes.io/service-account.name': saName }),
      response: () => secretObject(rng, ns, name, 'kubernetes.io/service-account-token', t, this.c.rvAt(t), ['ca.crt', 'namespace', 'token'], { 'kubernetes.io/service-account.name': saName }),
      tag,
    }, rng);
  }
}


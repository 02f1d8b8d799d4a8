/**
 * The simulated cluster: nodes with their addresses and pod CIDRs,
 * namespaces, service accounts, workloads and their pods, and the identities
 * (audit `user` objects) each of them authenticates as. Pure state — the
 * traffic module drives it and turns its changes into API requests.
 */
import { makeActor, type Actor, type UserInfo } from './emit.js';
import type { Rng } from './rng.js';

export const KUBE_VERSION = 'v1.31.2';
export const KUBE_COMMIT = '5864a46';
export const KUBECTL_UA = 'kubectl/v1.31.0 (linux/amd64) kubernetes/9edcffc';
export const KUBECTL_MAC_UA = 'kubectl/v1.31.0 (darwin/arm64) kubernetes/9edcffc';
export const KUBELET_UA = `kubelet/${KUBE_VERSION} (linux/amd64) kubernetes/${KUBE_COMMIT}`;
export const KCM_UA = `kube-controller-manager/${KUBE_VERSION} (linux/amd64) kubernetes/${KUBE_COMMIT}`;
export const SCHEDULER_UA = `kube-scheduler/${KUBE_VERSION} (linux/amd64) kubernetes/${KUBE_COMMIT}`;
export const APISERVER_UA = `kube-apiserver/${KUBE_VERSION} (linux/amd64) kubernetes/${KUBE_COMMIT}`;
/** The API server's default audience for projected tokens. */
export const API_AUDIENCE = 'https://kubernetes.default.svc.cluster.local';
/** Kubelet asks for 3607 s (one hour plus the 7 s marker of "extended" tokens). */
export const KUBELET_TOKEN_SECONDS = 3607;
/** Kubelet rotates a projected token once 80 % of its lifetime has passed. */
export const KUBELET_REFRESH_US = Math.round(KUBELET_TOKEN_SECONDS * 0.8 * 1e6);

export const CREDENTIAL_ID = 'authentication.kubernetes.io/credential-id';
export const ISSUED_CREDENTIAL_ID = 'authentication.kubernetes.io/issued-credential-id';
export const LEGACY_TOKEN = 'authentication.k8s.io/legacy-token';

export interface ClusterOptions {
  nodes: number;
  tenantNamespaces: number;
  /** Kubernetes ≥ 1.30: credential ids, pod/node extras, issued-credential-id. */
  jti: boolean;
  /** Epoch µs of the log's start. */
  start: number;
}

export interface NodeM {
  idx: number;
  name: string;
  ip: string;
  uid: string;
  controlPlane: boolean;
  /**
   * Pod CIDR 10.cidrA.cidrB.cidrBase/(24 or 26): up to 256 nodes each get a
   * /24 of the cluster CIDR 10.244.0.0/16; bigger clusters get /26s (62
   * pods), 1,024 nodes in 10.244.0.0/16, the rest continuing in 10.245…
   */
  cidrA: number;
  cidrB: number;
  cidrBase: number;
  /** Usable pod addresses in the node's CIDR. */
  podCapacity: number;
  usedOctets: Set<number>;
  nextOctet: number;
  pods: number;
  kubelet: Actor;
  /** Per-node agent pods (DaemonSets) by workload name. */
  agents: Map<string, PodM>;
  /** Objects the kubelet watches for its pods (namespace/kind/name). */
  watchRefs: string[];
}

export interface ServiceAccount {
  ns: string;
  name: string;
  uid: string;
  username: string;
  groups: string[];
  /** RBAC reason the authorizer gives when it allows this account. */
  reason: string;
  /** A legacy secret-based token exists (secret name). */
  legacySecret?: string;
}

export type Profile =
  | 'none'
  | 'app'
  | 'prometheus'
  | 'kube-state-metrics'
  | 'coredns'
  | 'kube-proxy'
  | 'cilium'
  | 'cert-manager'
  | 'grafana'
  | 'metrics-server'
  | 'ci-runner';

export interface Workload {
  ns: string;
  name: string;
  kind: 'Deployment' | 'DaemonSet' | 'StatefulSet' | 'Job';
  uid: string;
  sa: ServiceAccount;
  replicas: number;
  automount: boolean;
  ua: string;
  image: string;
  /** Current pod-template-hash (Deployments) and ReplicaSet uid. */
  hash: string;
  rsUid: string;
  pods: PodM[];
  ready: PodM[];
  configMaps: string[];
  secrets: string[];
  profile: Profile;
  /** Relative request rate of one ready pod (app profile). */
  apiWeight: number;
  /** A rollout is in progress. */
  rolling: boolean;
  ordinal: number;
  /** Custom resources the app reads (group, plural). */
  crd?: { group: string; plural: string };
  /** Peer service whose endpoint slices it reads. */
  peer?: string;
  hpa: boolean;
}

export type PodState = 'pending' | 'running' | 'terminating' | 'gone';

export interface PodM {
  name: string;
  ns: string;
  uid: string;
  ip: string;
  node: NodeM;
  w: Workload;
  state: PodState;
  /** JTI of the token the pod currently presents, and when it was minted (epoch µs). */
  jti: string;
  tokenAt: number;
  /** Identity for the current token (rebuilt when the token changes). */
  actor: Actor | null;
  readyIdx: number;
  podsIdx: number;
  createdAt: number;
  /** auditID of the TokenRequest (in this log) that minted the current token, if any. */
  mintAuditID?: string;
}

export interface Human {
  username: string;
  groups: string[];
  ip: string;
  ua: string;
  actor: Actor;
}

export interface ControllerSA {
  name: string;
  sa: ServiceAccount;
  jti: string;
  tokenAt: number;
  actor: Actor;
}

const APP_NAMES = [
  'frontend', 'checkout', 'payments-api', 'catalog', 'search', 'cart', 'orders', 'inventory', 'shipping',
  'notifications', 'recommendations', 'reviews', 'pricing', 'accounts', 'auth', 'media', 'gateway', 'ledger',
  'invoicing', 'fraud-check', 'loyalty', 'promotions', 'email-sender', 'image-resizer', 'geo', 'tax',
  'currency', 'wishlist', 'sessions', 'analytics-ingest', 'events-router', 'feature-flags', 'audit-trail',
  'export-worker', 'import-worker', 'scheduler-worker', 'pdf-render', 'sms-gateway', 'returns', 'subscriptions',
];

/** kube-controller-manager controllers that run with their own service account (use-service-account-credentials). */
export const CONTROLLERS = [
  'replicaset-controller', 'deployment-controller', 'endpointslice-controller', 'endpointslicemirroring-controller',
  'job-controller', 'cronjob-controller', 'generic-garbage-collector', 'horizontal-pod-autoscaler',
  'namespace-controller', 'node-controller', 'resourcequota-controller', 'statefulset-controller',
  'daemon-set-controller', 'service-account-controller', 'clusterrole-aggregation-controller',
  'pvc-protection-controller', 'ttl-after-finished-controller', 'disruption-controller', 'root-ca-cert-publisher',
  'legacy-service-account-token-cleaner', 'ephemeral-volume-controller', 'persistent-volume-binder',
];

export class Cluster {
  readonly opts: ClusterOptions;
  readonly rng: Rng;
  readonly nodes: NodeM[] = [];
  readonly workers: NodeM[] = [];
  readonly controlPlane: NodeM[] = [];
  readonly namespaces: string[] = [];
  readonly sas = new Map<string, ServiceAccount>();
  readonly workloads: Workload[] = [];
  readonly byName = new Map<string, Workload>();
  readonly humans: Human[] = [];
  readonly controllers = new Map<string, ControllerSA>();
  /** Ready pods of app-profile workloads that call the API, for picking callers. */
  readonly apiWorkloads: Workload[] = [];
  apiserver!: Actor;
  apiserverV4!: Actor;
  kcm!: Actor;
  scheduler!: Actor;
  ciDeployer!: Actor[];
  /** API server's own lease name. */
  apiserverLease = '';

  constructor(rng: Rng, opts: ClusterOptions) {
    this.rng = rng;
    this.opts = opts;
    this.build();
  }

  /** A plausible etcd resourceVersion at time `us` (monotone, no randomness). */
  rvAt(us: number): string {
    return String(18_400_000 + Math.floor((us - this.opts.start) / 2857));
  }

  sa(ns: string, name: string, reason?: string): ServiceAccount {
    const key = `${ns}/${name}`;
    let sa = this.sas.get(key);
    if (!sa) {
      sa = {
        ns,
        name,
        uid: this.rng.uuid(),
        username: `system:serviceaccount:${ns}:${name}`,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'],
        reason: reason ?? `RBAC: allowed by RoleBinding "${name}/${ns}" of Role "${name}" to ServiceAccount "${name}/${ns}"`,
      };
      this.sas.set(key, sa);
    }
    return sa;
  }

  private certActor(kind: 'kubelet' | 'control-plane', username: string, groups: string[], ip: string, ua: string, reason: string): Actor {
    const u: UserInfo = { username, groups };
    if (this.opts.jti) u.extra = { [CREDENTIAL_ID]: [`X509SHA256=${this.rng.hex(32)}`] };
    return makeActor(kind, u, [ip], ua, reason);
  }

  private build(): void {
    const { rng, opts } = this;
    // Control plane: three nodes; this log is the API server on cp-1.
    // Node names as on AWS (ip-A-B-C-D.<region>.compute.internal), addresses in 10.0.0.0/16.
    const nodeName = (ip: string): string => `ip-${ip.replace(/\./g, '-')}.eu-west-1.compute.internal`;
    for (let i = 0; i < 3; i++) this.addNode(nodeName(`10.0.0.${i + 2}`), `10.0.0.${i + 2}`, true);
    for (let i = 0; i < opts.nodes; i++) {
      // Workers from 10.0.1.1 on: 254 per /24, skipping .0 and .255.
      const ip = `10.0.${1 + Math.floor(i / 254)}.${1 + (i % 254)}`;
      this.addNode(nodeName(ip), ip, false);
    }
    const cp = this.controlPlane[0]!;
    this.apiserver = makeActor(
      'control-plane',
      { username: 'system:apiserver', uid: rng.uuid(), groups: ['system:authenticated', 'system:masters'] },
      ['::1'],
      APISERVER_UA,
      '',
    );
    this.apiserverV4 = { ...this.apiserver, ipsJ: '["127.0.0.1"]' };
    this.apiserverLease = `apiserver-${rng.hex(13).slice(0, 26)}`;
    this.kcm = this.certActor(
      'control-plane',
      'system:kube-controller-manager',
      ['system:authenticated'],
      cp.ip,
      KCM_UA,
      'RBAC: allowed by ClusterRoleBinding "system:kube-controller-manager" of ClusterRole "system:kube-controller-manager" to User "system:kube-controller-manager"',
    );
    this.scheduler = this.certActor(
      'control-plane',
      'system:kube-scheduler',
      ['system:authenticated'],
      cp.ip,
      `${SCHEDULER_UA}/scheduler`,
      'RBAC: allowed by ClusterRoleBinding "system:kube-scheduler" of ClusterRole "system:kube-scheduler" to User "system:kube-scheduler"',
    );
    for (const c of CONTROLLERS) {
      const sa = this.sa(
        'kube-system',
        c,
        `RBAC: allowed by ClusterRoleBinding "system:controller:${c}" of ClusterRole "system:controller:${c}" to ServiceAccount "${c}/kube-system"`,
      );
      const ctl: ControllerSA = { name: c, sa, jti: rng.uuid(), tokenAt: opts.start - rng.int(2880) * 1e6, actor: null as unknown as Actor };
      ctl.actor = this.controllerActor(ctl);
      this.controllers.set(c, ctl);
    }

    this.namespaces.push('default', 'kube-system', 'kube-public', 'kube-node-lease', 'production', 'staging', 'monitoring', 'ci', 'cert-manager');
    const tenants: string[] = [];
    for (let i = 0; i < opts.tenantNamespaces; i++) tenants.push(`team-${String(i + 1).padStart(2, '0')}`);
    this.namespaces.push(...tenants);

    // --- kube-system and platform workloads
    const n = opts.nodes;
    this.addWorkload({ ns: 'kube-system', name: 'kube-proxy', kind: 'DaemonSet', replicas: n, profile: 'kube-proxy', ua: `kube-proxy/${KUBE_VERSION} (linux/amd64) kubernetes/${KUBE_COMMIT}`, image: `registry.k8s.io/kube-proxy:${KUBE_VERSION}`, cluster: true });
    this.addWorkload({ ns: 'kube-system', name: 'cilium', kind: 'DaemonSet', replicas: n, profile: 'cilium', ua: 'cilium-agent/1.16.3 (linux/amd64) kubernetes/v0.0.0', image: 'quay.io/cilium/cilium:v1.16.3', cluster: true });
    this.addWorkload({ ns: 'monitoring', name: 'node-exporter', kind: 'DaemonSet', replicas: n, profile: 'none', ua: '', image: 'quay.io/prometheus/node-exporter:v1.8.2', automount: false });
    this.addWorkload({ ns: 'kube-system', name: 'coredns', kind: 'Deployment', replicas: Math.max(2, Math.ceil(n / 100)), profile: 'coredns', ua: 'coredns/v1.11.3 (linux/amd64) kubernetes/v0.0.0', image: 'registry.k8s.io/coredns/coredns:v1.11.3', cluster: true });
    this.addWorkload({ ns: 'kube-system', name: 'metrics-server', kind: 'Deployment', replicas: 2, profile: 'metrics-server', ua: 'metrics-server/v0.7.2 (linux/amd64) kubernetes/v0.0.0', image: 'registry.k8s.io/metrics-server/metrics-server:v0.7.2', cluster: true });
    this.addWorkload({ ns: 'kube-system', name: 'cilium-operator', kind: 'Deployment', replicas: 2, profile: 'none', ua: 'cilium-operator-generic/1.16.3 (linux/amd64) kubernetes/v0.0.0', image: 'quay.io/cilium/operator-generic:v1.16.3', cluster: true });
    this.addWorkload({ ns: 'monitoring', name: 'prometheus', kind: 'StatefulSet', replicas: 2, profile: 'prometheus', ua: 'Prometheus/2.54.1', image: 'quay.io/prometheus/prometheus:v2.54.1', cluster: true, saName: 'prometheus' });
    this.addWorkload({ ns: 'monitoring', name: 'kube-state-metrics', kind: 'Deployment', replicas: 1, profile: 'kube-state-metrics', ua: 'kube-state-metrics/v2.13.0 (linux/amd64) kubernetes/v0.0.0', image: 'registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.13.0', cluster: true });
    this.addWorkload({ ns: 'monitoring', name: 'grafana', kind: 'Deployment', replicas: 1, profile: 'grafana', ua: 'python-requests/2.32.3', image: 'docker.io/grafana/grafana:11.2.0' });
    this.addWorkload({ ns: 'cert-manager', name: 'cert-manager', kind: 'Deployment', replicas: 1, profile: 'cert-manager', ua: 'cert-manager-controller/v1.15.3 (linux/amd64) cert-manager/2b4e28ef', image: 'quay.io/jetstack/cert-manager-controller:v1.15.3', cluster: true });
    this.addWorkload({ ns: 'cert-manager', name: 'cert-manager-webhook', kind: 'Deployment', replicas: 2, profile: 'none', ua: '', image: 'quay.io/jetstack/cert-manager-webhook:v1.15.3' });

    // --- applications
    const prodCount = Math.max(8, Math.round(n / 12));
    const stagingCount = Math.max(4, Math.round(n / 30));
    const names = (count: number, offset: number): string[] => {
      const out: string[] = [];
      for (let i = 0; i < count; i++) {
        const base = APP_NAMES[(i + offset) % APP_NAMES.length]!;
        const round = Math.floor((i + offset) / APP_NAMES.length);
        out.push(round === 0 ? base : `${base}-${round + 1}`);
      }
      return out;
    };
    const sized = (count: number, total: number): number[] => {
      const w: number[] = [];
      for (let i = 0; i < count; i++) w.push(Math.exp(rng.float() * Math.log(60)));
      const sum = w.reduce((a, b) => a + b, 0);
      return w.map((x) => Math.max(2, Math.round((x / sum) * total)));
    };
    const prodNames = names(prodCount, 0);
    const prodSizes = sized(prodCount, n * 8);
    prodNames.forEach((name, i) => this.addApp('production', name, prodSizes[i]!, name === 'checkout' || name === 'payments-api' || rng.chance(0.3)));
    const stagingNames = names(stagingCount, 0);
    const stagingSizes = sized(stagingCount, n * 2);
    stagingNames.forEach((name, i) => this.addApp('staging', name, stagingSizes[i]!, rng.chance(0.35)));
    for (const t of tenants) {
      const s = sized(3, Math.max(6, (n * 1.5) / Math.max(1, tenants.length)));
      names(3, rng.int(APP_NAMES.length)).forEach((name, i) => this.addApp(t, name, s[i]!, rng.chance(0.3)));
    }
    this.addApp('default', 'webapp', 3, true);
    this.addWorkload({ ns: 'ci', name: 'ci-runner', kind: 'Job', replicas: 0, profile: 'ci-runner', ua: 'Go-http-client/2.0', image: 'registry.example.com/ci/runner:2026.02' });

    // Privileged accounts without pods (targets).
    this.sa('production', 'payments-admin', 'RBAC: allowed by ClusterRoleBinding "payments-admin" of ClusterRole "cluster-admin" to ServiceAccount "payments-admin/production"');
    this.sa('default', 'deploy-bot', 'RBAC: allowed by RoleBinding "deploy-bot/default" of ClusterRole "edit" to ServiceAccount "deploy-bot/default"');
    const deployer = this.sa('ci', 'deployer', 'RBAC: allowed by ClusterRoleBinding "ci-deployer" of ClusterRole "edit" to ServiceAccount "deployer/ci"');
    deployer.legacySecret = `deployer-token-${rng.suffix()}`;
    this.ciDeployer = ['198.51.100.10', '198.51.100.11', '198.51.100.12'].map((ip) =>
      makeActor(
        'ci-legacy',
        { username: deployer.username, uid: deployer.uid, groups: deployer.groups },
        [ip],
        'kubectl/v1.30.4 (linux/amd64) kubernetes/a51b3b7',
        deployer.reason,
        [[LEGACY_TOKEN, deployer.username]],
      ),
    );

    const office = (): string => `192.0.2.${rng.between(10, 200)}`;
    const humans: [string, string[], string][] = [
      ['alice@example.com', ['oidc:platform'], KUBECTL_UA],
      ['bob@example.com', ['oidc:platform'], KUBECTL_MAC_UA],
      ['carol@example.com', ['oidc:developers'], KUBECTL_MAC_UA],
      ['dave@example.com', ['oidc:developers'], KUBECTL_UA],
      ['erin@example.com', ['oidc:sre'], KUBECTL_UA],
    ];
    for (const [username, groups, ua] of humans) {
      const ip = office();
      const g = [...groups, 'system:authenticated'];
      const reason = groups[0] === 'oidc:platform' || groups[0] === 'oidc:sre'
        ? `RBAC: allowed by ClusterRoleBinding "${groups[0].slice(5)}-admins" of ClusterRole "cluster-admin" to Group "${groups[0]}"`
        : `RBAC: allowed by ClusterRoleBinding "developers-view" of ClusterRole "view" to Group "${groups[0]}"`;
      this.humans.push({ username, groups: g, ip, ua, actor: makeActor('human', { username, groups: g }, [ip], ua, reason) });
    }

    // Initial pods, with tokens minted before the log starts.
    for (const w of this.workloads) {
      if (w.kind === 'Job') continue;
      if (w.kind === 'DaemonSet') {
        for (const node of this.workers) this.runInitialPod(this.newPod(w, node));
      } else {
        for (let i = 0; i < w.replicas; i++) this.runInitialPod(this.newPod(w, this.pickNode()));
      }
    }
    for (const node of this.workers) this.computeWatchRefs(node);
  }

  private addNode(name: string, ip: string, controlPlane: boolean): void {
    const idx = this.nodes.length;
    const node: NodeM = {
      idx,
      name,
      ip,
      uid: this.rng.uuid(),
      controlPlane,
      ...(this.opts.nodes + 3 <= 256
        ? { cidrA: 244, cidrB: idx, cidrBase: 0, podCapacity: 254 }
        : { cidrA: 244 + (idx >> 10), cidrB: (idx >> 2) & 255, cidrBase: (idx & 3) << 6, podCapacity: 62 }),
      usedOctets: new Set(),
      nextOctet: 1,
      pods: 0,
      kubelet: null as unknown as Actor,
      agents: new Map(),
      watchRefs: [],
    };
    node.kubelet = this.certActor('kubelet', `system:node:${name}`, ['system:nodes', 'system:authenticated'], ip, KUBELET_UA, '');
    this.nodes.push(node);
    (controlPlane ? this.controlPlane : this.workers).push(node);
  }

  private addWorkload(o: {
    ns: string;
    name: string;
    kind: Workload['kind'];
    replicas: number;
    profile: Profile;
    ua: string;
    image: string;
    automount?: boolean;
    cluster?: boolean;
    saName?: string;
    apiWeight?: number;
  }): Workload {
    const saName = o.saName ?? o.name;
    const reason = o.cluster
      ? `RBAC: allowed by ClusterRoleBinding "${saName}" of ClusterRole "${saName}" to ServiceAccount "${saName}/${o.ns}"`
      : undefined;
    const w: Workload = {
      ns: o.ns,
      name: o.name,
      kind: o.kind,
      uid: this.rng.uuid(),
      sa: this.sa(o.ns, saName, reason),
      replicas: o.replicas,
      automount: o.automount ?? true,
      ua: o.ua,
      image: o.image,
      hash: this.rng.suffix(10),
      rsUid: this.rng.uuid(),
      pods: [],
      ready: [],
      configMaps: [`${o.name}-config`],
      secrets: o.profile === 'app' ? [`${o.name}-secrets`] : [],
      profile: o.profile,
      apiWeight: o.apiWeight ?? (o.profile === 'app' ? 1 : 0),
      rolling: false,
      ordinal: 0,
      hpa: false,
    };
    this.workloads.push(w);
    this.byName.set(`${o.ns}/${o.name}`, w);
    return w;
  }

  private addApp(ns: string, name: string, replicas: number, apiClient: boolean): void {
    const uas = ['Go-http-client/2.0', 'python-requests/2.32.3', 'fabric8-kubernetes-client/6.13.1', `${name}/v0.0.0 (linux/amd64) kubernetes/$Format`];
    const w = this.addWorkload({
      ns,
      name,
      kind: 'Deployment',
      replicas,
      profile: apiClient ? 'app' : 'none',
      ua: this.rng.pick(uas),
      image: `registry.example.com/${ns === 'staging' ? 'staging' : 'apps'}/${name}:${this.rng.between(1, 9)}.${this.rng.between(0, 40)}.${this.rng.between(0, 9)}`,
    });
    if (apiClient) {
      this.apiWorkloads.push(w);
      if (this.rng.chance(0.4)) w.crd = this.rng.pick([
        { group: 'flags.example.com', plural: 'featureflags' },
        { group: 'payments.example.com', plural: 'ledgers' },
        { group: 'ops.example.com', plural: 'maintenancewindows' },
        { group: 'messaging.example.com', plural: 'topics' },
      ]);
    }
    w.secrets = [`${name}-secrets`];
    w.peer = this.rng.pick(APP_NAMES.slice(0, 12));
    w.hpa = ns === 'production' && replicas >= 20 && this.rng.chance(0.5);
  }

  randomWorker(): NodeM {
    return this.workers[this.rng.int(this.workers.length)]!;
  }

  /** A worker for a new pod (the scheduler avoids nodes whose pod CIDR is nearly full). */
  pickNode(): NodeM {
    for (let i = 0; i < 20; i++) {
      const n = this.workers[this.rng.int(this.workers.length)]!;
      if (n.usedOctets.size < n.podCapacity - 6) return n;
    }
    return this.workers.reduce((a, b) => (b.usedOctets.size < a.usedOctets.size ? b : a));
  }

  /** Creates a pod object (not yet running): name, uid, IP on `node`. */
  newPod(w: Workload, node: NodeM): PodM {
    const rng = this.rng;
    let name: string;
    if (w.kind === 'Deployment') name = `${w.name}-${w.hash}-${rng.suffix()}`;
    else if (w.kind === 'StatefulSet') name = `${w.name}-${w.ordinal++}`;
    else if (w.kind === 'Job') name = `ci-job-${rng.between(100000, 999999)}-${rng.suffix()}`;
    else name = `${w.name}-${rng.suffix()}`;
    const pod: PodM = {
      name,
      ns: w.ns,
      uid: rng.uuid(),
      ip: this.allocIp(node),
      node,
      w,
      state: 'pending',
      jti: '',
      tokenAt: 0,
      actor: null,
      readyIdx: -1,
      podsIdx: w.pods.length,
      createdAt: 0,
    };
    w.pods.push(pod);
    node.pods++;
    if (w.kind === 'DaemonSet') node.agents.set(w.name, pod);
    return pod;
  }

  private runInitialPod(pod: PodM): void {
    pod.createdAt = this.opts.start - this.rng.int(86400 * 20) * 1e6;
    if (pod.w.automount) {
      pod.jti = this.rng.uuid();
      pod.tokenAt = this.opts.start - this.rng.int(Math.round(KUBELET_REFRESH_US / 1e6)) * 1e6 - this.rng.int(1e6);
    }
    this.markReady(pod);
  }

  markReady(pod: PodM): void {
    pod.state = 'running';
    if (pod.readyIdx < 0) {
      pod.readyIdx = pod.w.ready.length;
      pod.w.ready.push(pod);
    }
  }

  /** Removes a pod from the callers pool (terminating). */
  markTerminating(pod: PodM): void {
    pod.state = 'terminating';
    const r = pod.w.ready;
    if (pod.readyIdx >= 0) {
      const last = r.pop()!;
      if (last !== pod) {
        r[pod.readyIdx] = last;
        last.readyIdx = pod.readyIdx;
      }
      pod.readyIdx = -1;
    }
  }

  /** Forgets a pod entirely and frees its IP. */
  removePod(pod: PodM): void {
    if (pod.state !== 'terminating') this.markTerminating(pod);
    pod.state = 'gone';
    const ps = pod.w.pods;
    const last = ps.pop()!;
    if (last !== pod) {
      ps[pod.podsIdx] = last;
      last.podsIdx = pod.podsIdx;
    }
    pod.node.pods--;
    pod.node.usedOctets.delete(Number(pod.ip.slice(pod.ip.lastIndexOf('.') + 1)) - pod.node.cidrBase);
    if (pod.w.kind === 'DaemonSet' && pod.node.agents.get(pod.w.name) === pod) pod.node.agents.delete(pod.w.name);
  }

  private allocIp(node: NodeM): string {
    for (let tries = 0; tries < node.podCapacity; tries++) {
      const o = node.nextOctet;
      node.nextOctet = o >= node.podCapacity ? 1 : o + 1;
      if (!node.usedOctets.has(o)) {
        node.usedOctets.add(o);
        return `10.${node.cidrA}.${node.cidrB}.${node.cidrBase + o}`;
      }
    }
    throw new Error(`pod CIDR of ${node.name} exhausted`);
  }

  /** Sets a pod's token (a TokenRequest by its kubelet) and drops its cached identity. */
  setToken(pod: PodM, jti: string, at: number): void {
    pod.jti = jti;
    pod.tokenAt = at;
    pod.actor = null;
  }

  /** The identity a pod's requests carry: its service account and, on ≥ 1.30, the token's JTI and pod/node extras. */
  podActor(pod: PodM): Actor {
    if (pod.actor) return pod.actor;
    const sa = pod.w.sa;
    const u: UserInfo = { username: sa.username, uid: sa.uid, groups: sa.groups };
    if (this.opts.jti) {
      u.extra = {
        [CREDENTIAL_ID]: [`JTI=${pod.jti}`],
        'authentication.kubernetes.io/node-name': [pod.node.name],
        'authentication.kubernetes.io/node-uid': [pod.node.uid],
        'authentication.kubernetes.io/pod-name': [pod.name],
        'authentication.kubernetes.io/pod-uid': [pod.uid],
      };
    }
    const kind = pod.w.profile === 'app' || pod.w.profile === 'ci-runner' || pod.w.profile === 'none' ? 'workload' : 'operator';
    pod.actor = makeActor(kind, u, [pod.ip], pod.w.ua, sa.reason);
    return pod.actor;
  }

  controllerActor(c: ControllerSA): Actor {
    const u: UserInfo = { username: c.sa.username, uid: c.sa.uid, groups: c.sa.groups };
    if (this.opts.jti) u.extra = { [CREDENTIAL_ID]: [`JTI=${c.jti}`] };
    return makeActor('controller', u, [this.controlPlane[0]!.ip], `${KCM_UA}/${c.sa.username}`, c.sa.reason);
  }

  /** Configmaps and secrets the kubelet of `node` watches for its pods (one watch per object). */
  computeWatchRefs(node: NodeM): void {
    const refs = new Set<string>();
    for (const w of this.workloads) {
      if (w.kind === 'DaemonSet' && w.automount) refs.add(`${w.ns}/configmaps/kube-root-ca.crt`);
    }
    // A sample of the workloads likely to have pods there.
    for (let i = 0; i < 6; i++) {
      const w = this.workloads[this.rng.int(this.workloads.length)]!;
      if (w.kind === 'Job') continue;
      refs.add(`${w.ns}/configmaps/kube-root-ca.crt`);
      refs.add(`${w.ns}/configmaps/${w.configMaps[0]}`);
      for (const s of w.secrets) refs.add(`${w.ns}/secrets/${s}`);
    }
    node.watchRefs = [...refs].sort();
  }
}

/**
 * Attacks injected into the background traffic at seeded times, each with
 * its ground truth: the lines (auditID + stage) that belong to it and the
 * detections expected to fire. Attacks draw from their own PRNG stream, so
 * the background is the same with or without them.
 */
import { CREDENTIAL_ID, ISSUED_CREDENTIAL_ID, KUBECTL_UA, LEGACY_TOKEN, type Cluster, type PodM, type ServiceAccount } from './cluster.js';
import { makeActor, withSource, type Actor, type Level, type Ref, type Tag } from './emit.js';
import { fakeJwt, secretObject, tokenRequestBody, tokenRequestResponse } from './objects.js';
import type { Rng } from './rng.js';
import { forbiddenStatus, type RequestSpec, type Sim } from './sim.js';
import { S, type Traffic } from './traffic.js';
import type { AttackTruth, TruthRecorder } from './truth.js';

export const ATTACK_KINDS = [
  'mint-and-use',
  'stolen-pod-token',
  'legacy-secret',
  'probe-then-mint',
  'mass-mint',
  'uri-anomaly',
  'secret-read',
] as const;
export type AttackKind = (typeof ATTACK_KINDS)[number];

export interface AttackContext {
  sim: Sim;
  cluster: Cluster;
  traffic: Traffic;
  truth: TruthRecorder;
  rng: Rng;
  tokenRequestLevel: Level;
  /** Epoch µs of the log start and its expected duration. */
  start: number;
  duration: number;
  /** µs of log time before which no attack starts. */
  after: number;
}

const ONE_YEAR = 31_536_000;
const JTI_IDS = ['minted-token-used', 'token-replay-new-source', 'bound-token-off-node'];

type Spec = Omit<RequestSpec, 'tag'>;

class Scenario {
  readonly details: Record<string, unknown> = {};

  constructor(
    readonly ctx: AttackContext,
    readonly id: string,
    /** Multiplies the scenario's natural delays so it fits a short log. */
    readonly scale: number,
  ) {}

  get rng(): Rng {
    return this.ctx.rng;
  }

  /** Natural delay `sec` seconds, scaled. */
  d(sec: number): number {
    return Math.round(sec * S * this.scale) + this.rng.int(Math.max(1, Math.round(200_000 * this.scale)));
  }

  req(role: string, spec: Spec): string {
    const tag: Tag = { group: this.id, role };
    return this.ctx.sim.request({ ...spec, tag }, this.rng).id;
  }

  /** A TokenRequest create; returns the auditID and the JTI issued (if it succeeded). */
  mint(
    role: string,
    t: number,
    actor: Actor,
    sa: ServiceAccount,
    expirationSeconds: number,
    o: { forbid?: boolean; path?: string; query?: string; ref?: Ref } = {},
  ): { auditID: string; jti: string | null } {
    const { cluster } = this.ctx;
    const jti = o.forbid ? null : this.rng.uuid();
    const body = tokenRequestBody(expirationSeconds, null, null);
    const ref: Ref = o.ref ?? { resource: 'serviceaccounts', namespace: sa.ns, name: sa.name, apiVersion: 'v1', subresource: 'token' };
    const auditID = this.req(role, {
      t,
      actor,
      verb: 'create',
      ref,
      path: o.path,
      query: o.query,
      body: () => body,
      response: () =>
        tokenRequestResponse(body, sa.name, sa.ns, t, expirationSeconds, fakeJwt(this.rng, {
          ns: sa.ns, sa: sa.name, saUid: sa.uid, jti: jti!, iat: Math.floor(t / S), exp: Math.floor(t / S) + expirationSeconds,
          audiences: ['https://kubernetes.default.svc.cluster.local'],
        })),
      forbid: o.forbid,
      statusJ: o.forbid ? forbiddenStatus(actor.username, 'create', 'serviceaccounts', 'token', '', ref.namespace, ref.name) : undefined,
      ann: jti && cluster.opts.jti ? [[ISSUED_CREDENTIAL_ID, `JTI=${jti}`]] : [],
      latency: 2000 + this.rng.int(7000),
    });
    return { auditID, jti };
  }
}

/** The identity of a token minted by TokenRequest without a pod binding. */
function mintedTokenActor(c: Cluster, sa: ServiceAccount, jti: string, ip: string, ua: string): Actor {
  const extra = c.opts.jti ? { [CREDENTIAL_ID]: [`JTI=${jti}`] } : undefined;
  return makeActor('attacker', { username: sa.username, uid: sa.uid, groups: sa.groups, extra }, [ip], ua, sa.reason);
}

function human(username: string, group: string, ip: string, reason: string, ua = KUBECTL_UA): Actor {
  return makeActor('attacker', { username, groups: [group, 'system:authenticated'] }, [ip], ua, reason);
}

function pickPod(c: Cluster, key: string, prefer?: string): PodM | undefined {
  const w = c.byName.get(key);
  if (!w) return undefined;
  return (prefer ? w.ready.find((p) => p.name === prefer) : undefined) ?? w.ready[0];
}

/** Registers the chosen attacks and schedules them across the expected log window. */
export function scheduleAttacks(ctx: AttackContext, kinds: readonly AttackKind[]): void {
  const { rng, duration, start } = ctx;
  const k = kinds.length;
  if (k === 0) return;
  // Attacks share [10 %, 80 %] of the expected window (or what is left of it after `after`).
  const from = Math.max(0.1 * duration, ctx.after);
  const span = Math.max(0.8 * duration - from, 0.1 * duration);
  const slot = span / k;
  // Natural scenarios span up to ~150 s; squeeze them into a third of their slot when the log is short.
  const scale = Math.min(1, (slot * 0.35) / (150 * S));
  kinds.forEach((kind, i) => {
    const t = start + from + slot * (i + 0.1 + 0.4 * rng.float());
    const id = `${kind}-1`;
    const sc = new Scenario(ctx, id, scale);
    const truth = describe(ctx, kind, id, sc.details);
    ctx.truth.addAttack(truth);
    ctx.sim.at(t, () => RUN[kind](sc, ctx.sim.now));
  });
}

function describe(ctx: AttackContext, kind: AttackKind, id: string, details: Record<string, unknown>): Omit<AttackTruth, 'events' | 'start' | 'end' | 'complete'> {
  const base: Record<AttackKind, { actor: string; description: string; expected: string[]; optional: string[] }> = {
    'mint-and-use': {
      actor: 'mallory@example.com',
      description: 'A human from an external address mints a one-year token for a privileged service account, then uses it (by its JTI, without pod extras) from that address and a second external one to list secrets and create a cluster-admin binding.',
      expected: ['tokenrequest-non-system', 'long-lived-token-created', 'minted-token-used', 'token-replay-new-source'],
      optional: ['tokenrequest-uri-anomaly', 'token-secret-read'],
    },
    'stolen-pod-token': {
      actor: 'system:serviceaccount:monitoring:prometheus',
      description: "Prometheus' pod-bound token (real JTI, pod-name/node-name extras) is replayed from an external address that is neither the pod's IP nor its node's; some requests forge X-Forwarded-For with the pod's IP (sourceIPs [podIP, external]: only the last address is trustworthy).",
      expected: ['token-replay-new-source', 'bound-token-off-node'],
      optional: [],
    },
    'legacy-secret': {
      actor: 'eve@example.com',
      description: 'A human creates a kubernetes.io/service-account-token Secret for a kube-system controller account; the token controller populates it; the human reads it and the legacy token is used from outside.',
      expected: ['legacy-token-secret-created'],
      optional: ['token-secret-read', 'token-replay-new-source'],
    },
    'probe-then-mint': {
      actor: 'system:serviceaccount:default:webapp',
      description: 'A compromised webapp pod is denied TokenRequests for three accounts, then succeeds on a fourth with a 30-day token, all within five minutes.',
      expected: ['tokenrequest-denied', 'tokenrequest-non-system', 'long-lived-token-created'],
      optional: ['tokenrequest-uri-anomaly'],
    },
    'mass-mint': {
      actor: 'trent@example.com',
      description: 'One human mints long-lived tokens for four different service accounts within a few minutes.',
      expected: ['tokenrequest-non-system', 'long-lived-token-created'],
      optional: [],
    },
    'uri-anomaly': {
      actor: 'oscar@example.com',
      description: 'TokenRequests whose URI disagrees with objectRef, that carry an odd expirationSeconds query parameter, or that target kube-system, by a non-system user.',
      expected: ['tokenrequest-uri-anomaly', 'tokenrequest-non-system', 'long-lived-token-created'],
      optional: [],
    },
    'secret-read': {
      actor: 'system:serviceaccount:production:checkout',
      description: "A non-controller identity (the checkout app's token, from its pod) lists secrets cluster-wide and reads a service-account token secret.",
      expected: ['token-secret-read'],
      optional: [],
    },
  };
  const b = base[kind];
  const notObservable: Record<string, string> = {};
  let expected = b.expected;
  let optional = b.optional;
  if (!ctx.cluster.opts.jti) {
    for (const x of JTI_IDS) if (expected.includes(x)) notObservable[x] = 'no credential ids or pod/node extras before Kubernetes 1.30 (jti: false)';
  }
  if (ctx.tokenRequestLevel === 'Metadata' && expected.includes('long-lived-token-created')) {
    notObservable['long-lived-token-created'] = 'TokenRequest logged at Metadata: spec.expirationSeconds is not in the log';
  }
  expected = expected.filter((x) => !(x in notObservable));
  if (kind === 'uri-anomaly' && notObservable['long-lived-token-created']) optional = [...optional, 'long-lived-token-created'];
  return { id, kind, description: b.description, actor: b.actor, expected, optional, notObservable, details };
}

const RUN: Record<AttackKind, (sc: Scenario, t: number) => void> = {
  'mint-and-use'(sc, t) {
    const c = sc.ctx.cluster;
    const rng = sc.rng;
    const target = rng.chance(0.5) ? c.sas.get('kube-system/clusterrole-aggregation-controller')! : c.sas.get('production/payments-admin')!;
    const ipA = `203.0.113.${rng.between(20, 120)}`;
    const ipB = `203.0.113.${rng.between(121, 250)}`;
    const me = human('mallory@example.com', 'oidc:contractors', ipA, 'RBAC: allowed by ClusterRoleBinding "contractors-admin" of ClusterRole "cluster-admin" to Group "oidc:contractors"');
    sc.req('discovery', { t, actor: me, verb: 'get', path: '/api', query: 'timeout=32s' });
    sc.req('discovery', { t: t + sc.d(0.05), actor: me, verb: 'get', path: '/apis', query: 'timeout=32s' });
    sc.req('recon', { t: t + sc.d(3), actor: me, verb: 'list', ref: { resource: 'serviceaccounts', namespace: target.ns, apiVersion: 'v1' }, query: 'limit=500' });
    const tm = t + sc.d(20);
    const minted = sc.mint('mint', tm, me, target, ONE_YEAR);
    const jti = minted.jti!;
    const useA = mintedTokenActor(c, target, jti, ipA, KUBECTL_UA);
    const useB = mintedTokenActor(c, target, jti, ipB, KUBECTL_UA);
    const tu = tm + sc.d(40);
    sc.req('use', { t: tu, actor: useA, verb: 'list', ref: { resource: 'secrets', apiVersion: 'v1' }, path: '/api/v1/secrets', query: 'limit=500', latency: 40_000 + rng.int(90_000) });
    sc.req('use', { t: tu + sc.d(8), actor: useA, verb: 'list', ref: { resource: 'clusterroles', apiGroup: 'rbac.authorization.k8s.io', apiVersion: 'v1' }, query: 'limit=500',
      response: () => ({ kind: 'ClusterRoleList', apiVersion: 'rbac.authorization.k8s.io/v1', metadata: { resourceVersion: c.rvAt(tu) }, items: [] }) });
    const tb = tu + sc.d(90);
    const crb = `system:aggregate-${rng.suffix(5)}`;
    const body = {
      kind: 'ClusterRoleBinding',
      apiVersion: 'rbac.authorization.k8s.io/v1',
      metadata: { name: crb, creationTimestamp: null },
      subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'mallory@example.com' }],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    };
    sc.req('use', { t: tb, actor: useB, verb: 'list', ref: { resource: 'secrets', namespace: 'kube-system', apiVersion: 'v1' }, query: 'limit=500' });
    sc.req('use-escalate', {
      t: tb + sc.d(15), actor: useB, verb: 'create', ref: { resource: 'clusterrolebindings', apiGroup: 'rbac.authorization.k8s.io', apiVersion: 'v1' },
      query: 'fieldManager=kubectl-create&fieldValidation=Strict',
      body: () => body,
      response: () => ({ ...body, metadata: { name: crb, uid: rng.uuid(), resourceVersion: c.rvAt(tb), creationTimestamp: new Date(Math.floor(tb / 1e6) * 1000).toISOString().slice(0, 19) + 'Z' } }),
    });
    Object.assign(sc.details, {
      target: target.username, mintAuditID: minted.auditID, jti, expirationSeconds: ONE_YEAR, sourceIPs: [ipA, ipB], clusterRoleBinding: crb,
    });
  },

  'stolen-pod-token'(sc, t) {
    const c = sc.ctx.cluster;
    const rng = sc.rng;
    const pod = pickPod(c, 'monitoring/prometheus', 'prometheus-0');
    if (!pod) return;
    const ip = `198.18.${rng.between(0, 255)}.${rng.between(1, 254)}`;
    const ua = 'kubectl/v1.29.2 (linux/amd64) kubernetes/4b8e819';
    const direct = withSource(c.podActor(pod), [ip], ua, 'attacker');
    // Some requests carry a forged X-Forwarded-For naming the pod: only the LAST source IP is trustworthy.
    const forged = withSource(c.podActor(pod), [pod.ip, ip], ua, 'attacker');
    sc.req('replay', { t, actor: direct, verb: 'get', path: '/api', query: 'timeout=32s' });
    sc.req('replay', { t: t + sc.d(3), actor: direct, verb: 'list', ref: { resource: 'pods', apiVersion: 'v1' }, query: 'limit=500', latency: 60_000 + rng.int(200_000) });
    sc.req('replay-forged-xff', { t: t + sc.d(12), actor: forged, verb: 'list', ref: { resource: 'nodes', apiVersion: 'v1' }, query: 'limit=500', latency: 20_000 + rng.int(90_000) });
    sc.req('replay-denied', {
      t: t + sc.d(25), actor: direct, verb: 'list', ref: { resource: 'secrets', namespace: 'monitoring', apiVersion: 'v1' }, query: 'limit=500', forbid: true,
      statusJ: forbiddenStatus(direct.username, 'list', 'secrets', undefined, '', 'monitoring', undefined),
    });
    sc.req('replay-forged-xff', { t: t + sc.d(40), actor: forged, verb: 'list', ref: { resource: 'endpoints', namespace: 'production', apiVersion: 'v1' }, query: 'limit=500' });
    Object.assign(sc.details, {
      jti: pod.jti, pod: pod.name, podUID: pod.uid, podIP: pod.ip, node: pod.node.name, nodeIP: pod.node.ip,
      mintAuditID: pod.mintAuditID ?? null, externalIP: ip,
    });
  },

  'legacy-secret'(sc, t) {
    const c = sc.ctx.cluster;
    const rng = sc.rng;
    const saName = rng.pick(['clusterrole-aggregation-controller', 'generic-garbage-collector', 'namespace-controller']);
    const sa = c.sas.get(`kube-system/${saName}`)!;
    const ip = `192.0.2.${rng.between(201, 250)}`;
    const me = human('eve@example.com', 'oidc:developers', ip, 'RBAC: allowed by ClusterRoleBinding "eve-debug" of ClusterRole "cluster-admin" to User "eve@example.com"');
    const name = `${saName}-token-${rng.suffix(5)}`;
    const body = {
      kind: 'Secret',
      apiVersion: 'v1',
      metadata: { name, namespace: 'kube-system', creationTimestamp: null, annotations: { 'kubernetes.io/service-account.name': saName } },
      type: 'kubernetes.io/service-account-token',
    };
    const ref: Ref = { resource: 'secrets', namespace: 'kube-system', apiVersion: 'v1' };
    const create = sc.req('create-token-secret', { t, actor: me, verb: 'create', ref, query: 'fieldManager=kubectl-client-side-apply&fieldValidation=Strict', body: () => body,
      response: () => secretObject(rng, 'kube-system', name, 'kubernetes.io/service-account-token', t, c.rvAt(t), [], { 'kubernetes.io/service-account.name': saName }) });
    sc.ctx.traffic.tokenControllerPopulate(rng, t + sc.d(0.05), 'kube-system', name, saName, { group: sc.id, role: 'controller-populate' });
    const tr = t + sc.d(6);
    sc.req('read-token-secret', { t: tr, actor: me, verb: 'get', ref: { ...ref, name },
      response: () => secretObject(rng, 'kube-system', name, 'kubernetes.io/service-account-token', tr, c.rvAt(tr), ['ca.crt', 'namespace', 'token'], { 'kubernetes.io/service-account.name': saName }) });
    const ext = `203.0.113.${rng.between(1, 19)}`;
    const legacy = makeActor('attacker', { username: sa.username, uid: sa.uid, groups: sa.groups }, [ext], 'curl/8.9.1', sa.reason, [[LEGACY_TOKEN, sa.username]]);
    const tu = tr + sc.d(60);
    sc.req('use-legacy-token', { t: tu, actor: legacy, verb: 'list', ref: { resource: 'secrets', namespace: 'kube-system', apiVersion: 'v1' } });
    sc.req('use-legacy-token', { t: tu + sc.d(10), actor: legacy, verb: 'list', ref: { resource: 'namespaces', apiVersion: 'v1' } });
    Object.assign(sc.details, { secret: `kube-system/${name}`, serviceAccount: sa.username, createAuditID: create, sourceIP: ip, usedFrom: ext });
  },

  'probe-then-mint'(sc, t) {
    const c = sc.ctx.cluster;
    const pod = pickPod(c, 'default/webapp');
    if (!pod) return;
    const me = withSource(c.podActor(pod), [pod.ip], KUBECTL_UA, 'attacker');
    const denied = [c.sas.get('production/payments-admin')!, c.sas.get('kube-system/clusterrole-aggregation-controller')!, c.sas.get('monitoring/prometheus')!];
    const ids: string[] = [];
    let tt = t;
    for (const sa of denied) {
      ids.push(sc.mint('probe-denied', tt, me, sa, ONE_YEAR, { forbid: true }).auditID);
      tt += sc.d(20);
    }
    const target = c.sas.get('default/deploy-bot')!;
    const ok = sc.mint('mint', tt + sc.d(40), me, target, 2_592_000);
    Object.assign(sc.details, {
      pod: pod.name, podIP: pod.ip, jti: pod.jti, denied: denied.map((s) => s.username), deniedAuditIDs: ids,
      minted: target.username, mintAuditID: ok.auditID, issuedJti: ok.jti, expirationSeconds: 2_592_000,
    });
  },

  'mass-mint'(sc, t) {
    const c = sc.ctx.cluster;
    const rng = sc.rng;
    const ip = `192.0.2.${rng.between(201, 250)}`;
    const me = human('trent@example.com', 'oidc:developers', ip, 'RBAC: allowed by ClusterRoleBinding "token-admins" of ClusterRole "token-creator" to User "trent@example.com"');
    const stagingApp = c.workloads.find((w) => w.ns === 'staging' && w.kind === 'Deployment')!;
    const targets = [c.sas.get('production/payments-api')!, c.sas.get('production/checkout')!, stagingApp.sa, c.sas.get('monitoring/grafana')!];
    const exps = [ONE_YEAR, 2_592_000, ONE_YEAR, 7_776_000];
    const minted: { sa: string; auditID: string; jti: string | null; expirationSeconds: number }[] = [];
    let tt = t;
    targets.forEach((sa, i) => {
      const m = sc.mint('mint', tt, me, sa, exps[i]!);
      minted.push({ sa: sa.username, auditID: m.auditID, jti: m.jti, expirationSeconds: exps[i]! });
      tt += sc.d(25 + rng.int(30));
    });
    Object.assign(sc.details, { sourceIP: ip, minted });
  },

  'uri-anomaly'(sc, t) {
    const c = sc.ctx.cluster;
    const rng = sc.rng;
    const ip = `203.0.113.${rng.between(1, 19)}`;
    const me = human('oscar@example.com', 'oidc:contractors', ip, 'RBAC: allowed by ClusterRoleBinding "contractors-admin" of ClusterRole "cluster-admin" to Group "oidc:contractors"');
    const admin = c.sas.get('production/payments-admin')!;
    const a = sc.mint('uri-objectref-mismatch', t, me, admin, ONE_YEAR, { path: '/api/v1/namespaces/staging/serviceaccounts/api/token' });
    const api = c.sas.get('production/payments-api')!;
    const b = sc.mint('uri-odd-query', t + sc.d(30), me, api, ONE_YEAR, { query: `expirationSeconds=${ONE_YEAR}` });
    const gc = c.sas.get('kube-system/generic-garbage-collector')!;
    const k = sc.mint('kube-system-target', t + sc.d(70), me, gc, ONE_YEAR);
    Object.assign(sc.details, {
      sourceIP: ip,
      variants: [
        { variant: 'uri-objectref-mismatch', auditID: a.auditID, jti: a.jti, requestURI: '/api/v1/namespaces/staging/serviceaccounts/api/token', objectRef: 'production/payments-admin' },
        { variant: 'odd-query', auditID: b.auditID, jti: b.jti, requestURI: `/api/v1/namespaces/production/serviceaccounts/payments-api/token?expirationSeconds=${ONE_YEAR}` },
        { variant: 'kube-system-target', auditID: k.auditID, jti: k.jti, target: gc.username },
      ],
    });
  },

  'secret-read'(sc, t) {
    const c = sc.ctx.cluster;
    const rng = sc.rng;
    const pod = pickPod(c, 'production/checkout');
    if (!pod) return;
    const me = withSource(c.podActor(pod), [pod.ip], 'curl/8.9.1', 'attacker');
    const list = sc.req('list-secrets-cluster-wide', { t, actor: me, verb: 'list', ref: { resource: 'secrets', apiVersion: 'v1' }, path: '/api/v1/secrets', query: 'limit=500', latency: 50_000 + rng.int(150_000) });
    const deployer = c.sas.get('ci/deployer')!;
    const name = deployer.legacySecret!;
    const tg = t + sc.d(15);
    const get = sc.req('get-token-secret', {
      t: tg, actor: me, verb: 'get', ref: { resource: 'secrets', namespace: 'ci', name, apiVersion: 'v1' },
      response: () => secretObject(rng, 'ci', name, 'kubernetes.io/service-account-token', tg, c.rvAt(tg), ['ca.crt', 'namespace', 'token'], { 'kubernetes.io/service-account.name': 'deployer' }),
    });
    Object.assign(sc.details, { pod: pod.name, podIP: pod.ip, jti: pod.jti, listAuditID: list, getAuditID: get, secret: `ci/${name}` });
  },
};

/** Parses an `attacks` option: `all`, `none`, or a comma-separated list of kinds. */
export function parseAttacks(v: string | readonly string[] | undefined): AttackKind[] {
  if (v === undefined || v === 'all') return [...ATTACK_KINDS];
  if (v === 'none' || v === '') return [];
  const list = typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : [...v];
  for (const k of list) {
    if (!(ATTACK_KINDS as readonly string[]).includes(k)) throw new Error(`unknown attack "${k}" (known: ${ATTACK_KINDS.join(', ')}, all, none)`);
  }
  return ATTACK_KINDS.filter((k) => list.includes(k));
}

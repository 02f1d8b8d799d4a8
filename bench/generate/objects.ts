/**
 * Request and response bodies the audit log carries at Request and
 * RequestResponse level: TokenRequests (with a FAKE JWT-shaped token),
 * pods, bindings, status patches, secrets with fake base64 data, delete
 * options. Field order follows the Go types, so the JSON reads like the
 * API server's.
 */
import { API_AUDIENCE, type NodeM, type PodM, type Workload } from './cluster.js';
import { microTime, secondTime } from './emit.js';
import type { Rng } from './rng.js';

/** The kid every fake token carries: decoding the header shows at once that it is synthetic. */
export const FAKE_KID = 'FAKE-tokenwatch-synthetic-not-a-real-signing-key';

export interface BoundPod {
  name: string;
  uid: string;
}

export function tokenRequestBody(expirationSeconds: number | null, bound: BoundPod | null, audiences: string[] | null): unknown {
  const spec: Record<string, unknown> = { audiences };
  if (expirationSeconds !== null) spec.expirationSeconds = expirationSeconds;
  if (bound) spec.boundObjectRef = { kind: 'Pod', apiVersion: 'v1', name: bound.name, uid: bound.uid };
  return {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec,
    status: { token: '', expirationTimestamp: null },
  };
}

export interface TokenClaims {
  ns: string;
  sa: string;
  saUid: string;
  jti: string;
  iat: number;
  exp: number;
  audiences: string[];
  pod?: { name: string; uid: string };
  node?: { name: string; uid: string };
}

function b64url(s: string | Buffer): string {
  return Buffer.from(s).toString('base64url');
}

/**
 * A FAKE service-account token: a real JWT's shape (three base64url parts,
 * `eyJ…` header with RS256), Kubernetes-like claims, but a made-up key id
 * and a PRNG "signature". It authenticates nowhere; it exists so that
 * redaction can be tested on something that looks like the real thing.
 */
export function fakeJwt(rng: Rng, c: TokenClaims): string {
  const header = b64url(JSON.stringify({ alg: 'RS256', kid: FAKE_KID }));
  const k8s: Record<string, unknown> = { namespace: c.ns };
  if (c.node) k8s.node = c.node;
  if (c.pod) k8s.pod = c.pod;
  k8s.serviceaccount = { name: c.sa, uid: c.saUid };
  if (c.pod) k8s.warnafter = c.iat + 3600;
  const payload = b64url(
    JSON.stringify({
      aud: c.audiences,
      exp: c.exp,
      iat: c.iat,
      iss: API_AUDIENCE,
      jti: c.jti,
      'kubernetes.io': k8s,
      nbf: c.iat,
      sub: `system:serviceaccount:${c.ns}:${c.sa}`,
    }),
  );
  return `${header}.${payload}.${b64url(rng.bytes(256))}`;
}

export function tokenRequestResponse(
  body: unknown,
  name: string,
  ns: string,
  tUs: number,
  expirationSeconds: number,
  token: string,
): unknown {
  const b = body as { spec: Record<string, unknown> };
  return {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name, namespace: ns, creationTimestamp: secondTime(tUs) },
    spec: { ...b.spec, audiences: b.spec.audiences ?? [API_AUDIENCE], expirationSeconds },
    status: { token, expirationTimestamp: secondTime(tUs + expirationSeconds * 1e6) },
  };
}

export function podBody(w: Workload, rng: Rng): unknown {
  // ObjectMeta field order: generateName, creationTimestamp, labels, ownerReferences.
  const gen = w.kind === 'Deployment' ? `${w.name}-${w.hash}-` : w.kind === 'Job' ? 'ci-job-' : `${w.name}-`;
  const labels: Record<string, string> = { app: w.name };
  if (w.kind === 'Deployment') labels['pod-template-hash'] = w.hash;
  const meta: Record<string, unknown> = { generateName: gen, creationTimestamp: null, labels };
  if (w.kind === 'Deployment') {
    meta.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${w.name}-${w.hash}`, uid: w.rsUid, controller: true, blockOwnerDeletion: true }];
  } else if (w.kind === 'Job') {
    meta.ownerReferences = [{ apiVersion: 'batch/v1', kind: 'Job', name: `ci-job-${rng.between(100000, 999999)}`, uid: rng.uuid(), controller: true, blockOwnerDeletion: true }];
  } else {
    meta.ownerReferences = [{ apiVersion: 'apps/v1', kind: w.kind, name: w.name, uid: w.uid, controller: true, blockOwnerDeletion: true }];
  }
  const container: Record<string, unknown> = {
    name: 'app',
    image: w.image,
    ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
    resources: { limits: { memory: '512Mi' }, requests: { cpu: '100m', memory: '256Mi' } },
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    imagePullPolicy: 'IfNotPresent',
  };
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: meta,
    spec: {
      containers: [container],
      restartPolicy: w.kind === 'Job' ? 'Never' : 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      serviceAccountName: w.sa.name,
      serviceAccount: w.sa.name,
      automountServiceAccountToken: w.automount ? undefined : false,
      securityContext: {},
      schedulerName: 'default-scheduler',
    },
    status: {},
  };
}

export function bindingBody(pod: PodM): unknown {
  return {
    kind: 'Binding',
    apiVersion: 'v1',
    metadata: { name: pod.name, namespace: pod.ns, uid: pod.uid, creationTimestamp: null },
    target: { kind: 'Node', name: pod.node.name },
  };
}

const NODE_CONDITIONS = ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'];

/** The strategic-merge patch a kubelet sends with its node status heartbeat. */
export function nodeStatusPatch(tUs: number): unknown {
  const hb = secondTime(tUs);
  return {
    status: {
      '$setElementOrder/conditions': NODE_CONDITIONS.map((type) => ({ type })),
      conditions: NODE_CONDITIONS.map((type) => ({ lastHeartbeatTime: hb, type })),
    },
  };
}

export function podStatusPatch(pod: PodM, tUs: number, phase: 'Pending' | 'Running' | 'Succeeded'): unknown {
  const ts = secondTime(tUs);
  const ready = phase === 'Running' ? 'True' : 'False';
  const conds = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'];
  const state =
    phase === 'Running'
      ? { running: { startedAt: ts } }
      : phase === 'Succeeded'
        ? { terminated: { exitCode: 0, reason: 'Completed', startedAt: secondTime(pod.createdAt), finishedAt: ts } }
        : { waiting: { reason: 'ContainerCreating' } };
  return {
    metadata: { uid: pod.uid },
    status: {
      '$setElementOrder/conditions': conds.map((type) => ({ type })),
      conditions: [
        { lastTransitionTime: ts, status: ready, type: 'Ready' },
        { lastTransitionTime: ts, status: ready, type: 'ContainersReady' },
      ],
      containerStatuses: [
        {
          containerID: phase === 'Pending' ? undefined : `containerd://${pod.uid.replace(/-/g, '')}${pod.uid.replace(/-/g, '').slice(0, 32)}`,
          image: pod.w.image,
          imageID: '',
          lastState: {},
          name: 'app',
          ready: phase === 'Running',
          restartCount: 0,
          started: phase === 'Running',
          state,
        },
      ],
      hostIP: pod.node.ip,
      hostIPs: [{ ip: pod.node.ip }],
      phase,
      podIP: pod.ip,
      podIPs: [{ ip: pod.ip }],
      startTime: secondTime(pod.createdAt),
    },
  };
}

export function deleteOptions(uid?: string, gracePeriodSeconds?: number, propagationPolicy?: string): unknown {
  const o: Record<string, unknown> = { kind: 'DeleteOptions', apiVersion: 'v1' };
  if (gracePeriodSeconds !== undefined) o.gracePeriodSeconds = gracePeriodSeconds;
  if (uid) o.preconditions = { uid };
  if (propagationPolicy) o.propagationPolicy = propagationPolicy;
  return o;
}

/** A Secret with FAKE base64 data, as a RequestResponse-level log would show it. */
export function secretObject(
  rng: Rng,
  ns: string,
  name: string,
  type: string,
  tUs: number,
  rv: string,
  keys: string[],
  annotations?: Record<string, string>,
): unknown {
  const data: Record<string, string> = {};
  for (const k of keys) data[k] = rng.bytes(k.endsWith('.key') || k === 'token' ? 96 : 48).toString('base64');
  const meta: Record<string, unknown> = { name, namespace: ns, uid: rng.uuid(), resourceVersion: rv, creationTimestamp: secondTime(tUs - 86400e6 * 30) };
  if (annotations) meta.annotations = annotations;
  return { kind: 'Secret', apiVersion: 'v1', metadata: meta, data, type };
}

export function replicaSetBody(w: Workload): unknown {
  return {
    kind: 'ReplicaSet',
    apiVersion: 'apps/v1',
    metadata: {
      name: `${w.name}-${w.hash}`,
      namespace: w.ns,
      creationTimestamp: null,
      labels: { app: w.name, 'pod-template-hash': w.hash },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: w.name, uid: w.uid, controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: w.name, 'pod-template-hash': w.hash } },
      template: { metadata: { labels: { app: w.name, 'pod-template-hash': w.hash } }, spec: { containers: [{ name: 'app', image: w.image }] } },
    },
    status: { replicas: 0 },
  };
}

export function imagePatch(image: string): unknown {
  return { spec: { template: { spec: { containers: [{ image, name: 'app' }] } } } };
}

export function nodeRef(node: NodeM): { resource: string; name: string } {
  return { resource: 'nodes', name: node.name };
}

export { microTime };

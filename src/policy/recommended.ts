/**
 * The audit Policy tokenwatch recommends for a self-managed API server, rule
 * by rule with why and what it costs. Order matters (the first matching rule
 * wins): drops first, then what must never carry credentials, then what
 * needs bodies, then everything else at Metadata.
 *
 * Volumes were measured with `policyVolume` on a simulated 1,000-node
 * cluster (bench/generate, 200,000 events, bodies logged wherever the
 * simulation has them); see docs/policy.md for the command. Shares are of
 * the events the API server would write with every stage at Metadata.
 */
import type { AuditPolicy, PolicyRule } from './model.js';

export interface DocumentedRule {
  /** one short title, printed as the first comment line */
  title: string;
  rule: PolicyRule;
  /** why the rule is there and what it keeps or leaves out */
  why: string;
  /** the volume this choice costs or saves */
  cost: string;
}

const WRITE_VERBS = ['create', 'update', 'patch', 'delete', 'deletecollection'];

export const RECOMMENDED_RULES: DocumentedRule[] = [
  {
    title: 'Health checks, version and metrics: not logged',
    rule: { level: 'None', nonResourceURLs: ['/healthz*', '/livez*', '/readyz*', '/version', '/version/', '/metrics', '/openapi/*'] },
    why: 'Load balancers and probes call these every few seconds, mostly anonymously; they touch no object and no credential.',
    cost: 'Saves every probe: one event per probe per API server replica.',
  },
  {
    title: 'Events: not logged',
    rule: { level: 'None', resources: [{ group: '', resources: ['events'] }, { group: 'events.k8s.io', resources: ['events'] }] },
    why: 'Every controller writes Events all the time; they are a log of their own and never hold a token.',
    cost: 'Few on the simulated cluster (under 0.1% of events); on a busy one every pod start, pull and probe failure writes several.',
  },
  {
    title: 'Leases: not logged',
    rule: { level: 'None', resources: [{ group: 'coordination.k8s.io', resources: ['leases'] }] },
    why: 'Node heartbeats (one lease update per node every 10 s) and leader election. The single largest source of audit volume on a big cluster.',
    cost: 'Saves 30% of the events (26% of the bytes) of the simulated 1,000-node cluster.',
  },
  {
    title: 'TokenRequests (serviceaccounts/token create): Request',
    rule: { level: 'Request', verbs: ['create'], resources: [{ group: '', resources: ['serviceaccounts/token'] }] },
    why:
      'The request body holds the lifetime (spec.expirationSeconds), the audiences and the bound object, so tokenwatch can flag long-lived and unbound tokens. Request level leaves out the response, which holds the minted token itself: at RequestResponse the log would hold every token the cluster issues. The annotation authentication.kubernetes.io/issued-credential-id (Kubernetes 1.30+) is written at any level and links the mint to later uses.',
    cost: '0.8% of events on the simulated cluster (kubelets renew every pod token within the hour); the body adds about 370 bytes to each. RequestResponse would add about 1.7 KB more per mint, the token included.',
  },
  {
    title: 'TokenReviews: Metadata',
    rule: { level: 'Metadata', resources: [{ group: 'authentication.k8s.io', resources: ['tokenreviews'] }] },
    why: 'A TokenReview request carries the bearer token under review in spec.token: at Request level or higher the log would hold it.',
    cost: 'Only the metadata of each review (webhook authenticators, metrics servers).',
  },
  {
    title: 'Secrets and ConfigMaps, every verb (reads included): Metadata',
    rule: { level: 'Metadata', resources: [{ group: '', resources: ['secrets', 'configmaps'] }] },
    why:
      'Secret bodies hold the secret values (data, stringData) and ConfigMaps often do too; Metadata keeps who read or wrote which object, and when, without the values. Reads of secrets stay visible. The price: the type of a written Secret is not visible, so a legacy token Secret (type kubernetes.io/service-account-token) cannot be recognised when it is created; its later use still is (annotation authentication.k8s.io/legacy-token).',
    cost: '37% of the events of the simulated cluster are ConfigMap and Secret requests, mostly reads, at about 1.3 KB each at Metadata. At RequestResponse every read would add the object, values included.',
  },
  {
    title: 'RBAC changes: Request',
    rule: { level: 'Request', verbs: WRITE_VERBS, resources: [{ group: 'rbac.authorization.k8s.io' }] },
    why: 'The body says what access a Role or binding grants and to whom: the step that turns a minted token into more power.',
    cost: 'Under 0.01% of events on the simulated cluster (RBAC changes come with deployments); about 1.6 KB each.',
  },
  {
    title: 'Pod changes, exec, attach, port-forward, ephemeral containers, bindings, evictions: Request',
    rule: {
      level: 'Request',
      verbs: WRITE_VERBS,
      resources: [{ group: '', resources: ['pods', 'pods/exec', 'pods/attach', 'pods/portforward', 'pods/ephemeralcontainers', 'pods/binding', 'pods/eviction'] }],
    },
    why: 'Pod specs show the service account, mounted tokens and host paths; bindings tie a pod to its node, which is how a bound token is checked against the node it is used from. Pod status updates (pods/status, written by kubelets all the time) stay at Metadata.',
    cost: 'Pod specs are the largest bodies (several KB on real clusters), but pod writes are rare: 0.01% of events on the simulated cluster.',
  },
  {
    title: 'Service account changes: Request',
    rule: { level: 'Request', verbs: WRITE_VERBS, resources: [{ group: '', resources: ['serviceaccounts'] }] },
    why: 'Annotations on a service account bind it to a cloud identity (eks.amazonaws.com/role-arn, azure.workload.identity/client-id, iam.gke.io/gcp-service-account): changing them changes what its tokens can reach.',
    cost: 'Rare; small bodies.',
  },
  {
    title: 'Admission webhook configuration changes: Request',
    rule: { level: 'Request', verbs: WRITE_VERBS, resources: [{ group: 'admissionregistration.k8s.io', resources: ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations'] }] },
    why: 'A mutating webhook can inject containers and tokens into every new pod; the body shows where it sends requests.',
    cost: 'Rare; small bodies.',
  },
  {
    title: 'Everything else, reads included: Metadata',
    rule: { level: 'Metadata' },
    why: 'Who did what to which object, with the credential id of the token used (Kubernetes 1.30+) and the pod and node it is bound to. Enough for every tokenwatch rule and detector that needs no body.',
    cost: '32% of the events of the simulated cluster, about 1.4 KB each.',
  },
];

export const RECOMMENDED_POLICY: AuditPolicy = {
  apiVersion: 'audit.k8s.io/v1',
  kind: 'Policy',
  omitStages: ['RequestReceived'],
  rules: RECOMMENDED_RULES.map((r) => r.rule),
};

export const POLICY_HEADER = [
  'Audit policy recommended by tokenwatch: tokens and secret values never reach the log, while every',
  'TokenRequest is logged with its lifetime, audiences and bound object, and every request with its',
  "caller's credential id. Pass it with kube-apiserver --audit-policy-file=<this file>.",
  'Rules are tried in order; the first that matches sets the level.',
  'RequestReceived is omitted everywhere: ResponseComplete carries the same request with its outcome',
  '(this halves the events). On a simulated 1,000-node cluster the policy writes 35% of the events and',
  '40% of the bytes of a log with every stage and every body. Details: tokenwatch docs/policy.md.',
];

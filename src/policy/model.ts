/**
 * The API server's audit Policy (`audit.k8s.io/v1`, kind `Policy`), as
 * plain data, with a reader that checks what `--audit-policy-file` would
 * reject. Field meanings: kubernetes.io reference "kube-apiserver Audit
 * Configuration (v1)".
 */

export const POLICY_LEVELS = ['None', 'Metadata', 'Request', 'RequestResponse'] as const;
export type PolicyLevel = (typeof POLICY_LEVELS)[number];
export const POLICY_STAGES = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'] as const;

export interface GroupResources {
  /** API group; '' (or absent) is the core group */
  group?: string;
  /** `pods`, `pods/log`, `*`, `pods/*`, `*\/scale`; empty: every resource of the group */
  resources?: string[];
  /** object names; requires resources */
  resourceNames?: string[];
}

export interface PolicyRule {
  level: PolicyLevel;
  users?: string[];
  userGroups?: string[];
  verbs?: string[];
  resources?: GroupResources[];
  /** '' matches non-namespaced resources */
  namespaces?: string[];
  /** `/healthz*`: a `*` only as the full, final step */
  nonResourceURLs?: string[];
  omitStages?: string[];
  omitManagedFields?: boolean;
}

export interface AuditPolicy {
  apiVersion: 'audit.k8s.io/v1';
  kind: 'Policy';
  omitStages?: string[];
  omitManagedFields?: boolean;
  rules: PolicyRule[];
}

const RULE_KEYS = new Set(['level', 'users', 'userGroups', 'verbs', 'resources', 'namespaces', 'nonResourceURLs', 'omitStages', 'omitManagedFields']);

function strings(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

/** Reads a parsed YAML/JSON document as a Policy; `errors` lists what the API server would refuse. */
export function parsePolicy(data: unknown): { policy?: AuditPolicy; errors: string[] } {
  const errors: string[] = [];
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return { errors: ['a Policy is a map'] };
  const d = data as Record<string, unknown>;
  if (d.apiVersion !== 'audit.k8s.io/v1') errors.push(`apiVersion must be audit.k8s.io/v1, not ${JSON.stringify(d.apiVersion)}`);
  if (d.kind !== 'Policy') errors.push(`kind must be Policy, not ${JSON.stringify(d.kind)}`);
  const stages = (v: unknown, where: string) => {
    if (v === undefined) return;
    if (!strings(v) || v.some((s) => !(POLICY_STAGES as readonly string[]).includes(s))) errors.push(`${where}: stages are ${POLICY_STAGES.join(', ')}`);
  };
  stages(d.omitStages, 'omitStages');
  if (!Array.isArray(d.rules)) {
    errors.push('rules: a list of rules');
    return { errors };
  }
  d.rules.forEach((r, i) => {
    const w = `rules[${i}]`;
    if (r === null || typeof r !== 'object' || Array.isArray(r)) {
      errors.push(`${w}: a map`);
      return;
    }
    const o = r as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!RULE_KEYS.has(k)) errors.push(`${w}: unknown field ${k}`);
    if (!(POLICY_LEVELS as readonly unknown[]).includes(o.level)) errors.push(`${w}.level: one of ${POLICY_LEVELS.join(', ')}`);
    for (const k of ['users', 'userGroups', 'verbs', 'namespaces', 'nonResourceURLs']) if (o[k] !== undefined && !strings(o[k])) errors.push(`${w}.${k}: a list of strings`);
    stages(o.omitStages, `${w}.omitStages`);
    if (strings(o.nonResourceURLs)) {
      for (const u of o.nonResourceURLs) if (!u.startsWith('/') && u !== '*') errors.push(`${w}.nonResourceURLs: "${u}" must start with /`);
      for (const u of o.nonResourceURLs) if (u.indexOf('*') >= 0 && u.indexOf('*') !== u.length - 1) errors.push(`${w}.nonResourceURLs: "${u}": * only as the final step`);
      if (o.resources !== undefined || o.namespaces !== undefined) errors.push(`${w}: nonResourceURLs cannot be combined with resources or namespaces`);
    }
    if (o.resources !== undefined) {
      if (!Array.isArray(o.resources)) errors.push(`${w}.resources: a list of {group, resources, resourceNames}`);
      else
        o.resources.forEach((g, j) => {
          const gw = `${w}.resources[${j}]`;
          if (g === null || typeof g !== 'object') return void errors.push(`${gw}: a map`);
          const gr = g as Record<string, unknown>;
          if (gr.group !== undefined && typeof gr.group !== 'string') errors.push(`${gw}.group: a string`);
          if (gr.resources !== undefined && !strings(gr.resources)) errors.push(`${gw}.resources: a list of strings`);
          if (gr.resourceNames !== undefined && !strings(gr.resourceNames)) errors.push(`${gw}.resourceNames: a list of strings`);
          if (strings(gr.resourceNames) && gr.resourceNames.length > 0 && !(strings(gr.resources) && gr.resources.length > 0)) errors.push(`${gw}: resourceNames requires resources`);
          for (const k of Object.keys(gr)) if (!['group', 'resources', 'resourceNames'].includes(k)) errors.push(`${gw}: unknown field ${k}`);
        });
    }
  });
  return errors.length ? { errors } : { policy: data as AuditPolicy, errors };
}

/**
 * A small evaluator of audit Policies with the API server's semantics
 * (k8s.io/apiserver pkg/audit/policy/checker.go, read at upstream):
 *
 *  - rules are tried in order; the first that matches sets the level; no
 *    match means level None;
 *  - within a rule every field given must match (an empty list matches
 *    all): `users` holds the authenticated user name, `userGroups` any of
 *    the user's groups, `verbs` the request verb;
 *  - a rule with `namespaces` or `resources` matches resource requests
 *    only: `namespaces` holds the request namespace ('' for cluster-scoped
 *    resources), and one of `resources` must have the request's API group
 *    ('' core) and, unless its list is empty, a resource that equals
 *    `resource` or `resource/subresource`, or is `*`, or `*\/subresource`,
 *    or `resource/*` (which the checker matches on the resource alone, so
 *    it also covers the resource itself), with the object name in
 *    `resourceNames` when that list is given;
 *  - otherwise a rule with `nonResourceURLs` matches non-resource requests
 *    whose path equals an entry, or starts with an entry ending in `*`
 *    (`*` alone matches every path);
 *  - the stages omitted are the union of the policy's and the rule's.
 *
 * `applyPolicy` turns an audit event into the events that policy would have
 * written: none at level None or for an omitted stage, no request body
 * below Request, no response body below RequestResponse.
 */
import type { AuditEvent } from '../event/types.js';
import type { AuditPolicy, PolicyLevel, PolicyRule } from './model.js';

/** What the policy checker sees of a request (authorizer.Attributes). */
export interface RequestAttributes {
  user?: { name: string; groups: string[] };
  verb: string;
  resourceRequest: boolean;
  namespace: string;
  apiGroup: string;
  resource: string;
  subresource: string;
  name: string;
  /** URL path, for non-resource requests */
  path: string;
}

export interface PolicyDecision {
  level: PolicyLevel;
  omitStages: string[];
  omitManagedFields: boolean;
  /** index of the matching rule, -1 when none matched */
  rule: number;
}

const has = (list: string[] | undefined, v: string) => (list ?? []).includes(v);

export function pathMatches(path: string, spec: string): boolean {
  if (spec === '*') return true;
  if (spec === path) return true;
  return spec.endsWith('*') && path.startsWith(spec.replace(/\*+$/, ''));
}

function matchesResource(r: PolicyRule, a: RequestAttributes): boolean {
  if (!a.resourceRequest) return false;
  if (r.namespaces?.length && !has(r.namespaces, a.namespace)) return false;
  if (!r.resources?.length) return true;
  const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  for (const gr of r.resources) {
    if ((gr.group ?? '') !== a.apiGroup) continue;
    if (!gr.resources?.length) return true;
    for (const res of gr.resources) {
      if (gr.resourceNames?.length && !has(gr.resourceNames, a.name)) continue;
      if (res === combined || res === '*') return true;
      if (a.subresource && res.startsWith('*/') && a.subresource === res.slice(2)) return true;
      if (res.endsWith('/*') && a.resource === res.slice(0, -2)) return true;
    }
  }
  return false;
}

export function ruleMatches(r: PolicyRule, a: RequestAttributes): boolean {
  if (r.users?.length && (!a.user || !has(r.users, a.user.name))) return false;
  if (r.userGroups?.length && (!a.user || !a.user.groups.some((g) => has(r.userGroups, g)))) return false;
  if (r.verbs?.length && !has(r.verbs, a.verb)) return false;
  if (r.namespaces?.length || r.resources?.length) return matchesResource(r, a);
  if (r.nonResourceURLs?.length) return !a.resourceRequest && r.nonResourceURLs.some((s) => pathMatches(a.path, s));
  return true;
}

export function evaluatePolicy(p: AuditPolicy, a: RequestAttributes): PolicyDecision {
  for (let i = 0; i < p.rules.length; i++) {
    const r = p.rules[i]!;
    if (ruleMatches(r, a)) {
      return {
        level: r.level,
        omitStages: [...new Set([...(p.omitStages ?? []), ...(r.omitStages ?? [])])],
        omitManagedFields: r.omitManagedFields ?? p.omitManagedFields ?? false,
        rule: i,
      };
    }
  }
  return { level: 'None', omitStages: [...(p.omitStages ?? [])], omitManagedFields: p.omitManagedFields ?? false, rule: -1 };
}

/** The request an audit event records, as the policy checker saw it. */
export function attributesOf(ev: AuditEvent): RequestAttributes {
  const o = ev.objectRef;
  const uri = typeof ev.requestURI === 'string' ? ev.requestURI : '';
  const q = uri.indexOf('?');
  const a: RequestAttributes = {
    verb: typeof ev.verb === 'string' ? ev.verb : '',
    resourceRequest: Boolean(o && typeof o.resource === 'string' && o.resource !== ''),
    namespace: o?.namespace ?? '',
    apiGroup: o?.apiGroup ?? '',
    resource: o?.resource ?? '',
    subresource: o?.subresource ?? '',
    name: o?.name ?? '',
    path: q < 0 ? uri : uri.slice(0, q),
  };
  if (ev.user?.username !== undefined) a.user = { name: ev.user.username, groups: ev.user.groups ?? [] };
  return a;
}

const RANK: Record<PolicyLevel, number> = { None: 0, Metadata: 1, Request: 2, RequestResponse: 3 };

/**
 * The event as the policy would have written it, or null when it would not
 * be written. Nothing is added: an input logged below the policy's level
 * keeps its lower level.
 */
export function applyPolicy(p: AuditPolicy, ev: AuditEvent): AuditEvent | null {
  const d = evaluatePolicy(p, attributesOf(ev));
  if (d.level === 'None') return null;
  if (typeof ev.stage === 'string' && d.omitStages.includes(ev.stage)) return null;
  const out: AuditEvent = { ...ev };
  const had = RANK[(ev.level as PolicyLevel) ?? 'RequestResponse'] ?? 3;
  const level = Math.min(had, RANK[d.level]);
  out.level = (Object.keys(RANK) as PolicyLevel[])[level];
  if (level < RANK.Request) delete out.requestObject;
  if (level < RANK.RequestResponse) delete out.responseObject;
  if (d.omitManagedFields) {
    for (const k of ['requestObject', 'responseObject'] as const) {
      const b = out[k] as { metadata?: Record<string, unknown> } | undefined;
      if (b && typeof b === 'object' && b.metadata && 'managedFields' in b.metadata) {
        const { managedFields: _drop, ...rest } = b.metadata;
        void _drop;
        out[k] = { ...b, metadata: rest };
      }
    }
  }
  return out;
}

export interface RuleVolume {
  /** index of the rule, -1 for requests no rule matched */
  rule: number;
  level: PolicyLevel;
  /** events the input holds for requests this rule decides */
  events_in: number;
  bytes_in: number;
  /** what the policy writes of them */
  events_out: number;
  bytes_out: number;
}

/** Per rule: how many events and bytes of the input it decides and writes (JSON bytes). */
export function policyVolume(p: AuditPolicy, events: Iterable<AuditEvent>): RuleVolume[] {
  const rows = new Map<number, RuleVolume>();
  for (const ev of events) {
    const d = evaluatePolicy(p, attributesOf(ev));
    let row = rows.get(d.rule);
    if (!row) rows.set(d.rule, (row = { rule: d.rule, level: d.level, events_in: 0, bytes_in: 0, events_out: 0, bytes_out: 0 }));
    row.events_in++;
    row.bytes_in += JSON.stringify(ev).length + 1;
    const out = applyPolicy(p, ev);
    if (out) {
      row.events_out++;
      row.bytes_out += JSON.stringify(out).length + 1;
    }
  }
  return [...rows.values()].sort((a, b) => (a.rule < 0 ? 1 : b.rule < 0 ? -1 : a.rule - b.rule));
}

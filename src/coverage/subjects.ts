/**
 * Rules as coverage subjects. A rule that declares `tokenwatch.needs` is
 * judged by its declaration. A rule that declares nothing (a SigmaHQ or
 * user rule) gets needs derived from what its detection requires: for every
 * way the condition can be true (ignoring what it negates), the verbs and
 * resources it names exactly become "such events must appear", every other
 * field it tests positively becomes "those events must carry the field".
 */
import { extension, type RuleSpec } from '../ruleset/rule-spec.js';
import { compiledOf, type CBody, type CCond, type CFieldItem, type CValue, type SigmaCorrelation, type SigmaRule } from '../sigma/index.js';
import { parseNeeds, type EventSelector, type Need, type Needs } from './needs.js';
import type { CoverageSubject } from './report.js';

/** A conjunction of positive field items; a detection is an OR of them. */
type Conj = CFieldItem[];
type Dnf = Conj[];
const MAX_ALTERNATIVES = 32;

function cross(a: Dnf | null, b: Dnf | null): Dnf | null {
  if (a === null || b === null) return null;
  const out: Dnf = [];
  for (const x of a) for (const y of b) out.push([...x, ...y]);
  return out.length > MAX_ALTERNATIVES ? null : out;
}

function concat(ds: (Dnf | null)[]): Dnf | null {
  const out: Dnf = [];
  for (const d of ds) {
    if (d === null) return null;
    out.push(...d);
  }
  return out.length > MAX_ALTERNATIVES ? null : out;
}

const positiveItem = (it: CFieldItem): boolean => !it.values.every((v) => v.kind === 'null' || (v.kind === 'exists' && v.raw === false) || v.kind === 'neq');

function bodyDnf(b: CBody): Dnf {
  if (b.t === 'keyword') return [[]];
  if (b.t === 'map') return [b.items.filter((i): i is CFieldItem => i.t === 'field' && positiveItem(i))];
  return b.alts.map((a) => (a.t === 'map' ? a.items.filter((i): i is CFieldItem => i.t === 'field' && positiveItem(i)) : []));
}

function condDnf(c: CCond): Dnf | null {
  switch (c.t) {
    case 'and':
      return c.args.map(condDnf).reduce<Dnf | null>((acc, d) => cross(acc, d), [[]]);
    case 'or':
      return concat(c.args.map(condDnf));
    case 'not':
      return [[]]; // what a rule excludes requires nothing of the log
    case 'ref':
      return bodyDnf(c.sel.body);
    case 'of':
      return c.quant === 'one' ? concat(c.sels.map((s) => bodyDnf(s.body))) : c.sels.map((s) => bodyDnf(s.body)).reduce<Dnf | null>((acc, d) => cross(acc, d), [[]]);
  }
}

/** The literal values an item compares exactly (no wildcards, no other kinds), lowercased; null when any value is not one. */
function exactValues(it: CFieldItem): string[] | null {
  if (it.combine === 'all' && it.values.length > 1) return null;
  const out: string[] = [];
  for (const v of it.values as CValue[]) {
    if (v.kind !== 'pattern' || !v.patterns) return null;
    for (const p of v.patterns) {
      if (p.shape !== 'exact' || !p.tokens.every((t) => t.k === 'lit')) return null;
      out.push(p.tokens.map((t) => (t as { s: string }).s).join('').toLowerCase());
    }
  }
  return out;
}

function intersect(a: string[] | undefined, b: string[]): string[] {
  return a === undefined ? b : a.filter((x) => b.includes(x));
}

function conjNeeds(conj: Conj): Needs {
  let verbs: string[] | undefined;
  let resources: string[] | undefined;
  let subresources: string[] | undefined;
  const rest: CFieldItem[] = [];
  for (const it of conj) {
    const lit = exactValues(it);
    const path = it.paths.length === 1 ? it.paths[0] : undefined;
    if (lit && path === 'verb') verbs = intersect(verbs, lit);
    else if (lit && path === 'objectRef.resource') resources = intersect(resources, lit);
    else if (lit && path === 'objectRef.subresource') subresources = intersect(subresources, lit);
    else rest.push(it);
  }
  const sel: EventSelector = {};
  if (verbs) sel.verbs = [...new Set(verbs)];
  if (resources && subresources) sel.resources = resources.flatMap((r) => subresources!.map((s) => `${r}/${s}`));
  else if (resources) sel.resources = resources.map((r) => `${r}/*`);
  else if (subresources) sel.resources = subresources.map((s) => `*/${s}`);
  const hasSel = Boolean(sel.verbs || sel.resources);
  const needs: Needs = [];
  // contradictory exact values (verb create and verb delete) can never match
  if ((sel.verbs && sel.verbs.length === 0) || (sel.resources && sel.resources.length === 0)) return [{ events: { verbs: ['(none)'] }, reason: 'the detection requires contradictory values' }];
  if (hasSel) needs.push({ events: sel });
  const seen = new Set<string>();
  for (const it of rest) {
    const key = it.paths.join('|');
    if (seen.has(key) || key === 'verb') continue;
    seen.add(key);
    const n: Need = { field: it.paths.length === 1 ? it.paths[0]! : [...it.paths] };
    if (hasSel) n.on = sel;
    needs.push(n);
  }
  return needs;
}

/** Needs implied by a rule's detection; fields only when the detection is unavailable or too large to expand. */
export function deriveNeeds(rule: SigmaRule): Needs {
  const det = compiledOf(rule);
  const dnf = det ? concat(det.conditions.map(condDnf)) : null;
  if (dnf === null) return [];
  if (dnf.some((c) => c.length === 0)) return [];
  const alts = dnf.map(conjNeeds);
  const uniq = [...new Map(alts.map((a) => [JSON.stringify(a), a])).values()];
  if (uniq.length === 1) return uniq[0]!;
  return [{ anyOf: uniq }];
}

/** A rule as the coverage report judges it: declared needs, or needs derived from its detection. */
export function subjectFromRule(rule: RuleSpec): CoverageSubject {
  const ext = extension(rule.sigma.doc);
  const base = { id: rule.id, title: rule.ref.title, kind: 'rule' as const, fields: rule.sigma.fields };
  if (ext.needs !== undefined) {
    const { needs, errors } = parseNeeds(ext.needs, 'tokenwatch.needs');
    const s: CoverageSubject = { ...base, needs };
    if (errors.length) s.problems = errors.map((e) => `${rule.sigma.file}:${rule.sigma.line}: ${e}`);
    return s;
  }
  const needs = deriveNeeds(rule.sigma);
  // nothing derivable from the condition: at least the fields it reads must exist
  if (needs.length === 0 && !compiledOf(rule.sigma)) return { ...base, needs: rule.sigma.fields.map((f) => ({ field: f })), derived: true };
  return { ...base, needs, derived: true };
}

export function subjectsFromRules(rules: RuleSpec[]): CoverageSubject[] {
  return rules.map(subjectFromRule);
}

/** What the report needs of a stateful detector (src/detectors: `Detector`). */
export interface DetectorLike {
  ref: { id: string; title: string };
  needs: readonly unknown[];
}

/**
 * The `{kind, match, missing}` records the detectors declared before they
 * used `Need`, translated: `missing` is the reason; `events` with `match`
 * {verb, resource, subresource} → an events need; `reads` → get/list;
 * `credential-ids` → a JTI credential id on service-account requests;
 * `pod-binding-extras` → pod-name and node-name extras; `service-account-requests`
 * and `node-requests` → requests by those callers.
 */
function fromKindRecord(o: Record<string, unknown>): Need[] | string {
  const reason = typeof o.missing === 'string' ? o.missing : typeof o.reason === 'string' ? o.reason : undefined;
  const r: { reason?: string; optional?: boolean } = reason ? { reason } : {};
  // a detector that falls back without it (mint-to-use linking by time) is "partially" blind, not blind
  if (o.optional === true) r.optional = true;
  switch (o.kind) {
    case 'events': {
      const m = (o.match ?? {}) as Record<string, unknown>;
      const sel: EventSelector = {};
      if (typeof m.verb === 'string') sel.verbs = [m.verb];
      else if (Array.isArray(m.verbs)) sel.verbs = m.verbs.map(String);
      if (typeof m.resource === 'string') sel.resources = [typeof m.subresource === 'string' ? `${m.resource}/${m.subresource}` : `${m.resource}/*`];
      return [{ events: sel, ...r }];
    }
    case 'reads':
      return [{ events: { verbs: ['get', 'list'] }, ...r }];
    case 'credential-ids':
      return [{ extra: 'authentication.kubernetes.io/credential-id', prefix: 'JTI=', ...r }];
    case 'pod-binding-extras':
      return [
        { extra: 'authentication.kubernetes.io/pod-name', ...r },
        { extra: 'authentication.kubernetes.io/node-name', ...r },
      ];
    case 'service-account-requests':
      return [{ events: { actor: 'serviceaccount' }, ...r }];
    case 'node-requests':
      return [{ events: { actor: 'node' }, ...r }];
    default:
      return `unknown need kind ${JSON.stringify(o.kind)}`;
  }
}

/** A detector as the coverage report judges it. Its needs are `Need` objects (or the older kind records). */
export function subjectFromDetector(d: DetectorLike): CoverageSubject {
  const needs: Needs = [];
  const problems: string[] = [];
  d.needs.forEach((item, i) => {
    const o = item as Record<string, unknown>;
    if (o !== null && typeof o === 'object' && typeof o.kind === 'string' && !('events' in o || 'field' in o || 'extra' in o)) {
      const r = fromKindRecord(o);
      if (typeof r === 'string') problems.push(`${d.ref.id}: needs[${i}]: ${r}`);
      else needs.push(...r);
      return;
    }
    const p = parseNeeds([item], `${d.ref.id}: needs[${i}]`);
    needs.push(...p.needs);
    problems.push(...p.errors.map((e) => e.replace('[0]', '')));
  });
  const s: CoverageSubject = { id: d.ref.id, title: d.ref.title, kind: 'detector', needs };
  if (problems.length) s.problems = problems;
  return s;
}

/**
 * A correlation as the report judges it: it can fire only where the rules it
 * counts can. Temporal correlations need every rule's events (all needs at
 * once); counting correlations need only one rule's (any of them). A rule that
 * is itself a correlation is judged the same way, recursively.
 */
export function subjectFromCorrelation(c: SigmaCorrelation, ruleSubject: (r: SigmaRule) => CoverageSubject | undefined): CoverageSubject {
  const parts: Needs[] = [];
  for (const ref of c.refs) {
    const s = ref.kind === 'rule' ? ruleSubject(ref.rule) : subjectFromCorrelation(ref.correlation, ruleSubject);
    if (s) parts.push(s.needs);
  }
  const all = c.type === 'temporal' || c.type === 'temporal_ordered';
  const needs: Needs = all ? parts.flat() : parts.length === 1 ? parts[0]! : parts.some((p) => p.length === 0) ? [] : [{ anyOf: parts }];
  return { id: c.name ?? c.id, title: c.title, kind: 'rule', needs, derived: true };
}

/**
 * Why a rule did or did not match one event, as data: each selection, each
 * field with the value(s) the event holds there, the modifiers, the expected
 * values and which of them matched; each node of the condition with its
 * result; and the filters that suppress the match.
 *
 * Every verdict here is the result of the compiled predicate that matching
 * itself runs (tree.ts keeps them next to the rule's shape): the walk only
 * calls `test`, `all`, `one` and `read` of the compiled tree, so the
 * explanation cannot disagree with `rule.match`. The only extra work is
 * collecting which event values a per-value test accepted, for display.
 */
import type { AuditEvent } from '../event/types.js';
import type { Pos } from './errors.js';
import { compiledOf } from './registry.js';
import type { CBody, CCond, CFieldItem, CItem, CKeywordItem, CMap, CompiledDetection, CSelection, CValue } from './tree.js';
import type { SigmaFilter, SigmaRule } from './types.js';

export interface Where {
  line?: number;
  column?: number;
}

export interface ValueCheck extends Where {
  /** Readable form of the expected value (`'kube-system'`, `re /^a/`, `gte 400`, `exists: true`). */
  expected: string;
  kind: CValue['kind'];
  matched: boolean;
  /** For values judged one event value at a time: the event values it accepted. */
  matchedValues?: unknown[];
}

export interface ItemExplanation extends Where {
  kind: 'field' | 'keyword';
  /** The key as written (`user.username|startswith`); absent for plain keyword lists. */
  key?: string;
  /** The rule's field name and the event path(s) it reads after mapping. */
  field?: string;
  paths?: string[];
  modifiers: string[];
  /** `any`: one value must match (a list is OR); `all`: every value (`|all`). */
  combine: 'any' | 'all';
  /** Field items: every value found at the field (all mapped paths pooled). */
  seen?: unknown[];
  values: ValueCheck[];
  matched: boolean;
}

export interface MapExplanation extends Where {
  kind: 'map';
  /** All items must match (spec: sigma-rules-specification.md §Maps). */
  items: ItemExplanation[];
  matched: boolean;
}

export interface SelectionExplanation extends Where {
  name: string;
  /** `map`: all items; `list`: one alternative (spec §Lists); `keywords`: one keyword. */
  shape: 'map' | 'list' | 'keywords';
  alternatives: (MapExplanation | ItemExplanation)[];
  matched: boolean;
}

export interface ConditionExplanation extends Where {
  op: 'and' | 'or' | 'not' | 'selection' | 'of';
  /** The node as text: `selection`, `1 of failed_*`, `not system_identity`, `(a and b)`. */
  text: string;
  matched: boolean;
  args?: ConditionExplanation[];
  /** For `x of`: the selections the pattern chose. */
  selections?: string[];
}

export interface DetectionExplanation {
  matched: boolean;
  /** One per written condition; several are OR-ed. */
  conditions: ConditionExplanation[];
  selections: SelectionExplanation[];
}

export interface FilterExplanation {
  id: string;
  name?: string;
  title: string;
  file: string;
  line: number;
  /** True when the filter's condition holds, i.e. it hides the rule's match. */
  suppresses: boolean;
  detection?: DetectionExplanation;
}

export interface RuleExplanation {
  rule: { id: string; name?: string; title: string; file: string; line: number };
  /** The detection's verdict: exactly `rule.match(event)`. */
  matched: boolean;
  detection?: DetectionExplanation;
  filters: FilterExplanation[];
  /** Ids (or names) of the filters that suppress the match. */
  suppressedBy: string[];
  /** Matched and not suppressed: the rule fires on this event. */
  fires: boolean;
}

function at(pos: Pos | undefined): Where {
  const w: Where = {};
  if (pos && pos.line > 0) {
    w.line = pos.line;
    if (pos.col > 0) w.column = pos.col;
  }
  return w;
}

/** Every string value anywhere in the event, for showing which keyword matched (keywords search string values; spec §Keywords). */
function strings(node: unknown, out: string[], depth: number): void {
  if (typeof node === 'string') out.push(node);
  else if (node !== null && typeof node === 'object' && depth <= 64) {
    if (Array.isArray(node)) for (const x of node) strings(x, out, depth + 1);
    else for (const k of Object.keys(node)) strings((node as Record<string, unknown>)[k], out, depth + 1);
  }
}

function checkValues(values: CValue[], seen: unknown[], ev: AuditEvent): ValueCheck[] {
  return values.map((v) => {
    const c: ValueCheck = { expected: v.describe, kind: v.kind, matched: v.all(seen, ev), ...at(v.pos) };
    if (v.perValue) c.matchedValues = seen.filter((x) => v.one(x));
    return c;
  });
}

function fieldItem(it: CFieldItem, ev: AuditEvent): ItemExplanation {
  const seen = it.read(ev);
  return {
    kind: 'field',
    key: it.key,
    field: it.field,
    paths: it.paths,
    modifiers: it.mods.names,
    combine: it.combine,
    seen,
    values: checkValues(it.values, seen, ev),
    matched: it.test(ev),
    ...at(it.pos),
  };
}

function keywordItem(it: CKeywordItem, ev: AuditEvent): ItemExplanation {
  const all: string[] = [];
  strings(ev, all, 0);
  const out: ItemExplanation = {
    kind: 'keyword',
    modifiers: it.mods?.names ?? [],
    combine: it.combine,
    values: it.values.map((v) => {
      const hits = all.filter((s) => v.one(s));
      return { expected: v.describe, kind: v.kind, matched: hits.length > 0, matchedValues: hits, ...at(v.pos) };
    }),
    matched: it.test(ev),
    ...at(it.pos),
  };
  if (it.key !== undefined) out.key = it.key;
  return out;
}

function item(it: CItem, ev: AuditEvent): ItemExplanation {
  return it.t === 'field' ? fieldItem(it, ev) : keywordItem(it, ev);
}

function mapOf(m: CMap, ev: AuditEvent): MapExplanation {
  return { kind: 'map', items: m.items.map((i) => item(i, ev)), matched: m.test(ev), ...at(m.pos) };
}

function body(b: CBody, ev: AuditEvent): { shape: SelectionExplanation['shape']; alternatives: (MapExplanation | ItemExplanation)[] } {
  if (b.t === 'map') return { shape: 'map', alternatives: [mapOf(b, ev)] };
  if (b.t === 'keyword') return { shape: 'keywords', alternatives: [keywordItem(b, ev)] };
  return { shape: 'list', alternatives: b.alts.map((a) => (a.t === 'map' ? mapOf(a, ev) : keywordItem(a, ev))) };
}

function selection(s: CSelection, ev: AuditEvent): SelectionExplanation {
  return { name: s.name, ...body(s.body, ev), matched: s.test(ev), ...at(s.pos) };
}

function condText(c: CCond, top = true): string {
  switch (c.t) {
    case 'ref':
      return c.name;
    case 'of':
      return `${c.quant === 'one' ? '1' : 'all'} of ${c.pattern}`;
    case 'not':
      return `not ${condText(c.arg, false)}`;
    case 'and':
    case 'or': {
      const s = c.args.map((a) => condText(a, false)).join(` ${c.t} `);
      return top ? s : `(${s})`;
    }
  }
}

function condition(c: CCond, ev: AuditEvent, top = true): ConditionExplanation {
  const base = { text: condText(c, top), matched: c.test(ev), ...at(c.pos) };
  switch (c.t) {
    case 'ref':
      return { op: 'selection', ...base };
    case 'of':
      return { op: 'of', ...base, selections: c.sels.map((s) => s.name) };
    case 'not':
      return { op: 'not', ...base, args: [condition(c.arg, ev, false)] };
    case 'and':
    case 'or':
      return { op: c.t, ...base, args: c.args.map((a) => condition(a, ev, false)) };
  }
}

/** Explains a compiled detection on one event. */
export function explainDetection(det: CompiledDetection, ev: AuditEvent): DetectionExplanation {
  return {
    matched: det.test(ev),
    conditions: det.conditions.map((c) => condition(c, ev)),
    selections: det.selections.map((s) => selection(s, ev)),
  };
}

/** Explains a filter on one event: does it suppress a match, and why. */
export function explainFilter(f: SigmaFilter, ev: AuditEvent): FilterExplanation {
  const det = compiledOf(f);
  const out: FilterExplanation = { id: f.id, title: f.title, file: f.file, line: f.line, suppresses: f.suppresses(ev) };
  if (f.name !== undefined) out.name = f.name;
  if (det) out.detection = explainDetection(det, ev);
  return out;
}

/**
 * Explains a rule on one event: its detection, and the filters (those that
 * apply to it, as the caller's rule set assembled them) that would hide a match.
 */
export function explainRule(rule: SigmaRule, ev: AuditEvent, filters: readonly SigmaFilter[] = []): RuleExplanation {
  const det = compiledOf(rule);
  const matched = rule.match(ev);
  const fx = filters.map((f) => explainFilter(f, ev));
  const suppressedBy = fx.filter((f) => f.suppresses).map((f) => f.name ?? f.id);
  const r: RuleExplanation['rule'] = { id: rule.id, title: rule.title, file: rule.file, line: rule.line };
  if (rule.name !== undefined) r.name = rule.name;
  const out: RuleExplanation = { rule: r, matched, filters: fx, suppressedBy, fires: matched && suppressedBy.length === 0 };
  if (det) out.detection = explainDetection(det, ev);
  return out;
}

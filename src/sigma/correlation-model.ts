/**
 * Sigma correlation rules (spec: sigma-correlation-rules-specification.md,
 * Sigma 2.1): the document model, its checks, and the resolution of the
 * `rules` it references (by `id` or `name`, detection rules or other
 * correlations, so correlations chain).
 *
 * What is checked, each error naming file, line and column of the construct:
 *  - `correlation.type` is one of event_count, value_count, temporal,
 *    temporal_ordered, value_sum, value_avg (§Correlation type; the two metric
 *    types of 2.1). `value_percentile` is rejected: the specification gives it
 *    no percentile parameter, so `condition: {field, lte: 1}` has no single
 *    meaning an engine could implement without guessing.
 *  - `rules` is a non-empty list of strings, each naming a loaded rule or
 *    correlation (§Related rules); a filter, an unknown name or a cycle is an error.
 *  - `group-by` is a list of field names (§Grouping); it is mandatory, an empty
 *    list is one group for all matches.
 *  - `timespan` is a positive number followed by one lowercase letter s, m, h
 *    or d (§Time Selection); `1h30m`, `90`, `5M`, `0s` are errors.
 *  - `condition` is a map of gt/gte/lt/lte/eq/neq to numbers, combined with AND
 *    (§Condition); value_* types require `field` in it (§Value Count); temporal
 *    types may leave it out, meaning "all referenced rules".
 *  - `aliases` map an alias to {rule name: field} (§Field Name Aliases); every
 *    rule a used alias covers must be one of `rules`, and a group-by alias must
 *    name a field for every referenced rule.
 *  - `generate` is a boolean (§Generate).
 *
 * Relating the account a token was minted for to that account's own later
 * requests: a TokenRequest event names the account in its objectRef, which
 * tokenwatch derives as `tokenwatch.target_account`
 * (`system:serviceaccount:NS:NAME`); a request made with the token carries the
 * same string in `user.username`. An alias puts both under one group-by name:
 *
 *     correlation:
 *         type: temporal_ordered
 *         rules: [tokenrequest-mint-succeeded, sa-used-from-outside]
 *         group-by: [account]
 *         aliases:
 *             account:
 *                 tokenrequest-mint-succeeded: tokenwatch.target_account
 *                 sa-used-from-outside: user.username
 *         timespan: 1h
 *
 * (docs/correlations.md has the whole example.)
 */
import { Diagnostics } from './errors.js';
import type { Pos, SigmaError } from './errors.js';
import { LEVELS, Reader, readRelated, STATUS } from './rule-model.js';
import type { SigmaFilter, SigmaRule } from './types.js';
import { entry, kindName } from './yaml-source.js';
import type { SEntry, SMap, SNode } from './yaml-source.js';

export type CorrelationType = 'event_count' | 'value_count' | 'temporal' | 'temporal_ordered' | 'value_sum' | 'value_avg';
export type CompareOp = 'gt' | 'gte' | 'lt' | 'lte' | 'eq' | 'neq';

export const CORRELATION_TYPES: readonly CorrelationType[] = ['event_count', 'value_count', 'temporal', 'temporal_ordered', 'value_sum', 'value_avg'];
const COMPARE_OPS: readonly CompareOp[] = ['gt', 'gte', 'lt', 'lte', 'eq', 'neq'];

export interface CorrelationCondition {
  /** All must hold (spec §Condition: "To define a range, you can use the conjunction 'AND' in the mapping"). */
  ops: { op: CompareOp; value: number }[];
  /** The field whose values are counted, summed or averaged (value_* types). */
  field?: string;
  /** True when the document gave no condition (temporal types: every referenced rule must match). */
  implicit: boolean;
}

/** A resolved entry of `rules`: a detection rule or another correlation. */
export type CorrelationRef = { kind: 'rule'; name: string; rule: SigmaRule } | { kind: 'correlation'; name: string; correlation: SigmaCorrelation };

export interface SigmaCorrelation {
  /** The correlation's `id`; when it has none, `file:line` of its document. */
  id: string;
  name?: string;
  title: string;
  status?: string;
  description?: string;
  author?: string;
  date?: string;
  modified?: string;
  level?: string;
  tags: string[];
  references: string[];
  falsepositives: string[];
  type: CorrelationType;
  /** `rules` as written: ids or names. */
  rules: string[];
  /** What each entry of `rules` names, in the same order (filled by the loader; a correlation it cannot resolve is not returned). */
  refs: CorrelationRef[];
  groupBy: string[];
  /** As written (`10m`). */
  timespan: string;
  timespanMs: number;
  condition: CorrelationCondition;
  /** alias → rule name (or id) → field. */
  aliases: Record<string, Record<string, string>>;
  /** Whether the referenced rules still alert on their own (spec §Generate; default false). */
  generate: boolean;
  file: string;
  line: number;
  /** The whole YAML document as plain data (custom attributes like `tokenwatch:` live here). */
  doc: Record<string, unknown>;
}

/** Where the parts of a correlation were written, for errors found when resolving it. */
interface Places {
  doc: Pos;
  rules: (Pos | undefined)[];
  groupBy: (Pos | undefined)[];
  /** alias → rule key → position of the key */
  aliasKeys: Map<string, Map<string, Pos | undefined>>;
  aliasPos: Map<string, Pos | undefined>;
  field?: Pos;
  type?: Pos;
}

const places = new WeakMap<SigmaCorrelation, Places>();

const TIMESPAN = /^([1-9][0-9]*)([smhd])$/;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `10m` → 600000; undefined when the text is not `number + letter (in lowercase)` of s, m, h, d (spec §Time Selection). */
export function parseTimespan(text: string): number | undefined {
  const m = TIMESPAN.exec(text);
  if (!m) return undefined;
  const ms = Number(m[1]) * UNIT_MS[m[2]!]!;
  return Number.isSafeInteger(ms) ? ms : undefined;
}

function posOf(n: SNode | undefined, e?: SEntry): Pos | undefined {
  return n?.pos ?? e?.keyPos;
}

function stringList(e: SEntry, diag: Diagnostics, where: string): { values: string[]; pos: (Pos | undefined)[] } | undefined {
  const v = e.value;
  if (v.kind !== 'seq') {
    diag.error(`${where} must be a list of strings, not ${kindName(v)}`, posOf(v, e));
    return undefined;
  }
  const values: string[] = [];
  const pos: (Pos | undefined)[] = [];
  let ok = true;
  for (const it of v.items) {
    if (it.kind === 'scalar' && (typeof it.value === 'string' || typeof it.value === 'number') && it.text !== '') {
      values.push(it.text);
      pos.push(it.pos);
    } else {
      diag.error(`${where} must be a list of strings, found ${kindName(it)}`, posOf(it, e));
      ok = false;
    }
  }
  return ok ? { values, pos } : undefined;
}

function readCondition(
  type: CorrelationType | undefined,
  e: SEntry | undefined,
  corr: SMap,
  diag: Diagnostics,
  nRules: number,
): { cond: CorrelationCondition; fieldPos?: Pos } | undefined {
  const needsField = type === 'value_count' || type === 'value_sum' || type === 'value_avg';
  const temporal = type === 'temporal' || type === 'temporal_ordered';
  if (!e) {
    if (temporal) return { cond: { ops: [{ op: 'gte', value: nRules }], implicit: true } };
    diag.error(`correlation: 'condition' is mandatory for type ${type ?? '?'} (spec: sigma-correlation-rules-specification.md §Condition)`, corr.pos);
    return undefined;
  }
  const v = e.value;
  if (v.kind !== 'map' || v.entries.length === 0) {
    diag.error(`correlation: 'condition' must be a map of gt, gte, lt, lte, eq, neq (and 'field'), not ${v.kind === 'map' ? 'an empty map' : kindName(v)} (spec §Condition)`, posOf(v, e));
    return undefined;
  }
  const ops: { op: CompareOp; value: number }[] = [];
  let field: string | undefined;
  let fieldPos: Pos | undefined;
  let ok = true;
  for (const c of v.entries) {
    if (c.key === 'field') {
      if (c.value.kind === 'scalar' && typeof c.value.value === 'string' && c.value.value !== '') {
        field = c.value.value;
        fieldPos = c.value.pos ?? c.keyPos;
      } else {
        const list = c.value.kind === 'seq' ? ' (a list of fields is not supported: correlate on one field)' : '';
        diag.error(`correlation: condition 'field' must be a field name, not ${kindName(c.value)}${list}`, posOf(c.value, c));
        ok = false;
      }
      continue;
    }
    if (!(COMPARE_OPS as readonly string[]).includes(c.key)) {
      diag.error(`correlation: unknown condition operator '${c.key}' (expected gt, gte, lt, lte, eq, neq or field; spec §Condition)`, c.keyPos);
      ok = false;
      continue;
    }
    const n = c.value.kind === 'scalar' ? c.value.value : undefined;
    if (typeof n !== 'number' || !Number.isFinite(n)) {
      diag.error(`correlation: condition '${c.key}' must be a number, not ${kindName(c.value)}`, posOf(c.value, c));
      ok = false;
      continue;
    }
    if (!needsField && !Number.isInteger(n)) {
      diag.error(`correlation: condition '${c.key}' counts ${temporal ? 'rules' : 'events'}, so it must be an integer, not ${n}`, posOf(c.value, c));
      ok = false;
      continue;
    }
    ops.push({ op: c.key as CompareOp, value: n });
  }
  if (!ok) return undefined;
  if (needsField && field === undefined) {
    diag.error(`correlation: type ${type} requires 'field' in its condition: the field whose values are ${type === 'value_count' ? 'counted' : type === 'value_sum' ? 'summed' : 'averaged'} (spec §Value Count)`, posOf(v, e));
    return undefined;
  }
  if (!needsField && field !== undefined) {
    diag.error(`correlation: 'field' has no meaning for type ${type ?? '?'}: only value_count, value_sum and value_avg count or aggregate a field`, fieldPos);
    return undefined;
  }
  if (ops.length === 0) {
    diag.error("correlation: 'condition' needs at least one of gt, gte, lt, lte, eq, neq (spec §Condition)", posOf(v, e));
    return undefined;
  }
  const cond: CorrelationCondition = { ops, implicit: false };
  if (field !== undefined) cond.field = field;
  return fieldPos ? { cond, fieldPos } : { cond };
}

/** Checks a correlation document; undefined (errors in `diag`) when anything is wrong. References are resolved later, by `resolveCorrelations`. */
export function buildCorrelation(map: SMap, data: Record<string, unknown>, file: string, pos: Pos, diag: Diagnostics): SigmaCorrelation | undefined {
  const before = diag.count;
  const r = new Reader(map, diag, 'correlation rule');
  const title = r.str('title', true);
  if (title !== undefined && title.length > 256) diag.error("correlation rule: 'title' is longer than 256 characters (spec: sigma-correlation-rules-specification.md §Title)", entry(map, 'title')!.value.pos);
  const id = r.str('id');
  const name = r.str('name');
  const status = r.oneOf('status', STATUS, 'sigma-correlation-rules-specification.md §Status');
  const description = r.str('description');
  const author = r.str('author');
  const date = r.date('date');
  const modified = r.date('modified');
  const level = r.oneOf('level', LEVELS, 'sigma-correlation-rules-specification.md §Level');
  const tags = r.list('tags');
  const references = r.list('references');
  const falsepositives = r.list('falsepositives', true);
  r.str('license');
  r.str('taxonomy');
  readRelated(r);
  for (const k of ['detection', 'filter', 'logsource']) {
    const e = entry(map, k);
    if (e) diag.error(`correlation rule: '${k}' does not belong in a correlation rule: a correlation refers to rules by 'correlation.rules' (spec: sigma-correlation-rules-specification.md §Syntax)`, e.keyPos);
  }
  let generate = false;
  const ge = entry(map, 'generate');
  if (ge) {
    if (ge.value.kind === 'scalar' && typeof ge.value.value === 'boolean') generate = ge.value.value;
    else diag.error(`correlation rule: 'generate' must be true or false, not ${kindName(ge.value)} (spec §Generate)`, posOf(ge.value, ge));
  }

  const ce = r.map_('correlation', true);
  let type: CorrelationType | undefined;
  let typePos: Pos | undefined;
  let rules: string[] = [];
  let rulePos: (Pos | undefined)[] = [];
  let groupBy: string[] = [];
  let groupPos: (Pos | undefined)[] = [];
  let timespan: string | undefined;
  let timespanMs: number | undefined;
  let cond: { cond: CorrelationCondition; fieldPos?: Pos } | undefined;
  const aliases: Record<string, Record<string, string>> = {};
  const aliasKeys = new Map<string, Map<string, Pos | undefined>>();
  const aliasPos = new Map<string, Pos | undefined>();
  if (ce) {
    const cm = ce.map;
    const te = entry(cm, 'type');
    if (!te) diag.error("correlation: 'type' is mandatory (spec: sigma-correlation-rules-specification.md §Correlation type)", cm.pos);
    else {
      typePos = posOf(te.value, te);
      const tv = te.value.kind === 'scalar' ? te.value.value : undefined;
      if (typeof tv === 'string' && (CORRELATION_TYPES as readonly string[]).includes(tv)) type = tv as CorrelationType;
      else if (tv === 'value_percentile') {
        diag.error(
          "correlation: type 'value_percentile' is not supported: the specification defines no percentile parameter, so its condition has no single meaning (use value_count, value_sum or value_avg)",
          typePos,
        );
      } else diag.error(`correlation: 'type' must be one of ${CORRELATION_TYPES.join(', ')}, not ${typeof tv === 'string' ? `'${tv}'` : kindName(te.value)} (spec §Correlation type)`, typePos);
    }
    const re = entry(cm, 'rules');
    if (!re) diag.error("correlation: 'rules' is mandatory: the ids or names of the rules it correlates (spec: sigma-correlation-rules-specification.md §Related rules)", cm.pos);
    else {
      const l = stringList(re, diag, "correlation: 'rules'");
      if (l) {
        if (l.values.length === 0) diag.error("correlation: 'rules' must name at least one rule", posOf(re.value, re));
        const seen = new Set<string>();
        l.values.forEach((v, i) => {
          if (seen.has(v)) diag.error(`correlation: rule '${v}' is listed twice in 'rules'`, l.pos[i]);
          seen.add(v);
        });
        rules = l.values;
        rulePos = l.pos;
      }
    }
    const gb = entry(cm, 'group-by');
    if (!gb) diag.error("correlation: 'group-by' is mandatory (spec: sigma-correlation-rules-specification.md §Grouping); write 'group-by: []' for one group of all matches", cm.pos);
    else {
      const l = stringList(gb, diag, "correlation: 'group-by'");
      if (l) {
        const seen = new Set<string>();
        l.values.forEach((v, i) => {
          if (seen.has(v)) diag.error(`correlation: field '${v}' is listed twice in 'group-by'`, l.pos[i]);
          seen.add(v);
        });
        groupBy = l.values;
        groupPos = l.pos;
      }
    }
    const ts = entry(cm, 'timespan');
    if (!ts) diag.error("correlation: 'timespan' is mandatory (spec: sigma-correlation-rules-specification.md §Time Selection)", cm.pos);
    else {
      const text = ts.value.kind === 'scalar' ? ts.value.text : undefined;
      const ms = ts.value.kind === 'scalar' && typeof ts.value.value === 'string' && text !== undefined ? parseTimespan(text) : undefined;
      if (ms === undefined) {
        diag.error(
          `correlation: bad timespan ${text !== undefined && text !== '' ? `'${text}'` : kindName(ts.value)}: write a positive number and one lowercase letter s, m, h or d, e.g. 90m (spec: sigma-correlation-rules-specification.md §Time Selection)`,
          posOf(ts.value, ts),
        );
      } else {
        timespan = text;
        timespanMs = ms;
      }
    }
    const ae = entry(cm, 'aliases');
    if (ae) {
      if (ae.value.kind !== 'map') diag.error(`correlation: 'aliases' must be a map of alias → {rule name: field}, not ${kindName(ae.value)} (spec §Field Name Aliases)`, posOf(ae.value, ae));
      else {
        for (const a of ae.value.entries) {
          aliasPos.set(a.key, a.keyPos);
          if (a.value.kind !== 'map' || a.value.entries.length === 0) {
            diag.error(`correlation: alias '${a.key}' must map rule names to field names (spec §Field Name Aliases)`, posOf(a.value, a));
            continue;
          }
          const m: Record<string, string> = {};
          const keys = new Map<string, Pos | undefined>();
          for (const f of a.value.entries) {
            if (f.value.kind === 'scalar' && typeof f.value.value === 'string' && f.value.value !== '') {
              m[f.key] = f.value.value;
              keys.set(f.key, f.keyPos);
            } else diag.error(`correlation: alias '${a.key}': the field for rule '${f.key}' must be a field name, not ${kindName(f.value)}`, posOf(f.value, f));
          }
          aliases[a.key] = m;
          aliasKeys.set(a.key, keys);
        }
      }
    }
    const known = new Set(['type', 'rules', 'group-by', 'timespan', 'condition', 'aliases', 'generate']);
    for (const e of cm.entries) {
      if (e.key === 'generate') diag.error("correlation: 'generate' belongs at the top level of the document, next to 'correlation' (spec §Generate)", e.keyPos);
      else if (e.key === 'field') diag.error("correlation: 'field' belongs inside 'condition' (spec: sigma-correlation-rules-specification.md §Value Count)", e.keyPos);
      else if (!known.has(e.key)) diag.error(`correlation: unknown attribute '${e.key}' (expected type, rules, group-by, timespan, condition, aliases)`, e.keyPos);
    }
    if (type) cond = readCondition(type, entry(cm, 'condition'), cm, diag, rules.length);
  }
  if (diag.count > before || title === undefined || !type || !cond || timespan === undefined || timespanMs === undefined) return undefined;
  const c: SigmaCorrelation = {
    id: id ?? `${file}:${pos.line}`,
    title,
    tags,
    references,
    falsepositives,
    type,
    rules,
    refs: [],
    groupBy,
    timespan,
    timespanMs,
    condition: cond.cond,
    aliases,
    generate,
    file,
    line: pos.line,
    doc: data,
  };
  if (name !== undefined) c.name = name;
  if (status !== undefined) c.status = status;
  if (description !== undefined) c.description = description;
  if (author !== undefined) c.author = author;
  if (date !== undefined) c.date = date;
  if (modified !== undefined) c.modified = modified;
  if (level !== undefined) c.level = level;
  const p: Places = { doc: pos, rules: rulePos, groupBy: groupPos, aliasKeys, aliasPos };
  if (cond.fieldPos) p.field = cond.fieldPos;
  if (typePos) p.type = typePos;
  places.set(c, p);
  return c;
}

/** Whether a rule or correlation is named `key` by id or name. */
function named(x: { id: string; name?: string }, key: string): boolean {
  return x.id === key || x.name === key;
}

/**
 * The field a correlation reads for `groupField` (a group-by name or the
 * condition's field) in matches of the `i`th referenced rule: the alias's
 * field for that rule when `groupField` is an alias, else `groupField` itself.
 */
export function fieldFor(c: SigmaCorrelation, groupField: string, i: number): string {
  const alias = c.aliases[groupField];
  if (!alias) return groupField;
  const ref = c.refs[i]!;
  const keyOf = ref.kind === 'rule' ? ref.rule : ref.correlation;
  for (const k of [keyOf.name, keyOf.id, c.rules[i]!]) if (k !== undefined && Object.prototype.hasOwnProperty.call(alias, k)) return alias[k]!;
  return groupField;
}

export interface Resolvable {
  rules: readonly SigmaRule[];
  filters: readonly SigmaFilter[];
  correlations: readonly SigmaCorrelation[];
}

/**
 * Resolves every correlation's `rules` against the rules and correlations
 * loaded with it (and `external` ones, e.g. the built-in rules when loading a
 * user's folder). Returns the correlations that resolved; the others are
 * reported in `errors` and left out, and so is every correlation that
 * references one of them.
 */
export function resolveCorrelations(loaded: Resolvable, external: { rules?: readonly SigmaRule[]; correlations?: readonly SigmaCorrelation[] }, errors: SigmaError[]): SigmaCorrelation[] {
  const rules = [...loaded.rules, ...(external.rules ?? [])];
  const corrs = [...loaded.correlations, ...(external.correlations ?? [])];
  const err = (c: SigmaCorrelation, message: string, pos?: Pos): void => {
    const e: SigmaError = { file: c.file, message };
    const p = pos && pos.line > 0 ? pos : places.get(c)?.doc;
    if (p && p.line > 0) {
      e.line = p.line;
      if (p.col > 0) e.column = p.col;
    }
    errors.push(e);
  };
  const bad = new Set<SigmaCorrelation>();
  // 1. each reference names exactly one rule or correlation
  for (const c of loaded.correlations) {
    const pl = places.get(c);
    const refs: CorrelationRef[] = [];
    c.rules.forEach((key, i) => {
      const at = pl?.rules[i];
      const rule = rules.find((r) => named(r, key));
      const corr = corrs.find((x) => named(x, key));
      if (corr === c) {
        err(c, `correlation: '${key}' in 'rules' is this correlation itself`, at);
        bad.add(c);
      } else if (rule && corr) {
        err(c, `correlation: '${key}' in 'rules' is ambiguous: it names the rule at ${rule.file}:${rule.line} and the correlation at ${corr.file}:${corr.line}`, at);
        bad.add(c);
      } else if ((rule || corr) && refs.some((x) => (x.kind === 'rule' ? x.rule : x.correlation) === (rule ?? corr))) {
        err(c, `correlation: '${key}' in 'rules' names a rule already listed (by its id or name); each rule counts once`, at);
        bad.add(c);
      } else if (rule) refs.push({ kind: 'rule', name: key, rule });
      else if (corr) refs.push({ kind: 'correlation', name: key, correlation: corr });
      else {
        const f = loaded.filters.find((x) => named(x, key));
        err(
          c,
          f
            ? `correlation: '${key}' in 'rules' is a filter (${f.file}:${f.line}); a correlation refers to detection rules or correlations (spec §Related rules)`
            : `correlation: unknown rule reference '${key}': no loaded rule or correlation has this id or name (spec: sigma-correlation-rules-specification.md §Related rules)`,
          at,
        );
        bad.add(c);
      }
    });
    if (!bad.has(c)) c.refs = refs;
  }
  // 2. aliases, group-by over chained correlations, value fields
  for (const c of loaded.correlations) {
    if (bad.has(c)) continue;
    const pl = places.get(c);
    for (const [alias, m] of Object.entries(c.aliases)) {
      for (const key of Object.keys(m)) {
        const i = c.refs.findIndex((r) => r.name === key || named(r.kind === 'rule' ? r.rule : r.correlation, key));
        if (i < 0) {
          err(c, `correlation: alias '${alias}' names '${key}', which is not one of this correlation's rules (${c.rules.join(', ')}) (spec §Field Name Aliases)`, pl?.aliasKeys.get(alias)?.get(key));
          bad.add(c);
        }
      }
    }
    const aliased = (f: string, pos: Pos | undefined, what: string): void => {
      const m = c.aliases[f];
      if (!m) return;
      c.refs.forEach((r, i) => {
        const target = r.kind === 'rule' ? r.rule : r.correlation;
        if (![target.name, target.id, c.rules[i]!].some((k) => k !== undefined && Object.prototype.hasOwnProperty.call(m, k))) {
          err(c, `correlation: ${what} '${f}' is an alias, but the alias names no field for rule '${c.rules[i]}' (spec §Field Name Aliases)`, pos ?? pl?.aliasPos.get(f));
          bad.add(c);
        }
      });
    };
    c.groupBy.forEach((g, gi) => aliased(g, pl?.groupBy[gi], 'group-by field'));
    if (c.condition.field !== undefined) aliased(c.condition.field, pl?.field, 'condition field');
    c.refs.forEach((r, i) => {
      if (r.kind !== 'correlation') return;
      if (c.condition.field !== undefined) {
        err(c, `correlation: type ${c.type} reads the field '${c.condition.field}' of each event, but '${c.rules[i]}' is a correlation, whose matches are groups, not events; correlate on its base rules instead`, pl?.rules[i]);
        bad.add(c);
        return;
      }
      for (const [gi, g] of c.groupBy.entries()) {
        const f = fieldFor(c, g, i);
        if (!r.correlation.groupBy.includes(f)) {
          err(
            c,
            `correlation: group-by field '${f}' is not a group-by field of the chained correlation '${c.rules[i]}' (${r.correlation.groupBy.join(', ') || 'none'}), so its matches have no value for it`,
            pl?.groupBy[gi],
          );
          bad.add(c);
        }
      }
    });
  }
  // 3. cycles and correlations built on broken ones
  const state = new Map<SigmaCorrelation, 'visiting' | 'done'>();
  const visit = (c: SigmaCorrelation, path: SigmaCorrelation[]): boolean => {
    if (bad.has(c)) return false;
    const s = state.get(c);
    if (s === 'done') return true;
    if (s === 'visiting') {
      const cycle = [...path.slice(path.indexOf(c)), c].map((x) => x.name ?? x.id).join(' → ');
      err(c, `correlation: chained correlations form a cycle: ${cycle}`, places.get(c)?.doc);
      bad.add(c);
      return false;
    }
    state.set(c, 'visiting');
    let ok = true;
    c.refs.forEach((r, i) => {
      if (r.kind !== 'correlation') return;
      if (!loaded.correlations.includes(r.correlation) && !(external.correlations ?? []).includes(r.correlation)) return;
      if (!visit(r.correlation, [...path, c])) {
        if (!bad.has(c)) err(c, `correlation: '${c.rules[i]}' in 'rules' is a correlation that has errors`, places.get(c)?.rules[i]);
        ok = false;
      }
    });
    state.set(c, 'done');
    if (!ok) bad.add(c);
    return ok;
  };
  for (const c of loaded.correlations) visit(c, []);
  return loaded.correlations.filter((c) => !bad.has(c));
}

/**
 * Ids and names of the rules and correlations whose own matches must not
 * become alerts: those referenced by at least one correlation and by none
 * that says `generate: true` (spec §Generate: the referenced rules are
 * "converted as stand-alone rules" only when asked; "only the correlation
 * query should be generated (default)"). A rule referenced by one correlation
 * with generate: true alerts on its own.
 */
export function baseRulesWithoutAlerts(correlations: readonly SigmaCorrelation[]): Set<string> {
  const generated = new Set<object>();
  const referenced = new Set<SigmaRule | SigmaCorrelation>();
  for (const c of correlations) {
    for (const r of c.refs) {
      const target = r.kind === 'rule' ? r.rule : r.correlation;
      referenced.add(target);
      if (c.generate) generated.add(target);
    }
  }
  const out = new Set<string>();
  for (const t of referenced) {
    if (generated.has(t)) continue;
    out.add(t.id);
    if (t.name !== undefined) out.add(t.name);
  }
  return out;
}

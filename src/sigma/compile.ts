/**
 * Detection → predicates, once per rule. Everything that can be decided
 * without an event is decided here: modifiers validated, values unescaped,
 * lowercased, encoded and expanded, regular expressions and networks built,
 * field names mapped and their getters compiled. The compiled tree keeps the
 * shape of the rule (selections, maps, items, values, each with its source
 * position) so that `explain` and the prefilter can walk it later.
 */
import { compileField } from '../event/fields.js';
import type { FieldGetter } from '../event/fields.js';
import { DERIVED_PREFIX } from '../event/derived.js';
import type { AuditEvent } from '../event/types.js';
import { ConditionSyntaxError, identifierMatches, parseCondition } from './condition.js';
import type { CondAst } from './condition.js';
import { SigmaCompileError, shift } from './errors.js';
import type { Diagnostics, Pos } from './errors.js';
import { inNetwork, parseNetwork } from './ip.js';
import type { Network } from './ip.js';
import { parseKey } from './modifiers.js';
import type { Compare, ModSet, TimePart } from './modifiers.js';
import { compileRegex } from './regex.js';
import type { DetectionModel } from './rule-model.js';
import { timePart } from './timeparts.js';
import { base64, base64Offsets, encodeBytes, windashClasses, windashPermutations } from './transforms.js';
import {
  compilePattern,
  foldCode,
  foldString,
  hasWildcards,
  literalPattern,
  numberPrintedAs,
  numericValue,
  parseWildcard,
  patternText,
  showPattern,
  wrapStars,
} from './values.js';
import type { PatternInfo, PatTok, StringMatcher } from './values.js';
import type { ScalarValue, SEntry, SNode, SScalar } from './yaml-source.js';
import { kindName } from './yaml-source.js';

export interface CompileOptions {
  fieldMapping?: Record<string, string | string[]>;
  fieldPrefix?: string;
  placeholders?: Record<string, string[]>;
}

type Pred = (ev: AuditEvent) => boolean;

// ---- the compiled tree ------------------------------------------------------

/** One value of a detection item, as written, with its compiled test. */
export interface CValue {
  kind: 'pattern' | 'number' | 'boolean' | 'null' | 're' | 'cidr' | 'compare' | 'time' | 'exists' | 'fieldref' | 'neq';
  /** The value as written in the rule. */
  raw: ScalarValue;
  pos?: Pos;
  /** For `pattern`: the alternatives one written value became (expand, windash, base64offset). */
  patterns?: PatternInfo[];
  /** For `number`: the folded string forms that match (as written, and as printed). */
  forms?: string[];
  /** For `neq`: the equality it negates. */
  negated?: CValue;
  /** For `fieldref`: the referenced field and its event paths. */
  ref?: { field: string; paths: string[] };
  regex?: RegExp;
  network?: Network;
  compare?: { op: Compare | 'eq'; value: number; time?: TimePart };
  /** True when the value is judged per event value (so explain can say which one matched). */
  perValue: boolean;
  /** Test of a single event value (per-value kinds only). */
  one(v: unknown): boolean;
  /** Test of all values found at the field. */
  all(vals: unknown[], ev: AuditEvent): boolean;
  /** Readable form: `'kube-system'`, `re /^a/i`, `cidr 10.0.0.0/8`. */
  describe: string;
}

export interface CFieldItem {
  t: 'field';
  key: string;
  field: string;
  paths: string[];
  mods: ModSet;
  /** `any` (lists are OR, spec §Lists) unless `|all`. */
  combine: 'any' | 'all';
  values: CValue[];
  pos?: Pos;
  /** The values found at the field (all mapped paths) in an event. */
  read(ev: AuditEvent): unknown[];
  test: Pred;
}

export interface CKeywordItem {
  t: 'keyword';
  key?: string;
  mods?: ModSet;
  combine: 'any' | 'all';
  values: CValue[];
  pos?: Pos;
  test: Pred;
}

export type CItem = CFieldItem | CKeywordItem;

/** A map: all items must match (spec: sigma-rules-specification.md §Maps). */
export interface CMap {
  t: 'map';
  items: CItem[];
  pos?: Pos;
  test: Pred;
}

/** A list of maps and/or keywords: one must match (spec: sigma-rules-specification.md §Lists). */
export interface CList {
  t: 'list';
  alts: (CMap | CKeywordItem)[];
  pos?: Pos;
  test: Pred;
}

export type CBody = CMap | CList | CKeywordItem;

export interface CSelection {
  name: string;
  pos?: Pos;
  body: CBody;
  test: Pred;
}

export type CCond =
  | { t: 'and' | 'or'; args: CCond[]; pos?: Pos; test: Pred }
  | { t: 'not'; arg: CCond; pos?: Pos; test: Pred }
  | { t: 'ref'; name: string; sel: CSelection; pos?: Pos; test: Pred }
  | { t: 'of'; quant: 'one' | 'all'; pattern: string; sels: CSelection[]; pos?: Pos; test: Pred };

export interface CompiledDetection {
  selections: CSelection[];
  /** One per written condition; several are OR-ed. */
  conditions: CCond[];
  /** Event paths the detection reads, after mapping. */
  fields: string[];
  test: Pred;
}

// ---- helpers -----------------------------------------------------------------

function every(ps: Pred[]): Pred {
  if (ps.length === 1) return ps[0]!;
  if (ps.length === 2) {
    const [a, b] = ps as [Pred, Pred];
    return (ev) => a(ev) && b(ev);
  }
  return (ev) => {
    for (let i = 0; i < ps.length; i++) if (!ps[i]!(ev)) return false;
    return true;
  };
}

function some(ps: Pred[]): Pred {
  if (ps.length === 1) return ps[0]!;
  if (ps.length === 2) {
    const [a, b] = ps as [Pred, Pred];
    return (ev) => a(ev) || b(ev);
  }
  return (ev) => {
    for (let i = 0; i < ps.length; i++) if (ps[i]!(ev)) return true;
    return false;
  };
}

/** Folded equality of a string with an already folded literal, without copying. */
function foldedEquals(s: string, lit: string): boolean {
  if (s.length !== lit.length) return false;
  for (let i = 0; i < s.length; i++) if (foldCode(s.charCodeAt(i)) !== lit.charCodeAt(i)) return false;
  return true;
}

/** Event paths for a rule field name: mapping first, then the prefix (never on derived `tokenwatch.` fields). */
export function mapField(field: string, opts: CompileOptions): string[] {
  const m = opts.fieldMapping;
  let paths: string[] = [field];
  if (m && Object.prototype.hasOwnProperty.call(m, field)) {
    const v = m[field]!;
    paths = Array.isArray(v) ? v.slice() : [v];
  }
  const prefix = opts.fieldPrefix;
  if (prefix) paths = paths.map((p) => (p.startsWith(DERIVED_PREFIX) ? p : prefix + p));
  return paths;
}

function readerFor(paths: string[]): (ev: AuditEvent) => unknown[] {
  const getters: FieldGetter[] = paths.map((p) => compileField(p));
  if (getters.length === 1) return getters[0]!;
  // Several mapped paths are one field found in several places: its values are the union.
  return (ev) => {
    const out: unknown[] = [];
    for (const g of getters) for (const v of g(ev)) out.push(v);
    return out;
  };
}

function someValue(one: (v: unknown) => boolean): (vals: unknown[]) => boolean {
  return (vals) => {
    for (let i = 0; i < vals.length; i++) if (one(vals[i])) return true;
    return false;
  };
}

/** Placeholder expansion (spec: sigma-rules-specification.md §Placeholders): `%name%` → each configured value; `\%` is a plain `%`. */
export function expandPlaceholders(raw: string, placeholders: Record<string, string[]> | undefined, pos: Pos | undefined): string[] {
  let outs = [''];
  let i = 0;
  const add = (s: string): void => {
    outs = outs.map((o) => o + s);
  };
  while (i < raw.length) {
    const c = raw[i]!;
    if (c === '\\' && (raw[i + 1] === '\\' || raw[i + 1] === '%')) {
      add(raw[i + 1] === '%' ? '%' : '\\\\');
      i += 2;
      continue;
    }
    if (c === '%') {
      const j = raw.indexOf('%', i + 1);
      const name = j < 0 ? '' : raw.slice(i + 1, j);
      if (j < 0 || name === '') {
        add('%');
        i++;
        continue;
      }
      const vals = placeholders && Object.prototype.hasOwnProperty.call(placeholders, name) ? placeholders[name] : undefined;
      if (!vals) {
        const known = placeholders ? Object.keys(placeholders) : [];
        throw new SigmaCompileError(
          `unknown placeholder %${name}% (known: ${known.length ? known.map((k) => `%${k}%`).join(', ') : 'none; set LoadOptions.placeholders'})`,
          pos,
        );
      }
      if (vals.length === 0) throw new SigmaCompileError(`placeholder %${name}% has no values`, pos);
      if (outs.length * vals.length > 4096) throw new SigmaCompileError(`placeholders in '${raw}' expand to more than 4096 values`, pos);
      const next: string[] = [];
      for (const o of outs) for (const v of vals) next.push(o + v);
      outs = next;
      i = j + 1;
      continue;
    }
    add(c);
    i++;
  }
  return outs;
}

// ---- values --------------------------------------------------------------------

function scalarItems(node: SNode, what: string, pos: Pos | undefined): SScalar[] {
  if (node.kind === 'scalar') return [node];
  if (node.kind === 'map') throw new SigmaCompileError(`${what}: expected a value or a list of values, found a map`, node.pos ?? pos);
  if (node.items.length === 0) throw new SigmaCompileError(`${what}: empty list of values`, node.pos ?? pos);
  for (const it of node.items) {
    if (it.kind !== 'scalar') throw new SigmaCompileError(`${what}: expected a value, found ${kindName(it)}`, it.pos ?? node.pos ?? pos);
  }
  return node.items as SScalar[];
}

/** Where a column inside a value can be computed: one-line, unescaped scalars. */
function exactScalar(s: SScalar): boolean {
  return (s.style === 'plain' || s.style === 'single' || s.style === 'double') && !s.text.includes('\n') && !(s.style === 'double' && s.text.includes('\\'));
}

function valuePos(s: SScalar): Pos | undefined {
  return s.style === 'single' || s.style === 'double' ? shift(s.pos, 1) : s.pos;
}

function describeScalar(s: SScalar): string {
  return typeof s.value === 'string' ? `'${s.value}'` : String(s.value);
}

/** Matcher of one event value against the alternatives of a string pattern. */
function patternValue(raw: ScalarValue, pos: Pos | undefined, alts: PatTok[][], cased: boolean, prefix: string): CValue {
  const compiled = alts.map((a) => compilePattern(a, cased));
  const tests: StringMatcher[] = compiled.map((c) => c.test);
  const infos = compiled.map((c) => c.info);
  // Exact literals compare with event numbers by value, so no number is printed per event.
  const exactNumbers: number[] = [];
  const otherTests: StringMatcher[] = [];
  let anyShape = false;
  compiled.forEach((c) => {
    if (c.info.shape === 'any') anyShape = true;
    if (c.info.shape === 'exact') {
      const lit = c.info.tokens.length === 0 ? '' : patternText(c.info.tokens);
      const n = numberPrintedAs(cased ? lit : foldString(lit));
      if (n !== undefined && (cased ? String(n) === lit : true)) exactNumbers.push(n);
    } else otherTests.push(c.test);
  });
  const one = (v: unknown): boolean => {
    if (typeof v === 'string') {
      for (let i = 0; i < tests.length; i++) if (tests[i]!(v)) return true;
      return false;
    }
    if (typeof v === 'number') {
      for (let i = 0; i < exactNumbers.length; i++) if (exactNumbers[i] === v) return true;
      if (otherTests.length === 0) return false;
      const s = String(v);
      for (let i = 0; i < otherTests.length; i++) if (otherTests[i]!(s)) return true;
      return false;
    }
    // A pattern of only `*` stands for "any value" (SigmaHQ uses `field: '*'` for "is set"), objects included.
    return anyShape && v !== null && v !== undefined;
  };
  const shown = infos.map((i) => `'${showPattern(i.tokens)}'`);
  return {
    kind: 'pattern',
    raw,
    pos,
    patterns: infos,
    perValue: true,
    one,
    all: someValue(one),
    describe: `${prefix}${shown.length === 1 ? shown[0] : `any of ${shown.join(', ')}`}${cased ? ' (case-sensitive)' : ''}`,
  };
}

function numberValue(s: SScalar): CValue {
  const n = s.value as number;
  const forms = [...new Set([foldString(s.text), foldString(String(n))])];
  const one = (v: unknown): boolean => {
    if (typeof v === 'number') return v === n;
    if (typeof v === 'string') {
      for (let i = 0; i < forms.length; i++) if (foldedEquals(v, forms[i]!)) return true;
    }
    return false;
  };
  return { kind: 'number', raw: n, pos: s.pos, forms, perValue: true, one, all: someValue(one), describe: s.text };
}

function booleanValue(s: SScalar): CValue {
  const b = s.value as boolean;
  const form = b ? 'true' : 'false';
  const one = (v: unknown): boolean => v === b || (typeof v === 'string' && foldedEquals(v, form));
  return { kind: 'boolean', raw: b, pos: s.pos, perValue: true, one, all: someValue(one), describe: form };
}

const NULL_VALUE = (pos: Pos | undefined): CValue => ({
  kind: 'null',
  raw: null,
  pos,
  perValue: false,
  one: (v) => v === null,
  all: (vals) => {
    if (vals.length === 0) return true;
    for (let i = 0; i < vals.length; i++) if (vals[i] === null) return true;
    return false;
  },
  describe: 'null (absent or null)',
});

/** String forms used by fieldref comparisons. */
function formOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

interface ValueCtx {
  mods: ModSet;
  keyword: boolean;
  opts: CompileOptions;
  fields: Set<string>;
}

/** Compiles one written value under the item's modifiers. */
function compileValue(s: SScalar, ctx: ValueCtx): CValue {
  const { mods } = ctx;
  const pos = s.pos;
  const v = s.value;
  const typeErr = (what: string): never => {
    throw new SigmaCompileError(`${what}, not ${kindName(s)} ${describeScalar(s)}`, pos);
  };
  const modList = mods.names.length ? `|${mods.names.join('|')}` : '';

  if (mods.exists) {
    if (typeof v !== 'boolean') typeErr("modifier 'exists' takes true or false (spec: sigma-rules-specification.md §Field Existence)");
    const want = v as boolean;
    return {
      kind: 'exists',
      raw: want,
      pos,
      perValue: false,
      one: () => want,
      // Presence only: an empty string or null still exists (spec: sigma-appendix-modifiers.md §Generic Modifiers, exists).
      all: (vals) => vals.length > 0 === want,
      describe: `exists: ${want}`,
    };
  }
  if (v === null) {
    if (mods.names.length > 0) throw new SigmaCompileError(`null cannot be used with modifiers (${modList})`, pos);
    return NULL_VALUE(pos);
  }
  if (typeof v === 'boolean') {
    if (mods.names.length > 0 && !(mods.names.length === 1 && mods.all)) throw new SigmaCompileError(`a boolean value cannot be used with modifiers (${modList})`, pos);
    return booleanValue(s);
  }
  if (mods.re) {
    if (typeof v !== 'string') typeErr("modifier 're' needs a string (the regular expression)");
    const regex = compileRegex(v as string, mods.re.flags, valuePos(s), exactScalar(s));
    const one = (x: unknown): boolean => (typeof x === 'string' ? regex.test(x) : typeof x === 'number' ? regex.test(String(x)) : false);
    return { kind: 're', raw: v, pos, regex, perValue: true, one, all: someValue(one), describe: `re ${String(regex)}` };
  }
  if (mods.cidr) {
    if (typeof v !== 'string') typeErr("modifier 'cidr' needs a string like 10.0.0.0/8 or fe80::/10");
    const net = parseNetwork((v as string).trim());
    if (!net) throw new SigmaCompileError(`modifier 'cidr': '${v as string}' is not an IPv4 or IPv6 network`, pos);
    const one = (x: unknown): boolean => inNetwork(x, net);
    return { kind: 'cidr', raw: v, pos, network: net, perValue: true, one, all: someValue(one), describe: `cidr ${net.text}` };
  }
  if (mods.compare) {
    if (typeof v !== 'number') typeErr(`modifier '${mods.compare}' needs a number (spec: sigma-appendix-modifiers.md §Numeric Modifiers)`);
    const x = v as number;
    const time = mods.time;
    const op = mods.compare;
    const cmp =
      op === 'gt' ? (n: number) => n > x : op === 'gte' ? (n: number) => n >= x : op === 'lt' ? (n: number) => n < x : (n: number) => n <= x;
    const one = (e: unknown): boolean => {
      const n = time ? timePart(e, time) : numericValue(e);
      return n !== undefined && cmp(n);
    };
    const compare = time ? { op, value: x, time } : { op, value: x };
    return { kind: 'compare', raw: x, pos, compare, perValue: true, one, all: someValue(one), describe: `${time ? `${time} ` : ''}${op} ${s.text}` };
  }
  if (mods.time) {
    if (typeof v !== 'number' || !Number.isInteger(v)) typeErr(`modifier '${mods.time}' needs an integer (spec: sigma-appendix-modifiers.md §Time Modifiers)`);
    const x = v as number;
    const time = mods.time;
    const one = (e: unknown): boolean => timePart(e, time) === x;
    return { kind: 'time', raw: x, pos, compare: { op: 'eq', value: x, time }, perValue: true, one, all: someValue(one), describe: `${time} = ${x}` };
  }
  if (mods.fieldref) {
    if (typeof v !== 'string' || v === '') typeErr("modifier 'fieldref' needs the name of another field");
    const refField = v as string;
    const paths = mapField(refField, ctx.opts);
    for (const p of paths) ctx.fields.add(p);
    const readRef = readerFor(paths);
    const cased = mods.cased;
    const shape = mods.shape;
    const rel = (a: string, b: string): boolean => {
      if (!cased) {
        a = foldString(a);
        b = foldString(b);
      }
      return shape === 'contains' ? a.includes(b) : shape === 'startswith' ? a.startsWith(b) : shape === 'endswith' ? a.endsWith(b) : a === b;
    };
    return {
      kind: 'fieldref',
      raw: refField,
      pos,
      ref: { field: refField, paths },
      perValue: false,
      one: () => false,
      all: (vals, ev) => {
        if (vals.length === 0) return false;
        const others = readRef(ev);
        for (const a of vals) {
          const sa = formOf(a);
          if (sa === undefined) continue;
          for (const b of others) {
            const sb = formOf(b);
            if (sb !== undefined && rel(sa, sb)) return true;
          }
        }
        return false;
      },
      describe: `${shape ?? 'equals'} field ${refField}${cased ? ' (case-sensitive)' : ''}`,
    };
  }
  if (mods.neq) {
    if (typeof v !== 'string' && typeof v !== 'number') typeErr("modifier 'neq' needs a string or a number (spec: sigma-appendix-modifiers.md §Generic Modifiers)");
    const eq =
      typeof v === 'number'
        ? numberValue(s)
        : patternValue(v as string, pos, [parseWildcard(v as string)], mods.cased, '');
    return {
      kind: 'neq',
      raw: v,
      pos,
      negated: eq,
      perValue: false,
      one: (x) => !eq.one(x),
      // "The field is different from the value": it has a value, and none of its values equals this one.
      all: (vals, ev) => vals.length > 0 && !eq.all(vals, ev),
      describe: `not ${eq.describe}`,
    };
  }

  // Plain values and the string modifiers.
  if (typeof v === 'number' && !mods.shape && mods.transforms.length === 0 && !mods.cased && !ctx.keyword && !mods.expand) return numberValue(s);
  if (typeof v !== 'string' && typeof v !== 'number') typeErr('expected a string or a number');
  // A number under string modifiers is its text as written.
  const text = typeof v === 'number' ? s.text : (v as string);
  const raws = mods.expand ? expandPlaceholders(text, ctx.opts.placeholders, pos) : [text];
  let alts: PatTok[][] = raws.map(parseWildcard);
  let encoded = false;
  const encodingOf = mods.transforms.find((t) => t === 'utf16le' || t === 'utf16be' || t === 'utf16') as 'utf16le' | 'utf16be' | 'utf16' | undefined;
  const b64At = Math.max(mods.transforms.indexOf('base64'), mods.transforms.indexOf('base64offset'));
  mods.transforms.forEach((t, k) => {
    if (t === 'windash') {
      if (b64At > k) {
        // Encoded afterwards: the permutations must be real strings.
        const next: PatTok[][] = [];
        for (const a of alts) {
          if (hasWildcards(a)) throw new SigmaCompileError(`'windash' before '${mods.transforms[b64At]}' cannot keep wildcards in '${text}'`, pos);
          const perms = windashPermutations(patternText(a));
          if (!perms) throw new SigmaCompileError(`'windash' on '${text}' makes too many permutations to encode`, pos);
          for (const p of perms) next.push(literalPattern(p));
        }
        alts = next;
      } else alts = alts.map(windashClasses);
    } else if (t === 'base64' || t === 'base64offset') {
      const next: PatTok[][] = [];
      for (const a of alts) {
        if (hasWildcards(a)) {
          throw new SigmaCompileError(`modifier '${t}' cannot encode wildcards in '${text}'; escape them (\\*, \\?) if they are meant literally`, pos);
        }
        const bytes = encodeBytes(patternText(a), encodingOf);
        // A single byte has no Base64 character of its own at every offset, so it could not always be found.
        if (t === 'base64offset' && bytes.length < 2) throw new SigmaCompileError(`modifier 'base64offset' needs a value of at least two bytes, not '${text}'`, pos);
        if (t === 'base64') next.push(literalPattern(base64(bytes)));
        else for (const f of base64Offsets(bytes)) next.push(literalPattern(f));
      }
      alts = next;
      encoded = true;
    }
  });
  if (ctx.keyword) alts = alts.map((a) => wrapStars(a, true, true));
  else if (mods.shape) alts = alts.map((a) => wrapStars(a, mods.shape !== 'startswith', mods.shape !== 'endswith'));
  // Base64 text is case-significant: matching it case-insensitively would match other bytes.
  return patternValue(v, pos, alts, mods.cased || encoded, mods.names.length ? `${mods.names.join('|')} ` : '');
}

// ---- items, selections -------------------------------------------------------

function keywordTest(values: CValue[], combine: 'any' | 'all'): Pred {
  // Keywords are searched in every string value anywhere in the event (spec: sigma-rules-specification.md §Keywords search).
  const walk = (node: unknown, test: (s: string) => boolean, depth: number): boolean => {
    if (typeof node === 'string') return test(node);
    if (node === null || typeof node !== 'object' || depth > 64) return false;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) if (walk(node[i], test, depth + 1)) return true;
      return false;
    }
    for (const k in node as Record<string, unknown>) {
      if (Object.prototype.hasOwnProperty.call(node, k) && walk((node as Record<string, unknown>)[k], test, depth + 1)) return true;
    }
    return false;
  };
  const ones = values.map((v) => v.one);
  if (combine === 'any') {
    const anyOne = (s: string): boolean => {
      for (let i = 0; i < ones.length; i++) if (ones[i]!(s)) return true;
      return false;
    };
    return (ev) => walk(ev, anyOne, 0);
  }
  return every(ones.map((o) => (ev: AuditEvent) => walk(ev, o, 0)));
}

function checkValueList(items: SScalar[], mods: ModSet, key: string, pos: Pos | undefined): void {
  // spec: sigma-appendix-modifiers.md §Generic Modifiers (all): "Single item values are not allowed to have an all modifier".
  if (mods.all && items.length < 2) throw new SigmaCompileError(`'${key}': modifier 'all' needs a list of at least two values`, items[0]?.pos ?? pos);
  // spec: sigma-rules-specification.md §Special Field Values: null shares no type with other values and cannot be in a list.
  if (items.length > 1) {
    const n = items.find((i) => i.value === null);
    if (n) throw new SigmaCompileError(`'${key}': null cannot be part of a list of values; put it in its own selection`, n.pos ?? pos);
  }
  if (mods.exists && items.length !== 1) throw new SigmaCompileError(`'${key}': modifier 'exists' takes a single true or false`, items[0]?.pos ?? pos);
}

function compileItem(e: SEntry, ctx: { opts: CompileOptions; fields: Set<string> }): CItem {
  const { field, mods } = parseKey(e.key, e.keyPos, e.keyPlain);
  const keyword = field === '';
  const items = scalarItems(e.value, `'${e.key}'`, e.keyPos);
  checkValueList(items, mods, e.key, e.keyPos);
  const vctx: ValueCtx = { mods, keyword, opts: ctx.opts, fields: ctx.fields };
  const values = items.map((s) => compileValue(s, vctx));
  const combine = mods.all ? 'all' : 'any';
  if (keyword) {
    if (values.some((v) => v.kind !== 'pattern' && v.kind !== 're')) throw new SigmaCompileError(`'${e.key}': keywords must be strings or numbers`, e.keyPos);
    return { t: 'keyword', key: e.key, mods, combine, values, pos: e.keyPos, test: keywordTest(values, combine) };
  }
  const paths = mapField(field, ctx.opts);
  for (const p of paths) ctx.fields.add(p);
  const read = readerFor(paths);
  let test: Pred;
  if (values.length === 1) {
    const a = values[0]!.all;
    test = (ev) => a(read(ev), ev);
  } else if (combine === 'any' && values.every((v) => v.perValue)) {
    const ones = values.map((v) => v.one);
    test = (ev) => {
      const vals = read(ev);
      for (let i = 0; i < vals.length; i++) {
        const x = vals[i];
        for (let j = 0; j < ones.length; j++) if (ones[j]!(x)) return true;
      }
      return false;
    };
  } else {
    const alls = values.map((v) => v.all);
    test =
      combine === 'any'
        ? (ev) => {
            const vals = read(ev);
            for (let j = 0; j < alls.length; j++) if (alls[j]!(vals, ev)) return true;
            return false;
          }
        : (ev) => {
            const vals = read(ev);
            for (let j = 0; j < alls.length; j++) if (!alls[j]!(vals, ev)) return false;
            return true;
          };
  }
  return { t: 'field', key: e.key, field, paths, mods, combine, values, pos: e.keyPos, read, test };
}

function compileKeywords(scalars: SScalar[], ctx: { opts: CompileOptions; fields: Set<string> }, pos: Pos | undefined): CKeywordItem {
  const mods = parseKey('', pos, false).mods;
  const values = scalars.map((s) => {
    if (typeof s.value !== 'string' && typeof s.value !== 'number') {
      throw new SigmaCompileError(`a keyword must be a string or a number, not ${kindName(s)}`, s.pos ?? pos);
    }
    return compileValue(s, { mods, keyword: true, opts: ctx.opts, fields: ctx.fields });
  });
  return { t: 'keyword', combine: 'any', values, pos, test: keywordTest(values, 'any') };
}

function compileMap(node: SNode & { kind: 'map' }, diag: Diagnostics, ctx: { opts: CompileOptions; fields: Set<string> }): CMap | undefined {
  if (node.entries.length === 0) {
    diag.error('a selection map must not be empty', node.pos);
    return undefined;
  }
  const items: CItem[] = [];
  let ok = true;
  for (const e of node.entries) {
    const it = diag.guard(() => compileItem(e, ctx));
    if (it) items.push(it);
    else ok = false;
  }
  if (!ok) return undefined;
  return { t: 'map', items, pos: node.pos, test: every(items.map((i) => i.test)) };
}

function compileSelection(e: SEntry, diag: Diagnostics, ctx: { opts: CompileOptions; fields: Set<string> }): CSelection | undefined {
  const node = e.value;
  const where = `search identifier '${e.key}'`;
  let body: CBody | undefined;
  if (node.kind === 'map') body = compileMap(node, diag, ctx);
  else if (node.kind === 'scalar') {
    if (node.value === null || typeof node.value === 'boolean') {
      diag.error(`${where} must be a map, a list, or a keyword string, not ${kindName(node)}`, node.pos ?? e.keyPos);
      return undefined;
    }
    // A single keyword written as a plain value (a list of one, in effect).
    body = diag.guard(() => compileKeywords([node], ctx, e.keyPos));
  } else {
    if (node.items.length === 0) {
      diag.error(`${where} is an empty list`, node.pos ?? e.keyPos);
      return undefined;
    }
    const maps: CMap[] = [];
    const scalars: SScalar[] = [];
    let ok = true;
    for (const it of node.items) {
      if (it.kind === 'map') {
        const m = compileMap(it, diag, ctx);
        if (m) maps.push(m);
        else ok = false;
      } else if (it.kind === 'scalar') scalars.push(it);
      else {
        diag.error(`${where}: a list inside a list is not a Sigma construct`, it.pos ?? e.keyPos);
        ok = false;
      }
    }
    let kw: CKeywordItem | undefined;
    if (scalars.length > 0) {
      kw = diag.guard(() => compileKeywords(scalars, ctx, node.pos ?? e.keyPos));
      if (!kw) ok = false;
    }
    if (!ok) return undefined;
    if (maps.length === 0) body = kw!;
    else {
      const alts: (CMap | CKeywordItem)[] = kw ? [...maps, kw] : maps;
      body = { t: 'list', alts, pos: node.pos, test: some(alts.map((a) => a.test)) };
    }
  }
  if (!body) return undefined;
  return { name: e.key, pos: e.keyPos, body, test: body.test };
}

function conditionPos(s: SScalar, offset: number): Pos | undefined {
  if (!exactScalar(s) || (s.style === 'single' && s.text.includes("'"))) return s.pos;
  return shift(valuePos(s), offset);
}

function compileCondition(ast: CondAst, sels: Map<string, CSelection>, s: SScalar): CCond {
  const pos = conditionPos(s, ast.at);
  switch (ast.t) {
    case 'and':
    case 'or': {
      const args = ast.args.map((a) => compileCondition(a, sels, s));
      return { t: ast.t, args, pos, test: ast.t === 'and' ? every(args.map((a) => a.test)) : some(args.map((a) => a.test)) };
    }
    case 'not': {
      const arg = compileCondition(ast.arg, sels, s);
      const inner = arg.test;
      return { t: 'not', arg, pos, test: (ev) => !inner(ev) };
    }
    case 'id': {
      const sel = sels.get(ast.name);
      if (!sel) {
        throw new SigmaCompileError(`undefined search identifier '${ast.name}' in condition (defined: ${[...sels.keys()].join(', ')})`, pos);
      }
      return { t: 'ref', name: ast.name, sel, pos, test: sel.test };
    }
    case 'of': {
      const all = [...sels.values()];
      // `them` and patterns leave out identifiers starting with `_` (spec: sigma-rules-specification.md §Condition),
      // unless the pattern itself starts with `_` and so names them on purpose.
      const chosen = ast.them
        ? all.filter((x) => !x.name.startsWith('_'))
        : all.filter((x) => identifierMatches(ast.pattern, x.name) && (!x.name.startsWith('_') || ast.pattern.startsWith('_')));
      if (chosen.length === 0) {
        throw new SigmaCompileError(
          ast.them ? `'${ast.quant === 'one' ? '1' : 'all'} of them' finds no search identifier` : `pattern '${ast.pattern}' matches no search identifier`,
          pos,
        );
      }
      const tests = chosen.map((x) => x.test);
      return { t: 'of', quant: ast.quant, pattern: ast.pattern, sels: chosen, pos, test: ast.quant === 'one' ? some(tests) : every(tests) };
    }
  }
}

/** Compiles a detection; undefined (with errors in `diag`) when any part is wrong. */
export function compileDetection(model: DetectionModel, diag: Diagnostics, opts: CompileOptions): CompiledDetection | undefined {
  const before = diag.count;
  const fields = new Set<string>();
  const ctx = { opts, fields };
  const sels = new Map<string, CSelection>();
  for (const e of model.identifiers) {
    const sel = compileSelection(e, diag, ctx);
    if (sel) sels.set(e.key, sel);
  }
  const failedSelections = diag.count > before;
  const conditions: CCond[] = [];
  for (const c of model.conditions) {
    let ast: CondAst;
    try {
      ast = parseCondition(c.value as string);
    } catch (err) {
      if (err instanceof ConditionSyntaxError) {
        diag.error(`condition: ${err.message}`, conditionPos(c, err.offset));
        continue;
      }
      throw err;
    }
    // With a broken selection the identifier check would only add noise.
    if (failedSelections) continue;
    const cc = diag.guard(() => compileCondition(ast, sels, c));
    if (cc) conditions.push(cc);
  }
  if (diag.count > before) return undefined;
  return { selections: [...sels.values()], conditions, fields: [...fields], test: some(conditions.map((c) => c.test)) };
}

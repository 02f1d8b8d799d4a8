/**
 * One written value under its item's modifiers → a compiled value (CValue):
 * everything about the value is settled here, once, so that testing an event
 * value is a plain function call that allocates nothing in the common
 * equality and substring cases.
 */
import { SigmaCompileError } from './errors.js';
import type { Pos } from './errors.js';
import { mapField, readerFor } from './field-access.js';
import { inNetwork, parseNetwork } from './ip.js';
import type { ModSet } from './modifiers.js';
import { expandPlaceholders } from './placeholders.js';
import { compileRegex } from './regex.js';
import { timePart } from './timeparts.js';
import { base64, base64Offsets, encodeBytes, windashClasses, windashPermutations } from './transforms.js';
import type { CompileOptions, CValue } from './tree.js';
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
import type { PatTok, StringMatcher } from './values.js';
import { exactScalar, kindName, valuePos } from './yaml-source.js';
import type { ScalarValue, SScalar } from './yaml-source.js';

/** Folded equality of a string with an already folded literal, without copying. */
function foldedEquals(s: string, lit: string): boolean {
  if (s.length !== lit.length) return false;
  for (let i = 0; i < s.length; i++) if (foldCode(s.charCodeAt(i)) !== lit.charCodeAt(i)) return false;
  return true;
}

export function someValue(one: (v: unknown) => boolean): (vals: unknown[]) => boolean {
  return (vals) => {
    for (let i = 0; i < vals.length; i++) if (one(vals[i])) return true;
    return false;
  };
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
      if (n !== undefined) exactNumbers.push(n);
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

export interface ValueCtx {
  mods: ModSet;
  keyword: boolean;
  opts: CompileOptions;
  fields: Set<string>;
}

/** Compiles one written value under the item's modifiers. */
export function compileValue(s: SScalar, ctx: ValueCtx): CValue {
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
  if (typeof v === 'number' && mods.transforms.length > 0) {
    typeErr(`modifier '${mods.names.find((n) => n !== 'contains' && n !== 'startswith' && n !== 'endswith' && n !== 'all' && n !== 'cased')}' applies to strings only (spec: sigma-appendix-modifiers.md §String Modifiers); quote the value`);
  }
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

/**
 * Sigma string values: escaping, wildcards, case folding, and the matchers
 * that test one event value against one rule value.
 *
 * Case-insensitivity is per UTF-16 unit: each unit is lowercased on its own
 * (ASCII inline, others through a cache). A unit whose lowercase form is
 * longer than one unit (U+0130) stays as it is. Comparing unit by unit means
 * no event string is ever copied or lowercased while matching, which keeps
 * the hot path free of allocations.
 */

/** One piece of a parsed Sigma string. `cls` is a set of alternative characters (windash). */
export type PatTok = { k: 'lit'; s: string } | { k: 'star' } | { k: 'one' } | { k: 'cls'; chars: string };

/**
 * Parses a Sigma string (spec: sigma-rules-specification.md §Escape Character):
 * `*` and `?` are wildcards; `\*`, `\?` are the plain characters; `\\` is one
 * backslash; a backslash before anything else, or at the end, is itself.
 */
export function parseWildcard(raw: string): PatTok[] {
  const out: PatTok[] = [];
  let lit = '';
  const flush = (): void => {
    if (lit !== '') out.push({ k: 'lit', s: lit });
    lit = '';
  };
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '\\') {
      const n = raw[i + 1];
      if (n === '*' || n === '?' || n === '\\') {
        lit += n;
        i++;
      } else {
        lit += '\\';
      }
    } else if (c === '*') {
      flush();
      if (out.length === 0 || out[out.length - 1]!.k !== 'star') out.push({ k: 'star' });
    } else if (c === '?') {
      flush();
      out.push({ k: 'one' });
    } else {
      lit += c;
    }
  }
  flush();
  return out;
}

/** A pattern matching exactly `s` (no wildcards). */
export function literalPattern(s: string): PatTok[] {
  return s === '' ? [] : [{ k: 'lit', s }];
}

export function hasWildcards(p: PatTok[]): boolean {
  return p.some((t) => t.k !== 'lit');
}

/** The plain text of a wildcard-free pattern. */
export function patternText(p: PatTok[]): string {
  let s = '';
  for (const t of p) {
    if (t.k !== 'lit') throw new Error('pattern has wildcards');
    s += t.s;
  }
  return s;
}

/** Puts `*` before and/or after (contains / startswith / endswith), merging with stars already there. */
export function wrapStars(p: PatTok[], before: boolean, after: boolean): PatTok[] {
  const out = p.slice();
  if (before && (out.length === 0 || out[0]!.k !== 'star')) out.unshift({ k: 'star' });
  if (after && (out.length === 0 || out[out.length - 1]!.k !== 'star')) out.push({ k: 'star' });
  return out;
}

/** Human-readable form of a pattern, escaped the Sigma way. */
export function showPattern(p: PatTok[]): string {
  let s = '';
  for (const t of p) {
    if (t.k === 'star') s += '*';
    else if (t.k === 'one') s += '?';
    else if (t.k === 'cls') s += `[${t.chars}]`;
    else s += t.s.replace(/[\\*?]/g, (m) => '\\' + m);
  }
  return s;
}

// ---- case folding -------------------------------------------------------

const foldCache = new Map<number, number>();

/**
 * Non-ASCII units fold to their one-unit lowercase form, but never into
 * ASCII (the Kelvin sign U+212A lowercases to `k`): an ASCII letter in a
 * rule then only ever matches an ASCII letter, which keeps the prefilter
 * witnesses sound for consumers that lowercase ASCII bytes only.
 */
function foldSlow(c: number): number {
  let f = foldCache.get(c);
  if (f === undefined) {
    const l = String.fromCharCode(c).toLowerCase();
    f = l.length === 1 && l.charCodeAt(0) >= 128 ? l.charCodeAt(0) : c;
    foldCache.set(c, f);
  }
  return f;
}

/** Lowercase of one UTF-16 unit. */
export function foldCode(c: number): number {
  if (c < 128) return c >= 65 && c <= 90 ? c + 32 : c;
  return foldSlow(c);
}

export function foldString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += String.fromCharCode(foldCode(s.charCodeAt(i)));
  return out;
}

// ---- string matchers ----------------------------------------------------

export type StringMatcher = (s: string) => boolean;

/** Shape of a compiled pattern; `witnesses` and `explain` read it. */
export interface PatternInfo {
  shape: 'exact' | 'prefix' | 'suffix' | 'contains' | 'any' | 'glob';
  cased: boolean;
  tokens: PatTok[];
}

const ONE = -1;

/** A segment is the run of tokens between two stars: unit codes (already folded unless cased), -1 for `?`, ≤ -2 for a class. */
interface Seg {
  codes: Int32Array;
}

/** Compares `lit` (already folded) from unit `from` on with `s` at `at`, folding `s` as it goes. */
function eqAt(s: string, at: number, lit: string, from = 0): boolean {
  const n = lit.length;
  for (let j = from; j < n; j++) {
    const c = s.charCodeAt(at + j);
    const f = c < 128 ? (c >= 65 && c <= 90 ? c + 32 : c) : foldSlow(c);
    if (f !== lit.charCodeAt(j)) return false;
  }
  return true;
}

function indexOfFolded(s: string, lit: string, from: number): number {
  const n = lit.length;
  const last = s.length - n;
  if (n === 0) return from <= s.length ? from : -1;
  const first = lit.charCodeAt(0);
  for (let i = from; i <= last; i++) {
    const c = s.charCodeAt(i);
    const f = c < 128 ? (c >= 65 && c <= 90 ? c + 32 : c) : foldSlow(c);
    if (f === first && eqAt(s, i, lit, 1)) return i;
  }
  return -1;
}

/**
 * Compiles a pattern into a string matcher. The common shapes (exact,
 * prefix, suffix, contains) get their own closures; the rest go through a
 * star-splitting matcher, which is exact for globs because each segment
 * only needs its leftmost occurrence after the previous one.
 */
export function compilePattern(tokens: PatTok[], cased: boolean): { test: StringMatcher; info: PatternInfo } {
  const starAt = tokens.map((t) => t.k === 'star');
  const onlyLits = tokens.every((t) => t.k === 'lit' || t.k === 'star');
  const stars = starAt.filter(Boolean).length;
  const lits = tokens.filter((t): t is { k: 'lit'; s: string } => t.k === 'lit');
  const fold = (s: string): string => (cased ? s : foldString(s));
  const mk = (shape: PatternInfo['shape'], test: StringMatcher) => ({ test, info: { shape, cased, tokens } });

  if (tokens.length > 0 && stars === tokens.length) return mk('any', () => true);
  if (onlyLits && lits.length <= 1) {
    const lit = fold(lits[0]?.s ?? '');
    const n = lit.length;
    const lead = tokens.length > 0 && tokens[0]!.k === 'star';
    const trail = tokens.length > 1 && tokens[tokens.length - 1]!.k === 'star';
    if (stars === 0) {
      if (cased) return mk('exact', (s) => s === lit);
      return mk('exact', (s) => s.length === n && eqAt(s, 0, lit));
    }
    if (lead && trail) {
      if (cased) return mk('contains', (s) => s.includes(lit));
      return mk('contains', (s) => indexOfFolded(s, lit, 0) >= 0);
    }
    if (trail) {
      if (cased) return mk('prefix', (s) => s.startsWith(lit));
      return mk('prefix', (s) => s.length >= n && eqAt(s, 0, lit));
    }
    if (cased) return mk('suffix', (s) => s.endsWith(lit));
    return mk('suffix', (s) => s.length >= n && eqAt(s, s.length - n, lit));
  }

  // General glob: split at stars into segments of unit codes.
  const classes: Int32Array[] = [];
  const segs: Seg[] = [];
  let cur: number[] = [];
  for (const t of tokens) {
    if (t.k === 'star') {
      segs.push({ codes: Int32Array.from(cur) });
      cur = [];
    } else if (t.k === 'one') cur.push(ONE);
    else if (t.k === 'cls') {
      const chars = cased ? t.chars : foldString(t.chars);
      classes.push(Int32Array.from(chars, (ch) => ch.charCodeAt(0)));
      cur.push(-2 - (classes.length - 1));
    } else for (let i = 0; i < t.s.length; i++) cur.push(cased ? t.s.charCodeAt(i) : foldCode(t.s.charCodeAt(i)));
  }
  segs.push({ codes: Int32Array.from(cur) });
  // segs.length === stars + 1; the first and last segment are anchored (possibly empty).
  const segAt = (s: string, at: number, seg: Int32Array): boolean => {
    for (let j = 0; j < seg.length; j++) {
      const e = seg[j]!;
      if (e === ONE) continue;
      let c = s.charCodeAt(at + j);
      if (!cased) c = c < 128 ? (c >= 65 && c <= 90 ? c + 32 : c) : foldSlow(c);
      if (e >= 0) {
        if (c !== e) return false;
      } else if (!classes[-2 - e]!.includes(c)) return false;
    }
    return true;
  };
  const first = segs[0]!.codes;
  const last = segs[segs.length - 1]!.codes;
  const middle = segs.slice(1, -1).map((s) => s.codes);
  const test: StringMatcher =
    segs.length === 1
      ? (s) => s.length === first.length && segAt(s, 0, first)
      : (s) => {
          const n = s.length;
          if (n < first.length + last.length) return false;
          if (!segAt(s, 0, first)) return false;
          let pos = first.length;
          const end = n - last.length;
          for (const seg of middle) {
            let found = -1;
            for (let i = pos; i + seg.length <= end; i++) {
              if (segAt(s, i, seg)) {
                found = i;
                break;
              }
            }
            if (found < 0) return false;
            pos = found + seg.length;
          }
          return pos <= end && segAt(s, end, last);
        };
  return mk('glob', test);
}

/**
 * Literal runs a string matched by the pattern must contain: the
 * wildcard-free, class-free pieces, lowercased. Used by the prefilter.
 */
export function patternLiterals(tokens: PatTok[]): string[] {
  return tokens.filter((t): t is { k: 'lit'; s: string } => t.k === 'lit').map((t) => t.s);
}

// ---- numbers --------------------------------------------------------------

/** The event-side number parse: a JSON number, or a string holding only a decimal number. */
const NUMERIC = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

export function numericValue(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.length > 0 && v.length < 64 && NUMERIC.test(v)) {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/**
 * For an exact, case-insensitive literal: the number whose decimal form is
 * this literal, so that event numbers are compared without building their
 * string form. Undefined when no number prints as this literal.
 */
export function numberPrintedAs(lit: string): number | undefined {
  if (lit === '' || lit.length > 32) return undefined;
  const n = Number(lit);
  if (!Number.isFinite(n)) return undefined;
  return foldString(String(n)) === lit ? n : undefined;
}

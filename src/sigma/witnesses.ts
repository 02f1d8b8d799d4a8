/**
 * Prefilter witnesses: lowercase literals such that every event a detection
 * matches has one of them as a case-insensitive substring of one of its
 * string values, or of the decimal form of one of its numbers.
 *
 * Soundness is the whole point, so the derivation is conservative:
 *  - a value yields literals only when every way it can match puts a
 *    literal run of the rule into the matched string (plain patterns,
 *    numbers); anything else (`re`, `cidr`, comparisons, `exists`, `null`,
 *    `neq`, `fieldref`, booleans, wildcard-only patterns) yields "unknown";
 *  - OR needs every alternative known (the union); AND needs one known side
 *    (the most selective); NOT is unknown;
 *  - literals are ASCII only: the matcher never folds a non-ASCII unit into
 *    ASCII, so an ASCII literal is found by `toLowerCase()` and by ASCII-only
 *    lowercasing alike, while non-ASCII case mapping (final sigma, U+0130)
 *    is context- or length-dependent and is left out.
 */
import type { CBody, CCond, CItem, CValue, CompiledDetection } from './tree.js';
import type { PatTok } from './values.js';
import { foldString } from './values.js';

type W = string[] | null;

/** The longest ASCII run of a pattern's literal parts, lowercased; '' when there is none. */
function bestRun(tokens: PatTok[]): string {
  let best = '';
  for (const t of tokens) {
    if (t.k !== 'lit') continue;
    const f = foldString(t.s);
    let run = '';
    for (let i = 0; i <= f.length; i++) {
      const c = i < f.length ? f.charCodeAt(i) : -1;
      if (c >= 0 && c < 128) run += f[i];
      else {
        if (run.length > best.length) best = run;
        run = '';
      }
    }
  }
  return best.toLowerCase();
}

/** OR: every side must be known; the union, without literals implied by shorter ones. */
function union(ws: W[]): W {
  const all: string[] = [];
  for (const w of ws) {
    if (w === null) return null;
    all.push(...w);
  }
  const uniq = [...new Set(all)].sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
  const out: string[] = [];
  for (const s of uniq) if (!out.some((o) => s.includes(o))) out.push(s);
  return out;
}

/**
 * Higher is more selective. A set is as weak as its shortest literal, and
 * every doubling of its size roughly doubles the events it lets through
 * (and the work of looking), which is worth about two characters.
 */
function score<T>(w: T[], len: (t: T) => number): [number, number] {
  return [Math.min(...w.map(len)) - 2 * Math.log2(w.length), -w.length];
}

/** AND: any known side is sound; take the most selective (literals of any kind, measured by `len`). */
export function mostSelective<T>(ws: (T[] | null)[], len: (t: T) => number): T[] | null {
  let pick: T[] | null = null;
  for (const w of ws) {
    if (w === null || w.length === 0) continue;
    if (pick === null) {
      pick = w;
      continue;
    }
    const [a1, a2] = score(w, len);
    const [b1, b2] = score(pick, len);
    if (a1 > b1 || (a1 === b1 && a2 > b2)) pick = w;
  }
  return pick;
}

const best = (ws: W[]): W => mostSelective(ws, (s) => s.length);

export function valueWitness(v: CValue): W {
  if (v.kind === 'number') return v.forms && v.forms.every((f) => f !== '' && /^[\x00-\x7f]*$/.test(f)) ? union([v.forms]) : null;
  if (v.kind !== 'pattern' || !v.patterns) return null;
  const out: string[] = [];
  for (const p of v.patterns) {
    const run = bestRun(p.tokens);
    if (run === '') return null;
    out.push(run);
  }
  return union([out]);
}

function itemWitness(it: CItem): W {
  const ws = it.values.map(valueWitness);
  return it.combine === 'all' ? best(ws) : union(ws);
}

/**
 * How literals combine through a detection: an AND (a map, `all of`, `and`) may take its most selective side,
 * an OR (a list, `1 of`, `or`) needs every side, and a `not` gives nothing. Written once and used by every
 * kind of literal (these witnesses; the raw-line literals of the scan's prefilter).
 */
export interface LiteralAlgebra<L> {
  item(it: CItem): L[] | null;
  union(ws: (L[] | null)[]): L[] | null;
  best(ws: (L[] | null)[]): L[] | null;
}

export function combineDetection<L>(d: CompiledDetection, a: LiteralAlgebra<L>): L[] | null {
  const item = (it: CItem) => a.item(it);
  const body = (b: CBody): L[] | null => {
    if (b.t === 'keyword') return item(b);
    if (b.t === 'map') return a.best(b.items.map(item));
    return a.union(b.alts.map((x) => (x.t === 'map' ? a.best(x.items.map(item)) : item(x))));
  };
  const cond = (c: CCond): L[] | null => {
    switch (c.t) {
      case 'and':
        return a.best(c.args.map(cond));
      case 'or':
        return a.union(c.args.map(cond));
      case 'not':
        return null;
      case 'ref':
        return body(c.sel.body);
      case 'of': {
        const ws = c.sels.map((x) => body(x.body));
        return c.quant === 'one' ? a.union(ws) : a.best(ws);
      }
    }
  };
  const w = a.union(d.conditions.map(cond));
  return w === null || w.length === 0 ? null : w;
}

export function detectionWitnesses(d: CompiledDetection): string[] | null {
  return combineDetection(d, { item: itemWitness, union, best });
}

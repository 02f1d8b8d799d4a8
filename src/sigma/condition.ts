/**
 * The condition grammar (spec: sigma-rules-specification.md §Condition).
 * Precedence from least to most binding: or, and, not, `x of`, parentheses.
 *
 *   or   := and ('or' and)*
 *   and  := not ('and' not)*
 *   not  := 'not' not | of
 *   of   := ('1' | 'all') 'of' (PATTERN | 'them') | atom
 *   atom := IDENTIFIER | '(' or ')'
 *
 * Operator words are matched case-insensitively. Constructs of Sigma 1.x that
 * version 2 dropped (`| count() ...` aggregations, `near`) are rejected with
 * a pointer to what replaced them. Offsets are kept on every node so errors
 * (and the explain feature) can point into the condition text.
 */

export type CondAst =
  | { t: 'or' | 'and'; args: CondAst[]; at: number }
  | { t: 'not'; arg: CondAst; at: number }
  | { t: 'id'; name: string; at: number }
  | { t: 'of'; quant: 'one' | 'all'; them: boolean; pattern: string; at: number };

export class ConditionSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

interface Tok {
  s: string;
  at: number;
}

const KEYWORDS = new Set(['and', 'or', 'not', 'of', 'them', 'all']);

export function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === '|') {
      out.push({ s: c, at: i });
      i++;
      continue;
    }
    const start = i;
    while (i < src.length && !' \t\n\r()|'.includes(src[i]!)) i++;
    out.push({ s: src.slice(start, i), at: start });
  }
  return out;
}

export function parseCondition(src: string): CondAst {
  const toks = tokenize(src);
  let p = 0;
  const peek = (): Tok | undefined => toks[p];
  const word = (t: Tok | undefined): string => (t ? t.s.toLowerCase() : '');
  const fail = (msg: string, at: number = peek()?.at ?? src.length): never => {
    throw new ConditionSyntaxError(msg, at);
  };
  if (toks.length === 0) fail('the condition is empty', 0);
  const pipe = toks.find((t) => t.s === '|');
  if (pipe) fail("aggregation expressions ('| count() ...') were removed in Sigma 2.0; use a correlation rule", pipe.at);

  const parseOr = (): CondAst => {
    const first = parseAnd();
    const args = [first];
    while (word(peek()) === 'or') {
      p++;
      args.push(parseAnd());
    }
    return args.length === 1 ? first : { t: 'or', args, at: first.at };
  };
  const parseAnd = (): CondAst => {
    const first = parseNot();
    const args = [first];
    while (word(peek()) === 'and') {
      p++;
      args.push(parseNot());
    }
    return args.length === 1 ? first : { t: 'and', args, at: first.at };
  };
  const parseNot = (): CondAst => {
    const t = peek();
    if (word(t) === 'not') {
      p++;
      return { t: 'not', arg: parseNot(), at: t!.at };
    }
    return parseOf();
  };
  const parseOf = (): CondAst => {
    const t = peek();
    if (!t) return fail('the condition ends where an identifier or "(" was expected');
    const w = word(t);
    const next = word(toks[p + 1]);
    if (next === 'of') {
      if (w !== '1' && w !== 'all') {
        if (w === 'any') fail("'any of' is not part of the Sigma 2.1 condition grammar; use '1 of'", t.at);
        fail(`only '1 of' and 'all of' are defined (spec: sigma-rules-specification.md §Condition), not '${t.s} of'`, t.at);
      }
      p += 2;
      const target = peek();
      if (!target || target.s === '(' || target.s === ')' || (KEYWORDS.has(word(target)) && word(target) !== 'them')) {
        fail(`'${t.s} of' must be followed by 'them' or a search-identifier pattern`, target?.at ?? src.length);
      }
      p++;
      const them = word(target) === 'them';
      return { t: 'of', quant: w === '1' ? 'one' : 'all', them, pattern: them ? 'them' : target!.s, at: t.at };
    }
    return parseAtom();
  };
  const parseAtom = (): CondAst => {
    const t = peek();
    if (!t) return fail('the condition ends where an identifier or "(" was expected');
    if (t.s === '(') {
      p++;
      const inner = parseOr();
      const close = peek();
      if (!close || close.s !== ')') fail("missing ')'", close?.at ?? src.length);
      p++;
      return inner;
    }
    if (t.s === ')') fail("unexpected ')'", t.at);
    const w = word(t);
    if (w === 'near') fail("'near' was removed in Sigma 2.0; use a temporal correlation rule", t.at);
    if (KEYWORDS.has(w) || w === '1') fail(`unexpected '${t.s}'`, t.at);
    if (t.s.includes('*')) fail(`wildcard '${t.s}' is only allowed after '1 of' or 'all of'`, t.at);
    p++;
    return { t: 'id', name: t.s, at: t.at };
  };

  const ast = parseOr();
  if (p < toks.length) {
    const t = toks[p]!;
    fail(t.s === ')' ? "unexpected ')'" : `expected 'and', 'or' or the end of the condition, found '${t.s}'`, t.at);
  }
  return ast;
}

/** Whether a search identifier matches an `x of` pattern: `*` stands for any run of characters. */
export function identifierMatches(pattern: string, name: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === name;
  if (!name.startsWith(parts[0]!)) return false;
  let pos = parts[0]!.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const f = name.indexOf(parts[i]!, pos);
    if (f < 0) return false;
    pos = f + parts[i]!.length;
  }
  const last = parts[parts.length - 1]!;
  return name.length - last.length >= pos && name.endsWith(last);
}

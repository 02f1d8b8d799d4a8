/**
 * The `re` modifier. The appendix (spec: sigma-appendix-modifiers.md §Regular
 * Expression) defines a PCRE subset; JavaScript's RegExp agrees with PCRE on
 * that subset. What JavaScript would silently read differently (`\A`, `\Z`,
 * `\h`, `\p{..}` without the `u` flag, `\x{..}`, inline `(?i)` ...) or what the
 * appendix lists as unsupported (lookaround, atomic groups, POSIX classes) is
 * rejected with its column instead of being matched wrongly.
 */
import { SigmaCompileError, shift } from './errors.js';
import type { Pos } from './errors.js';

/** Escapes meaning something else in PCRE than in a JavaScript RegExp without the `u` flag, or nothing in JavaScript. */
const PCRE_ONLY_ESCAPES = new Set(['A', 'Z', 'z', 'G', 'K', 'Q', 'E', 'h', 'H', 'R', 'X', 'N', 'e', 'a', 'g', 'o', 'p', 'P', 'C', 'L', 'l', 'U', 'u', 'v', 'V']);

/**
 * Checks the pattern and builds the RegExp once. `pos` is where the value
 * starts and `exact` says whether columns inside it can be computed.
 */
export function compileRegex(src: string, flags: string, pos: Pos | undefined, exact: boolean): RegExp {
  const fail = (at: number, msg: string): never => {
    throw new SigmaCompileError(`invalid regular expression /${src}/: ${msg}`, exact ? shift(pos, at) : pos);
  };
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') {
      const n = src[i + 1];
      if (n === undefined) fail(i, 'trailing backslash');
      if (PCRE_ONLY_ESCAPES.has(n!)) fail(i, `escape \\${n} is not supported (its meaning differs between PCRE and JavaScript)`);
      if (n === 'x' && !/^[0-9a-fA-F]{2}$/.test(src.slice(i + 2, i + 4))) fail(i, 'use \\x with exactly two hex digits');
      if (n === 'c' && !/^[A-Za-z]$/.test(src[i + 2] ?? '')) fail(i, '\\c must be followed by a letter');
      i++;
      continue;
    }
    if (inClass) {
      if (c === '[' && src[i + 1] === ':') fail(i, 'POSIX character classes like [[:digit:]] are not supported (spec: sigma-appendix-modifiers.md §Regular Expression)');
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      if (src[i + 1] === '^') i++;
      // A leading ] is a literal in PCRE; JavaScript reads [] as an empty class.
      if (src[i + 1] === ']') fail(i + 1, "a ']' first in a character class means different things in PCRE and JavaScript; escape it as \\]");
      continue;
    }
    if (c === '(' && src[i + 1] === '?') {
      const rest = src.slice(i + 2, i + 5);
      if (rest.startsWith(':')) continue;
      if (rest.startsWith('<') && /^<[A-Za-z_]/.test(rest)) continue; // named group, same in both
      if (rest.startsWith('=') || rest.startsWith('!') || rest.startsWith('<=') || rest.startsWith('<!')) fail(i, 'lookahead and lookbehind assertions are not supported (spec: sigma-appendix-modifiers.md §Regular Expression)');
      if (rest.startsWith('>')) fail(i, 'atomic groups are not supported (spec: sigma-appendix-modifiers.md §Regular Expression)');
      if (/^[-a-zA-Z]/.test(rest)) fail(i, "inline flags like (?i) are not supported; use the sub-modifiers 're|i', 're|m', 're|s' (spec: sigma-appendix-modifiers.md §Regular Expression)");
      fail(i, `group syntax '(?${rest[0] ?? ''}' is not supported`);
    }
    if ((c === '+' || c === '*' || c === '?' || c === '}') && src[i + 1] === '+') fail(i + 1, 'possessive quantifiers are not supported');
  }
  if (inClass) fail(src.length, 'unterminated character class');
  try {
    return new RegExp(src, flags);
  } catch (err) {
    const msg = err instanceof Error ? err.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /, '') : String(err);
    return fail(0, msg);
  }
}

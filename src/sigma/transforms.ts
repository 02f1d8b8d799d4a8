/**
 * Value transformations of the modifiers appendix: windash, the UTF-16
 * encodings and the two Base64 forms (spec: sigma-appendix-modifiers.md
 * §String Modifiers, §Encoding). They run once, at compile time.
 */
import type { PatTok } from './values.js';
import type { Encoding } from './modifiers.js';

/** `-`, `/`, en dash, em dash, horizontal bar (spec: sigma-appendix-modifiers.md §String Modifiers, windash). */
export const WINDASH_CHARS = '-/\u2013\u2014\u2015';

/**
 * windash as character classes: each dash-like character becomes "any of the
 * five". This is the same set of strings as all permutations, without the
 * 5^n blow-up.
 */
export function windashClasses(tokens: PatTok[]): PatTok[] {
  const out: PatTok[] = [];
  for (const t of tokens) {
    if (t.k !== 'lit') {
      out.push(t);
      continue;
    }
    let lit = '';
    for (const ch of t.s) {
      if (WINDASH_CHARS.includes(ch)) {
        if (lit !== '') out.push({ k: 'lit', s: lit });
        lit = '';
        out.push({ k: 'cls', chars: WINDASH_CHARS });
      } else lit += ch;
    }
    if (lit !== '') out.push({ k: 'lit', s: lit });
  }
  return out;
}

/** Upper bound on explicit windash permutations (only needed when they are Base64-encoded afterwards). */
export const MAX_PERMUTATIONS = 4096;

/** Every windash permutation of a plain string, or undefined when there would be more than MAX_PERMUTATIONS. */
export function windashPermutations(s: string): string[] | undefined {
  let out = [''];
  for (const ch of s) {
    if (WINDASH_CHARS.includes(ch)) {
      if (out.length * WINDASH_CHARS.length > MAX_PERMUTATIONS) return undefined;
      const next: string[] = [];
      for (const p of out) for (const d of WINDASH_CHARS) next.push(p + d);
      out = next;
    } else out = out.map((p) => p + ch);
  }
  return out;
}

/** The bytes a string stands for before Base64: UTF-8 unless an encoding modifier says otherwise. */
export function encodeBytes(s: string, enc: Encoding | undefined): Buffer {
  if (enc === undefined) return Buffer.from(s, 'utf8');
  const le = Buffer.from(s, 'utf16le');
  if (enc === 'utf16le') return le;
  if (enc === 'utf16') return Buffer.concat([Buffer.from([0xff, 0xfe]), le]);
  const be = Buffer.alloc(le.length);
  for (let i = 0; i + 1 < le.length; i += 2) {
    be[i] = le[i + 1]!;
    be[i + 1] = le[i]!;
  }
  return be;
}

export function base64(bytes: Buffer): string {
  return bytes.toString('base64');
}

/**
 * The three Base64 forms of `bytes` when they sit at offset 0, 1 or 2 of a
 * longer encoded text. Characters that also depend on the unknown
 * neighbouring bytes are cut off: 0/2/3 at the start for a shift of 0/1/2
 * bytes, and at the end 0, 3 or 2 characters as (shift + length) mod 3 is
 * 0, 1 or 2 (the partly determined last character plus padding).
 */
export function base64Offsets(bytes: Buffer): string[] {
  const out: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const enc = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    const start = [0, 2, 3][shift]!;
    const cut = [0, 3, 2][(shift + bytes.length) % 3]!;
    const frag = enc.slice(start, enc.length - cut);
    if (frag !== '' && !out.includes(frag)) out.push(frag);
  }
  return out;
}

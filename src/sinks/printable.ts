/**
 * Text from the log made safe to print on a terminal. Usernames, user agents,
 * request URIs, auditIDs and resource names are the requester's to choose: an
 * escape sequence in one could clear the screen, move the cursor over an
 * alert, retitle the window, or start a line that looks like tokenwatch's own.
 * Every control character (C0, DEL, C1) and every Unicode control that
 * reorders or breaks lines (bidirectional overrides and isolates, the line and
 * paragraph separators) is shown as an escape instead (`\x1b`, `\u202e`); the
 * rest of the text is left as it is. Machine outputs (NDJSON, JSON) need none
 * of this: JSON escapes what it must.
 */

const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escapeOne(c: string): string {
  const u = c.charCodeAt(0);
  return u < 0x100 ? `\\x${u.toString(16).padStart(2, '0')}` : `\\u${u.toString(16).padStart(4, '0')}`;
}

/** The string with its unsafe characters shown as escapes (the same string when it has none). */
export function printable(s: string): string {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(s) ? s.replace(UNSAFE, escapeOne) : s;
}

/** A copy of plain data (objects, arrays, strings, numbers) with every string, keys too, made printable. */
export function printableDeep<T>(x: T): T {
  if (typeof x === 'string') return printable(x) as T;
  if (Array.isArray(x)) return x.map(printableDeep) as T;
  if (x !== null && typeof x === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) out[printable(k)] = printableDeep(v);
    return out as T;
  }
  return x;
}

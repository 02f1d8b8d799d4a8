export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** JSON.parse that reports instead of throwing; the message never quotes the input (it may hold credentials). */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/Unexpected end of JSON input/.test(msg) && /^\s*$/.test(text)) return { ok: false, reason: 'empty record' };
    // NUL and other control bytes outside strings: no text log at all (a binary file, a compressed one read as text)
    if (/[\x00-\x08\x0e-\x1a]/.test(text.slice(0, 256))) return { ok: false, reason: 'binary data, not a JSON record (is this a log? a compressed file must be gzip)' };
    // V8 quotes the offending text in some messages; keep only the position.
    const pos = /position (\d+)/.exec(msg);
    // A parse that fails at the very end of the text: the record was cut short.
    const truncated = /Unexpected end of JSON input|Unterminated string/.test(msg) || (pos !== null && Number(pos[1]) >= text.trimEnd().length);
    if (/non-whitespace character after JSON/.test(msg)) {
      return { ok: false, reason: `invalid JSON: unexpected data after the first JSON value${pos ? ` at character ${Number(pos[1]) + 1}` : ''}` };
    }
    return { ok: false, reason: truncated ? 'invalid JSON: truncated record' : `invalid JSON${pos ? ` at character ${Number(pos[1]) + 1}` : ''}` };
  }
}

/** True when JSON.parse failed because a second value follows the first (`{...}{...}` or `{...}\n{...}`). */
export function isTrailingDataError(reason: string): boolean {
  return reason.startsWith('invalid JSON: unexpected data after the first JSON value');
}

/** Cap on the JSON documents split out of one text; a longer run is cut there and reported. */
export const MAX_VALUES_PER_TEXT = 100_000;

/**
 * Splits text holding several top-level JSON objects or arrays, concatenated (`{...}{...}`, as Firehose writes
 * CloudWatch Logs records to S3) or one per line, into the slices of each value. One linear pass that tracks
 * strings and nesting depth; it does not validate (each slice is parsed afterwards). Returns undefined when the
 * text holds something other than objects/arrays between values, or only one value.
 */
export function splitJsonValues(text: string, maxValues = MAX_VALUES_PER_TEXT): { start: number; end: number }[] | undefined {
  const out: { start: number; end: number }[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    let c = text.charCodeAt(i);
    // skip whitespace (space, tab, CR, LF) and a BOM between values
    if (isWhite(c)) {
      i++;
      continue;
    }
    if (c !== 0x7b && c !== 0x5b) return undefined; // each value must be an object or array
    const start = i;
    let depth = 0;
    let inString = false;
    for (; i < n; i++) {
      c = text.charCodeAt(i);
      if (inString) {
        if (c === 0x5c) i++; // backslash: skip the escaped character
        else if (c === 0x22) inString = false;
      } else if (c === 0x22) inString = true;
      else if (c === 0x7b || c === 0x5b) depth++;
      else if (c === 0x7d || c === 0x5d) {
        depth--;
        if (depth === 0) {
          i++;
          break;
        }
      }
    }
    out.push({ start, end: Math.min(i, n) });
    // an unbalanced tail (a truncated last value) is kept: its parse says "truncated"
    if (depth !== 0 || out.length > maxValues) break;
  }
  return out.length > 1 ? out : undefined;
}

/** The list members of the envelopes the formats read (EventList, AKS/Event Hubs, CloudWatch Logs, Kinesis, GCP list responses). */
const LIST_KEYS = new Set(['items', 'records', 'Records', 'logEvents', 'entries']);

/**
 * The elements of a list that did not parse as a whole: a top-level array's, or
 * the first top-level list member's of an envelope object (LIST_KEYS; `head`
 * is the object up to and including that list's `[`). One pass that tracks
 * strings and nesting, as splitJsonValues; it does not validate, so one bad
 * element costs only itself. `close`: where the list's `]` is (-1: it never
 * closed). Undefined when the text is neither.
 */
export function listElements(text: string): { field: string; head: string; slices: { start: number; end: number }[]; close: number } | undefined {
  const n = text.length;
  let i = 0;
  while (i < n && isWhite(text.charCodeAt(i))) i++;
  const c0 = text.charCodeAt(i);
  let field = '';
  let head = '';
  let inString = false;
  if (c0 === 0x7b) {
    // the object's members at depth 1: a key, then the list whose elements are wanted
    let depth = 0;
    let keyStart = -1;
    let key = '';
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (inString) {
        if (c === 0x5c) i++;
        else if (c === 0x22) {
          inString = false;
          if (depth === 1 && keyStart >= 0) key = text.slice(keyStart, i);
        }
        continue;
      }
      if (c === 0x22) {
        inString = true;
        keyStart = depth === 1 && key === '' ? i + 1 : -1;
      } else if (c === 0x2c && depth === 1) key = '';
      else if (c === 0x7b || c === 0x5b) {
        depth++;
        if (depth === 2 && c === 0x5b && LIST_KEYS.has(key)) {
          field = key;
          head = text.slice(0, i + 1);
          i++;
          break;
        }
        if (depth === 2) key = '-';
      } else if (c === 0x7d || c === 0x5d) {
        depth--;
        if (depth === 0) return undefined;
      }
    }
    if (field === '') return undefined;
  } else if (c0 === 0x5b) i++;
  else return undefined;
  // the list's elements: at depth 0 relative to it, separated by commas
  const slices: { start: number; end: number }[] = [];
  let depth = 0;
  let start = -1;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (depth === 0) {
      if (c === 0x2c || c === 0x5d) {
        if (start >= 0) slices.push({ start, end: i });
        start = -1;
        if (c === 0x5d) return { field, head, slices, close: i };
        continue;
      }
      if (start < 0 && !isWhite(c)) start = i;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) depth--;
    if (depth < 0) break;
  }
  // the list never closed: what was begun is kept (its parse says "truncated")
  if (start >= 0) slices.push({ start, end: Math.min(i, n) });
  return { field, head, slices, close: -1 };
}

/** JSON whitespace, and a byte-order mark. */
function isWhite(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a || c === 0xfeff;
}

/**
 * A vendor enumeration value (an AKS category, a CloudWatch messageType, a GCP serviceName) for a rejection
 * reason, only when it has the narrow shape of such names (`pattern`); anything else, which could be free text or a
 * credential, is never quoted.
 */
export function safeName(v: unknown, pattern: RegExp): string | undefined {
  return typeof v === 'string' && v.length <= 64 && pattern.test(v) ? v : undefined;
}
export const CATEGORY_NAME = /^[a-z][a-z0-9-]*$/;
export const MESSAGE_TYPE_NAME = /^[A-Z][A-Z_]*$/;
export const SERVICE_NAME = /^[a-z0-9][a-z0-9.-]*$/;

/** Sets an own property, also for the key `__proto__` (which plain assignment would turn into a prototype change). */
export function setOwn(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

/** Reads an own property only (never one inherited from Object.prototype). */
export function getOwn(o: Record<string, unknown>, k: string): unknown {
  return Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined;
}

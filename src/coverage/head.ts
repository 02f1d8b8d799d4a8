/**
 * What the coverage collector needs of a line the scan does not parse: the
 * verb, objectRef's resource and subresource, and the time, read from the
 * bytes of a raw audit event as the API server writes it (Go's
 * encoding/json, fields in the Event struct's order: ... `verb`, `user`,
 * `impersonatedUser`, `sourceIPs`, `userAgent`, `objectRef`,
 * `responseStatus`, `requestObject`, `responseObject`,
 * `requestReceivedTimestamp`, `stageTimestamp`, `annotations`).
 *
 * A quote inside a JSON string is written `\"`, so a key with its quotes
 * (`"verb":"`) found before any nested object is the top-level key; the
 * timestamps are found from the end, after the last nested object. Anything
 * unexpected returns null, and the caller parses the line instead.
 *
 * This is the reference: the scan's prefilter already searches each line for
 * literals in one pass, and is the cheaper place to find `"objectRef":{"resource":"`
 * and `"subresource":"` (see docs/coverage.md, "Wiring").
 */
import type { EventHead } from './collector.js';

const K_VERB = ',"verb":"';
const K_OBJREF = ',"objectRef":{';
const K_STATUS = ',"responseStatus":';
const K_REQOBJ = ',"requestObject":';
const K_RESPOBJ = ',"responseObject":';
const K_RRT = ',"requestReceivedTimestamp":"';
const K_STS = ',"stageTimestamp":"';
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The plain string starting at `from` (just after its opening quote), or null when it has escapes or never ends. */
function plainString(line: string, from: number): { value: string; next: number } | null {
  const q = line.indexOf('"', from);
  if (q < 0) return null;
  const b = line.indexOf('\\', from);
  if (b >= 0 && b < q) return null;
  return { value: line.slice(from, q), next: q + 1 };
}

function firstOf(line: string, keys: string[], from: number): number {
  let best = line.length;
  for (const k of keys) {
    const i = line.indexOf(k, from);
    if (i >= 0 && i < best) best = i;
  }
  return best;
}

/** The head of a raw audit event line buf[start, end); null when the line is not in the API server's form. */
export function rawHead(buf: Buffer, start: number, end: number): EventHead | null {
  // one latin1 copy of the line: V8's string search is much faster than Buffer.indexOf on short haystacks
  return headOf(buf.toString('latin1', start, end));
}

/** The same, from the line as text. */
export function headOf(line: string): EventHead | null {
  const v = line.indexOf(K_VERB);
  if (v < 0) return null;
  const verb = plainString(line, v + K_VERB.length);
  if (!verb) return null;
  const head: EventHead = { verb: verb.value };
  // objectRef must come before any body (which could hold a nested "objectRef")
  const o = line.indexOf(K_OBJREF, verb.next);
  // the first "requestObject"/"responseObject" key is the top-level one, or nested in a top-level body: either way a body
  head.body = line.indexOf(K_REQOBJ, verb.next) >= 0 || line.indexOf(K_RESPOBJ, verb.next) >= 0;
  if (o >= 0 && o < firstOf(line, [K_STATUS, K_REQOBJ, K_RESPOBJ, K_RRT], verb.next)) {
    // objectRef holds only string values: "key":"value" pairs up to the closing brace
    let i = o + K_OBJREF.length;
    for (;;) {
      const c = line.charCodeAt(i);
      if (c === 0x7d) break; // }
      if (c !== QUOTE) return null;
      const key = plainString(line, i + 1);
      if (!key || line.charCodeAt(key.next) !== 0x3a || line.charCodeAt(key.next + 1) !== QUOTE) return null; // :"
      i = key.next + 2;
      const val = plainString(line, i);
      if (!val) {
        // an escaped value (a name with a quote in it): skip the string, if it is not one we need
        if (key.value === 'resource' || key.value === 'subresource') return null;
        let j = i;
        while (j < line.length && line.charCodeAt(j) !== QUOTE) j += line.charCodeAt(j) === BACKSLASH ? 2 : 1;
        if (j >= line.length) return null;
        i = j + 1;
      } else {
        if (key.value === 'resource') head.resource = val.value;
        else if (key.value === 'subresource') head.subresource = val.value;
        i = val.next;
      }
      const d = line.charCodeAt(i);
      if (d === 0x2c) i++; // ,
      else if (d !== 0x7d) return null;
    }
  }
  // the timestamps follow the bodies; only annotations (string values) come after them. The event time is the
  // engine's (eventTime): when the request was received, else when the stage was written
  for (const key of [K_RRT, K_STS]) {
    const at = line.lastIndexOf(key);
    const t = at >= 0 ? plainString(line, at + key.length) : null;
    if (t) {
      head.time = t.value;
      break;
    }
  }
  return head;
}

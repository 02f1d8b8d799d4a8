/**
 * Detects the format of each record and hands it to its adapter. Adapters are
 * tried in order; the first whose `detect` accepts the value decodes it. The
 * order goes from the most specific shape to the least: vendor envelopes first,
 * the raw audit event last, so that raw never swallows an envelope.
 *
 * Record text (decodeRecord) may also be:
 * - prefixed by a UTF-8 byte-order mark (dropped);
 * - several JSON documents on one line, concatenated or separated by spaces (`{...}{...}`, as Firehose writes
 *   CloudWatch Logs records to S3): each is decoded, `place.index` = its position in the line;
 * - a timestamp, a space and a JSON document (timestamp-prefix.ts). CloudWatch Logs' S3 export writes
 *   `<YYYY-MM-DDTHH:MM:SS.mmmZ> <message>`; a raw audit event in that exact layout is labelled `eks`, the one
 *   producer of it for audit logs. Any other timestamp layout (RFC 3339 nano of `kubectl logs --timestamps`, the
 *   CRI log format `<ts> stdout F <json>`) carries no vendor evidence, so its JSON is decoded as it is (`raw` for a
 *   raw event). CRI partial lines (`P`) cannot be decoded alone and are rejected.
 */
import type { Rejection } from '../event/types.js';
import { isObject, isTrailingDataError, listElements, MAX_VALUES_PER_TEXT, parseJson, splitJsonValues } from './json.js';
import { aksAdapter } from './aks.js';
import { ecsAdapter } from './ecs.js';
import { eksAdapter } from './eks.js';
import { elementCtx, emit, reject } from './envelope.js';
import { gkeAdapter } from './gke.js';
import { looksLikeRawEvent, rawAdapter } from './raw.js';
import { timestampPrefix } from './timestamp-prefix.js';
import type { DecodeContext, DecodeSink, FormatAdapter, RawRecord } from './types.js';

export const ADAPTERS: FormatAdapter[] = [eksAdapter, aksAdapter, gkeAdapter, ecsAdapter, rawAdapter];

export function adapterNamed(name: string): FormatAdapter | undefined {
  return ADAPTERS.find((a) => a.name === name);
}

export interface PickOptions {
  /** Force one adapter instead of detecting (`--input-format`). */
  format?: string;
  cluster?: string;
}

/** Decodes an already-parsed JSON value found at `ctx.place`. Arrays are decoded element by element. */
export function decodeValue(value: unknown, ctx: DecodeContext, out: DecodeSink, opts: PickOptions = {}): void {
  if (Array.isArray(value)) {
    if (value.length === 0) return out.skip?.({ place: ctx.place, reason: 'empty JSON array' });
    value.forEach((el, index) => decodeArrayElement(el, elementCtx(ctx, '', index), out, opts));
    return;
  }
  decodeOne(value, ctx, out, opts);
}

/** One element of a top-level JSON array, at its context. */
function decodeArrayElement(el: unknown, c: DecodeContext, out: DecodeSink, opts: PickOptions): void {
  if (Array.isArray(el)) return reject(out, c, 'JSON array inside a JSON array is not an audit event');
  decodeOne(el, c, out, opts);
}

/** The adapter that decodes an object (the forced one, else the first that detects it), as decodeOne picks it. */
export function adapterFor(value: Record<string, unknown>, opts: PickOptions = {}): FormatAdapter | undefined {
  const forced = opts.format ? adapterNamed(opts.format) : undefined;
  return forced ?? ADAPTERS.find((a) => a.detect(value));
}

function decodeOne(value: unknown, ctx: DecodeContext, out: DecodeSink, opts: PickOptions): void {
  if (!isObject(value)) {
    return reject(out, ctx, `JSON ${value === null ? 'null' : typeof value} is not an audit event`);
  }
  const adapter = adapterFor(value, opts);
  if (!adapter) return reject(out, ctx, describeUnknown(value));
  adapter.decode(value, ctx, out);
}

export function decodeRecord(rec: RawRecord, out: DecodeSink, opts: PickOptions = {}): void {
  let text = rec.text;
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const ctx: DecodeContext = { place: rec.place, ...(opts.cluster !== undefined ? { cluster: opts.cluster } : {}) };
  const ts = timestampPrefix(text);
  if (ts) return decodeTimestamped(text, ts, ctx, out, opts);
  const parsed = parseJson(text);
  if (parsed.ok) return decodeValue(parsed.value, ctx, out, opts);
  if (isTrailingDataError(parsed.reason)) {
    const slices = splitJsonValues(text);
    if (slices) {
      slices.forEach((s, k) => {
        const c = elementCtx(ctx, '', k);
        if (k === MAX_VALUES_PER_TEXT) return reject(out, c, `more than ${MAX_VALUES_PER_TEXT} JSON documents on one line: the rest of the line is not decoded`);
        const one = parseJson(text.slice(s.start, s.end));
        if (!one.ok) return reject(out, c, one.reason);
        decodeValue(one.value, c, out, opts);
      });
      return;
    }
  }
  // A compact list (an EventList or array on one line, as webhooks and exporters write them) with one bad element:
  // the others are read one by one, the bad one rejected with its index, instead of the whole list lost
  const list = parsed.reason === 'empty record' ? undefined : listElements(text);
  if (list && list.slices.length > 0) return decodeElements(text, list, ctx, out, opts, parsed.reason);
  out.reject({ place: rec.place, reason: parsed.reason });
}

function decodeElements(text: string, list: NonNullable<ReturnType<typeof listElements>>, ctx: DecodeContext, out: DecodeSink, opts: PickOptions, reason: string): void {
  // an envelope broken outside its list: one rejection, as before, not one per element
  if (list.field !== '' && !parseJson(`${list.head}]}`).ok) return out.reject({ place: ctx.place, reason });
  list.slices.forEach((s, k) => {
    const c = elementCtx(ctx, list.field, k);
    const one = parseJson(text.slice(s.start, s.end));
    if (!one.ok) return reject(out, c, one.reason);
    if (list.field === '') return decodeArrayElement(one.value, c, out, opts);
    // an envelope's element is read inside its envelope (the adapter reads the envelope's other members), at its index
    const wrapped = parseJson(`${list.head}${text.slice(s.start, s.end)}]}`);
    if (!wrapped.ok) return reject(out, c, `the object around "${list.field}" is not valid JSON: ${wrapped.reason}`);
    decodeValue(wrapped.value, { ...ctx, place: c.place }, out, opts);
  });
  // what follows the list must be valid too: the elements were read, and the rest is said once
  if (list.close < 0) return;
  const rest = text.slice(list.close);
  if (list.field === '') {
    if (rest.slice(1).trim() !== '') out.reject({ place: ctx.place, reason: 'unexpected data after the JSON array (its elements were read)' });
    return;
  }
  const after = parseJson(`${list.head}${rest}`);
  if (!after.ok) out.reject({ place: ctx.place, reason: `the object around "${list.field}" is not valid JSON after the list (its elements were read): ${after.reason}` });
}

function decodeTimestamped(text: string, ts: NonNullable<ReturnType<typeof timestampPrefix>>, ctx: DecodeContext, out: DecodeSink, opts: PickOptions): void {
  if (ts.cri && ts.cri.tag.split(':').includes('P')) {
    return out.reject({ place: ctx.place, reason: 'CRI log partial line (tag P): the event continues in the next record and cannot be decoded alone' });
  }
  const parsed = parseJson(text.slice(ts.rest));
  if (!parsed.ok) return out.reject({ place: ctx.place, reason: `after the timestamp prefix: ${parsed.reason}` });
  const v = parsed.value;
  if (ts.cloudwatchExport && !opts.format && isObject(v) && looksLikeRawEvent(v)) return emit(out, ctx, v, 'eks');
  decodeValue(v, ctx, out, opts);
}

function describeUnknown(v: Record<string, unknown>): string {
  const keys = Object.keys(v).slice(0, 6).map((k) => JSON.stringify(k.slice(0, 40)));
  return `JSON object is not an audit event in any known format (keys: ${keys.join(', ')}${Object.keys(v).length > 6 ? ', …' : ''})`;
}

export type { Rejection };

/**
 * Detects the format of each record and hands it to its adapter. Adapters are
 * tried in order; the first whose `detect` accepts the value decodes it.
 */
import type { Rejection } from '../event/types.js';
import { isObject, parseJson } from './json.js';
import { rawAdapter } from './raw.js';
import type { DecodeContext, DecodeSink, FormatAdapter, RawRecord } from './types.js';

export const ADAPTERS: FormatAdapter[] = [rawAdapter];

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
    value.forEach((el, index) => decodeValue(el, { ...ctx, place: { ...ctx.place, index } }, out, opts));
    return;
  }
  if (!isObject(value)) {
    out.reject({ place: ctx.place, reason: `JSON ${value === null ? 'null' : typeof value} is not an audit event` });
    return;
  }
  const forced = opts.format ? adapterNamed(opts.format) : undefined;
  const adapter = forced ?? ADAPTERS.find((a) => a.detect(value));
  if (!adapter) {
    out.reject({ place: ctx.place, reason: describeUnknown(value) });
    return;
  }
  adapter.decode(value, ctx, out);
}

export function decodeRecord(rec: RawRecord, out: DecodeSink, opts: PickOptions = {}): void {
  const parsed = parseJson(rec.text);
  if (!parsed.ok) {
    out.reject({ place: rec.place, reason: parsed.reason });
    return;
  }
  decodeValue(parsed.value, { place: rec.place, cluster: opts.cluster }, out, opts);
}

function describeUnknown(v: Record<string, unknown>): string {
  const keys = Object.keys(v).slice(0, 6).map((k) => JSON.stringify(k.slice(0, 40)));
  return `JSON object is not an audit event in any known format (keys: ${keys.join(', ')}${Object.keys(v).length > 6 ? ', …' : ''})`;
}

export type { Rejection };

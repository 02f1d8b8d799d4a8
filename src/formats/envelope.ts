/**
 * Helpers shared by the adapters for envelopes (EventList items, records[], logEvents[], events[], hits.hits[],
 * entries[]): where a nested value sits, and reporting it.
 *
 * `place.index` is set by the OUTERMOST envelope of a record (the array a person sees when opening the file:
 * Firehose `records[i]`, CloudWatch `events[i]`, `hits.hits[i]`); values nested deeper keep that index, and the
 * full path (`records[2].data/logEvents[5].message`) goes into `ctx.path`, which prefixes every rejection reason.
 */
import type { AuditEvent } from '../event/types.js';
import { eventProblem } from './check.js';
import type { DecodeContext, DecodeSink } from './types.js';

/** The context of element `index` of the array at `field` (a JSON path segment such as `records`). */
export function elementCtx(ctx: DecodeContext, field: string, index: number): DecodeContext {
  const place = ctx.place.index === undefined ? { ...ctx.place, index } : ctx.place;
  return { ...ctx, place, path: joinPath(ctx.path, `${field}[${index}]`) };
}

/** The context of a nested field (`data`, `message`, `properties.log`). */
export function fieldCtx(ctx: DecodeContext, field: string): DecodeContext {
  return { ...ctx, path: joinPath(ctx.path, field) };
}

function joinPath(path: string | undefined, seg: string): string {
  if (!path) return seg;
  return seg.startsWith('[') ? path + seg : `${path}.${seg}`;
}

export function reject(out: DecodeSink, ctx: DecodeContext, reason: string): void {
  out.reject({ place: ctx.place, reason: ctx.path ? `${ctx.path}: ${reason}` : reason });
}

export function skip(out: DecodeSink, ctx: DecodeContext, reason: string): void {
  out.skip?.({ place: ctx.place, reason: ctx.path ? `${ctx.path}: ${reason}` : reason });
}

/** Checks an event's types and hands it to the sink, or rejects it with the problem. */
export function emit(out: DecodeSink, ctx: DecodeContext, event: Record<string, unknown>, format: string, cluster?: string): void {
  const problem = eventProblem(event);
  if (problem) return reject(out, ctx, problem);
  const c = cluster ?? ctx.cluster;
  out.event({ event: event as AuditEvent, place: ctx.place, format, ...(c !== undefined ? { cluster: c } : {}) });
}

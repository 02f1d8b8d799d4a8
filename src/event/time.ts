/**
 * Event time: the moment the API server received the request. Vendors write it
 * differently (RFC 3339 with nanoseconds, a space instead of `T`, no zone), so
 * it is parsed leniently; an event without a usable time gets NaN and is kept.
 */
import type { AuditEvent } from './types.js';

const SPACE_FORM = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/;

export function parseTime(s: unknown): number {
  if (typeof s !== 'string' || s === '') return NaN;
  let t = Date.parse(s);
  if (!Number.isNaN(t)) return t;
  const m = SPACE_FORM.exec(s);
  if (m) {
    const frac = m[3] ? m[3].slice(0, 4) : '';
    t = Date.parse(`${m[1]}T${m[2]}${frac}${m[4] ?? 'Z'}`);
  }
  return t;
}

export function eventTime(ev: AuditEvent): number {
  const t = parseTime(ev.requestReceivedTimestamp);
  return Number.isNaN(t) ? parseTime(ev.stageTimestamp) : t;
}

export function isoTime(ms: number): string | undefined {
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

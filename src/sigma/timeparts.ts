/**
 * Time modifiers (spec: sigma-appendix-modifiers.md §Time Modifiers): a
 * number taken out of a date value. The appendix says they do not convert
 * time zones or formats, so the parts are read as written in an ISO 8601
 * text (`2024-03-26T10:05:00Z` has hour 10 whatever the offset says).
 * Anything that is not such a text does not match.
 */
import type { TimePart } from './modifiers.js';

const DAY_MS = 86_400_000;

function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    v = v * 10 + (c - 48);
  }
  return v;
}

function dayNumber(y: number, m: number, d: number): number {
  return Date.UTC(y, m - 1, d) / DAY_MS;
}

/** ISO 8601 week number (weeks start on Monday; week 1 holds the year's first Thursday). */
export function isoWeek(y: number, m: number, d: number): number {
  const days = dayNumber(y, m, d);
  const weekday = ((((days + 3) % 7) + 7) % 7) + 1; // 1970-01-01 was a Thursday; Monday = 1
  const thursday = days - weekday + 4;
  let year = y;
  if (thursday < dayNumber(y, 1, 1)) year = y - 1;
  else if (thursday >= dayNumber(y + 1, 1, 1)) year = y + 1;
  return Math.floor((thursday - dayNumber(year, 1, 1)) / 7) + 1;
}

/** The part of an event value, or undefined when the value is not an ISO 8601 date(-time) text. */
export function timePart(v: unknown, part: TimePart): number | undefined {
  if (typeof v !== 'string' || v.length < 10) return undefined;
  if (v.charCodeAt(4) !== 45 || v.charCodeAt(7) !== 45) return undefined;
  const y = digits(v, 0, 4);
  const mo = digits(v, 5, 2);
  const d = digits(v, 8, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31) return undefined;
  if (part === 'year') return y;
  if (part === 'month') return mo;
  if (part === 'day') return d;
  if (part === 'week') return isoWeek(y, mo, d);
  const sep = v.charCodeAt(10);
  if (v.length < 16 || (sep !== 84 && sep !== 116 && sep !== 32) || v.charCodeAt(13) !== 58) return undefined;
  const h = digits(v, 11, 2);
  const mi = digits(v, 14, 2);
  if (h < 0 || h > 23 || mi < 0 || mi > 59) return undefined;
  return part === 'hour' ? h : mi;
}

/** Shared by the format tests: paths, a collecting sink, and a minimal line splitter standing in for a source. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Rejection } from '../../src/event/types.js';
import { decodeRecord, type PickOptions } from '../../src/formats/picker.js';
import type { Decoded, DecodeSink } from '../../src/formats/types.js';

/** Repository root: compiled tests run from dist/test/formats/, three levels below it. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const FIXTURES = join(ROOT, 'test', 'fixtures', 'formats');
export const CORPUS = join(ROOT, '..', 'shared', 'corpus');

export interface Collected {
  events: Decoded[];
  rejects: Rejection[];
  skips: Rejection[];
}

export function collector(): Collected & { sink: DecodeSink } {
  const c: Collected = { events: [], rejects: [], skips: [] };
  return {
    ...c,
    sink: {
      event: (d) => void c.events.push(d),
      reject: (r) => void c.rejects.push(r),
      skip: (r) => void c.skips.push(r),
    },
  };
}

export function fixture(rel: string): string {
  return readFileSync(join(FIXTURES, rel), 'utf8');
}

/** Decodes a whole file as one record (a pretty-printed JSON document). */
export function decodeDocument(rel: string, opts: PickOptions = {}): Collected {
  const c = collector();
  decodeRecord({ text: fixture(rel), place: { file: rel, line: 1 } }, c.sink, opts);
  return c;
}

/** Decodes a file line by line (CRLF tolerated, blank lines skipped), as a line source would hand it over. */
export function decodeLines(rel: string, opts: PickOptions = {}, text = fixture(rel)): Collected {
  const c = collector();
  text.split('\n').forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    decodeRecord({ text: line, place: { file: rel, line: i + 1 } }, c.sink, opts);
  });
  return c;
}

export function decodeText(text: string, opts: PickOptions = {}, file = 'inline', line = 1): Collected {
  const c = collector();
  decodeRecord({ text, place: { file, line } }, c.sink, opts);
  return c;
}

/** The fields the cross-format comparison looks at. */
export function core(d: Decoded): Record<string, unknown> {
  const e = d.event;
  return {
    verb: e.verb,
    username: e.user?.username,
    objectRef: {
      resource: e.objectRef?.resource,
      subresource: e.objectRef?.subresource,
      namespace: e.objectRef?.namespace,
      name: e.objectRef?.name,
      apiGroup: e.objectRef?.apiGroup || undefined,
      apiVersion: e.objectRef?.apiVersion,
    },
    sourceIPs: e.sourceIPs,
    code: e.responseStatus?.code,
  };
}

export function counts(events: Decoded[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of events) out[e.format] = (out[e.format] ?? 0) + 1;
  return out;
}

/** The type guarantees every decoded event must meet (check.ts). */
export function assertTypes(d: Decoded): string | undefined {
  const e = d.event as Record<string, unknown>;
  if (typeof e.verb !== 'string' || e.verb === '') return 'verb';
  if (e.sourceIPs !== undefined && (!Array.isArray(e.sourceIPs) || e.sourceIPs.some((x) => typeof x !== 'string'))) return 'sourceIPs';
  const rs = e.responseStatus as Record<string, unknown> | undefined;
  if (rs !== undefined && (rs === null || typeof rs !== 'object')) return 'responseStatus';
  if (rs && rs.code !== undefined && typeof rs.code !== 'number') return 'responseStatus.code';
  const u = e.user as Record<string, unknown> | undefined;
  if (u !== undefined && (u === null || typeof u !== 'object' || Array.isArray(u))) return 'user';
  if (u && u.username !== undefined && typeof u.username !== 'string') return 'user.username';
  if (typeof d.format !== 'string') return 'format';
  if (typeof d.place?.file !== 'string' || typeof d.place.line !== 'number') return 'place';
  return undefined;
}

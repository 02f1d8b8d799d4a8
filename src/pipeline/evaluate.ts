/**
 * Decoding and judging one record: decode (formats) → redact → match every
 * rule → hand matches to the stage judge. Shared by `scan`, `rules test` and
 * anything else that turns records into alerts, so they cannot drift apart.
 */
import { redactEvent } from '../event/redact.js';
import type { AuditEvent, EventRecord, Place, Rejection, Source } from '../event/types.js';
import { eventProblem } from '../formats/check.js';
import { isObject } from '../formats/json.js';
import { adapterFor, decodeRecord, decodeValue, type PickOptions } from '../formats/picker.js';
import { rawAdapter } from '../formats/raw.js';
import type { Decoded, DecodeSink, RawRecord } from '../formats/types.js';
import type { RuleSpec } from '../ruleset/rule-spec.js';

export interface DecodeCounters {
  events: number;
  rejected: number;
  /** understood records that hold no audit event (control messages, empty envelopes) */
  empty: number;
  redacted: number;
  byFormat: Record<string, number>;
}

export function newCounters(): DecodeCounters {
  return { events: 0, rejected: 0, empty: 0, redacted: 0, byFormat: {} };
}

export interface DecodeHandlers {
  event(rec: EventRecord): void;
  reject(r: Rejection): void;
}

/** The provenance of a decoded event (one shape wherever it is built: workers rebuild it from parts). */
export function sourceOf(place: Place, format: string, cluster: string | undefined): Source {
  // the place's keys in their order, then format (the common shapes built directly: spreading places of
  // many shapes is slow in V8)
  let source: Source;
  if (place.index === undefined) source = place.offset === undefined ? { file: place.file, line: place.line, format } : { file: place.file, line: place.line, offset: place.offset, format };
  else if (place.offset === undefined) source = { file: place.file, line: place.line, index: place.index, format };
  else source = { ...place, format };
  if (cluster) source.cluster = cluster;
  return source;
}

function sinkFor(c: DecodeCounters, h: DecodeHandlers, defaultCluster?: string, redact = true): DecodeSink {
  return {
    event(d: Decoded) {
      c.events++;
      c.byFormat[d.format] = (c.byFormat[d.format] ?? 0) + 1;
      if (redact) c.redacted += redactEvent(d.event);
      h.event({ event: d.event, source: sourceOf(d.place, d.format, d.cluster ?? defaultCluster) });
    },
    reject(r) {
      c.rejected++;
      h.reject(r);
    },
    skip() {
      c.empty++;
    },
  };
}

/**
 * Decodes one raw record; each event is redacted before the handler sees it.
 * `redact: false` is for records the prefilter knows hold nothing redaction
 * would change (REDACTION_TRIGGERS).
 */
export function decodeInto(rec: RawRecord, c: DecodeCounters, h: DecodeHandlers, opts: PickOptions = {}, redact = true): void {
  decodeRecord(rec, sinkFor(c, h, opts.cluster, redact), opts);
}

/**
 * The one event decodeInto would give for a record of text that holds nothing
 * redaction would change (a line the prefilter skipped: REDACTION_TRIGGERS),
 * when that text is a single raw audit event, the common case; undefined for
 * anything else (decode it with decodeInto). For the coverage report's sample
 * of skipped lines, front-loaded (each request class has its first events
 * sampled): the picker's general path and the redaction walk cost some 36 µs a
 * sampled line in a profile of a log's first lines; this path saved 156 M of
 * the 52,691 M instructions the bench log's default scan spent.
 */
export function plainRawEvent(text: string, opts: PickOptions): AuditEvent | undefined {
  // (a byte-order mark or a timestamp prefix: decodeRecord's own paths)
  if (text.charCodeAt(0) !== 0x7b) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(v) || v.kind === 'EventList' || adapterFor(v, opts) !== rawAdapter || eventProblem(v) !== undefined) return undefined;
  return v as AuditEvent;
}

/** Decodes an already-parsed value (rule tests, HTTP bodies). */
export function decodeValueInto(value: unknown, place: RawRecord['place'], c: DecodeCounters, h: DecodeHandlers, opts: PickOptions = {}): void {
  decodeValue(value, { place, cluster: opts.cluster }, sinkFor(c, h, opts.cluster), opts);
}

/** Like matchRules, trying only the rules `candidates` (ascending indexes): the prefilter's pick. */
export function matchRulesIn(rules: RuleSpec[], rec: EventRecord, candidates: readonly number[]): number[] | null {
  let out: number[] | null = null;
  for (let k = 0; k < candidates.length; k++) {
    const i = candidates[k]!;
    if (rules[i]!.sigma.match(rec.event)) (out ??= []).push(i);
  }
  return out;
}

/** Indexes of the rules whose detection matches, or null (no allocation when none does). */
export function matchRules(rules: RuleSpec[], rec: EventRecord): number[] | null {
  let out: number[] | null = null;
  for (let i = 0; i < rules.length; i++) {
    if (rules[i]!.sigma.match(rec.event)) (out ??= []).push(i);
  }
  return out;
}

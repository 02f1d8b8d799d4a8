/**
 * The batch pipeline behind `tokenwatch scan`: inputs → records → decode and
 * redact → rules → one judgement per request → grouped alerts. Everything is
 * streamed; memory is bounded by the stage judge and the grouper, not by the
 * input's size.
 */
import type { Readable } from 'node:stream';
import type { Alert, RuleRef } from '../alerts/alert.js';
import { formatDuration } from '../alerts/context.js';
import { AlertGrouper } from '../alerts/grouper.js';
import { expirationSeconds } from '../event/derived.js';
import type { EventRecord, Place, Rejection } from '../event/types.js';
import type { PickOptions } from '../formats/picker.js';
import type { RuleSpec } from '../ruleset/rule-spec.js';
import { CorrelationEngine, type SigmaCorrelation, type SigmaFilter } from '../sigma/index.js';
import { correlationAlert, correlationRef } from '../alerts/correlation-alert.js';
import { openInput, type InputFile } from '../sources/inputs.js';
import { RecordSplitter } from '../sources/record-splitter.js';
import { DetectorSet } from '../detectors/detector-set.js';
import type { DetectorFinding } from '../detectors/types.js';
import { eventTime } from '../event/time.js';
import { decodeInto, matchRules, newCounters, type DecodeCounters } from './evaluate.js';
import { StageJudge } from './stage-judge.js';

export interface ScanOptions {
  inputs: InputFile[];
  rules: RuleSpec[];
  decode?: PickOptions;
  noGroup?: boolean;
  longLivedSeconds?: number;
  onAlert(a: Alert): void;
  onProgress?(p: Progress): void;
  /** rejections kept with their places for the report; the rest are counted */
  keepRejections?: number;
  stdin?: Readable;
  /** stateful detectors; their state is the caller's to load and save */
  detectors?: DetectorSet;
  /** filters (allow-lists) per detector id */
  detectorFilters?: Map<string, SigmaFilter[]>;
  /** Sigma correlation rules, fed by the judged, unsuppressed matches of the rules */
  correlations?: SigmaCorrelation[];
  /** rule ids whose matches only feed correlations (no alerts of their own) */
  silent?: Set<string>;
  correlationRefs?: Map<SigmaCorrelation, RuleRef>;
}

export interface Progress {
  file: string;
  fileIndex: number;
  files: number;
  bytesRead: number;
  bytesTotal?: number;
  events: number;
  alerts: number;
  elapsedMs: number;
}

export interface InputProblem {
  file: string;
  reason: string;
}

export interface ScanSummary {
  files: number;
  bytes: number;
  records: number;
  events: number;
  rejected: number;
  empty: number;
  alerts: number;
  by_rule: Record<string, number>;
  by_format: Record<string, number>;
  /** matches hidden by each filter (allow-lists included), so every exclusion is visible */
  suppressed: Record<string, number>;
  redacted_values: number;
  rejections: Rejection[];
  input_errors: InputProblem[];
  duplicate_stages: number;
  duration_ms: number;
  correlation_stats?: Record<string, number>;
  /** detector state dropped by its caps or TTL, per map */
  state_evictions?: Record<string, { evicted: number; expired: number }>;
}

const NO_MATCH: number[] = [];

export async function runScan(o: ScanOptions): Promise<ScanSummary> {
  const started = Date.now();
  const counters: DecodeCounters = newCounters();
  const summary: ScanSummary = {
    files: 0,
    bytes: 0,
    records: 0,
    events: 0,
    rejected: 0,
    empty: 0,
    alerts: 0,
    by_rule: {},
    by_format: counters.byFormat,
    suppressed: {},
    redacted_values: 0,
    rejections: [],
    input_errors: [],
    duplicate_stages: 0,
    duration_ms: 0,
  };
  const keep = o.keepRejections ?? 20;
  const longLived = o.longLivedSeconds ?? 86400;
  const grouper = new AlertGrouper({
    noGroup: o.noGroup,
    longLivedSeconds: longLived,
    emit: (a) => {
      summary.alerts++;
      summary.by_rule[a.rule.id] = (summary.by_rule[a.rule.id] ?? 0) + 1;
      o.onAlert(a);
    },
  });
  const rules = o.rules;
  const silent = o.silent ?? new Set<string>();
  const correlations = o.correlations ?? [];
  const refOf = (c: SigmaCorrelation) => o.correlationRefs?.get(c) ?? correlationRef(c, false);
  const engine = correlations.length
    ? new CorrelationEngine<EventRecord>(correlations, {
        onAlert: (m) => {
          const a = correlationAlert(m, refOf(m.correlation), longLived);
          summary.alerts++;
          summary.by_rule[a.rule.id] = (summary.by_rule[a.rule.id] ?? 0) + 1;
          o.onAlert(a);
        },
      })
    : undefined;
  const detectors = o.detectors;
  const detectorSpecs = new Map((detectors?.detectors ?? []).map((d) => [d.ref.id, { rule: d.ref, groupBy: [], windowMs: 60 * 60_000 }]));
  const onFinding = (f: DetectorFinding) => {
    const flt = o.detectorFilters?.get(f.detector)?.find((x) => x.suppresses(f.rec.event));
    if (flt) {
      summary.suppressed[flt.name ?? flt.id] = (summary.suppressed[flt.name ?? flt.id] ?? 0) + 1;
      return;
    }
    grouper.add(detectorSpecs.get(f.detector)!, f.rec, { key: f.key, summary: f.summary, notes: f.notes, severity: f.severity, related: f.related });
  };
  if (detectors) detectors.emit = onFinding;
  const judge = new StageJudge<number[]>({
    judge: (rec, matches) => {
      if (detectors) detectors.observe(rec, eventTime(rec.event));
      for (const i of matches) {
        const rule = rules[i]!;
        const f = rule.filters.find((flt) => flt.suppresses(rec.event));
        if (f) {
          summary.suppressed[f.name ?? f.id] = (summary.suppressed[f.name ?? f.id] ?? 0) + 1;
          continue;
        }
        if (engine) engine.onMatch(rule.id, rec.event, eventTime(rec.event), rec);
        if (silent.has(rule.id) || silent.has(rule.sigma.id)) continue;
        grouper.add({ rule: rule.ref, groupBy: rule.groupBy, windowMs: rule.windowMs }, rec, tokenNotes(rec, rule, longLived));
      }
    },
  });
  const onReject = (r: Rejection) => {
    if (summary.rejections.length < keep) summary.rejections.push(r);
  };
  const handlers = {
    // with detectors on, every request is judged (they learn from all of them), not only rule matches
    event: detectors ? (rec: EventRecord) => judge.offer(rec, matchRules(rules, rec) ?? NO_MATCH) : (rec: EventRecord) => judge.offer(rec, matchRules(rules, rec)),
    reject: onReject,
  };

  let lastProgress = Date.now();
  for (let fi = 0; fi < o.inputs.length; fi++) {
    const file = o.inputs[fi]!;
    summary.files++;
    let opened;
    try {
      opened = await openInput(file, o.stdin);
    } catch (e) {
      summary.input_errors.push({ file: file.name, reason: errText(e) });
      continue;
    }
    const splitter = new RecordSplitter(
      { file: file.name },
      {
        record: (r) => {
          summary.records++;
          decodeInto(r, counters, handlers, o.decode);
        },
        problem: (place: Place, reason: string) => {
          counters.rejected++;
          onReject({ place, reason });
        },
      },
    );
    let decompressed = 0;
    try {
      for await (const chunk of opened.stream) {
        decompressed += (chunk as Buffer).length;
        splitter.push(chunk as Buffer);
        if (o.onProgress && Date.now() - lastProgress > 500) {
          lastProgress = Date.now();
          o.onProgress({ file: file.name, fileIndex: fi, files: o.inputs.length, bytesRead: opened.bytesRead(), bytesTotal: file.size, events: counters.events, alerts: summary.alerts, elapsedMs: Date.now() - started });
        }
      }
      splitter.end();
    } catch (e) {
      // a corrupt .gz or a read error: say how far it got, keep what was read, go on with the next file
      splitter.end();
      summary.input_errors.push({ file: file.name, reason: `${opened.gzip ? 'gzip data is corrupt' : 'read failed'} after ${opened.bytesRead()} bytes read (${decompressed} decompressed): ${errText(e)}` });
    }
    summary.bytes += decompressed;
  }
  judge.flush();
  engine?.flush();
  grouper.flush();
  if (engine) summary.correlation_stats = { ...engine.stats };
  summary.events = counters.events;
  summary.rejected = counters.rejected;
  summary.empty = counters.empty;
  summary.redacted_values = counters.redacted;
  summary.duplicate_stages = judge.duplicates;
  summary.duration_ms = Date.now() - started;
  return summary;
}

/** What an alert on a TokenRequest should say about the token's lifetime. */
function tokenNotes(rec: EventRecord, rule: RuleSpec, longLived: number): { notes: string[]; severity?: import('../alerts/alert.js').Severity } {
  const o = rec.event.objectRef;
  if (o?.resource !== 'serviceaccounts' || o.subresource !== 'token' || rec.event.verb !== 'create') return { notes: [] };
  const exp = expirationSeconds(rec.event);
  if (exp === undefined) {
    const level = rec.event.level;
    return { notes: [`token lifetime not visible: the request body is not in the log${level ? ` (audit level ${level})` : ''}`] };
  }
  if (exp > longLived) {
    const note = `token lifetime ${formatDuration(exp)} exceeds the ${formatDuration(longLived)} bound`;
    // a token that really is long-lived is worth more than the informational rule it came from
    return rule.id === 'long-lived-token-created' && rule.ref.severity === 'informational' ? { notes: [note], severity: 'medium' } : { notes: [note] };
  }
  return { notes: [] };
}

function errText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err?.code ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(e);
}

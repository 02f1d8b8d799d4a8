/**
 * The batch pipeline behind `tokenwatch scan`: inputs → records → decode and
 * redact → rules → one judgement per request → grouped alerts. Everything is
 * streamed; memory is bounded by the stage judge and the grouper, not by the
 * input's size.
 */
import { closeSync, openSync, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { Alert, RuleRef } from '../alerts/alert.js';
import { formatDuration } from '../alerts/context.js';
import { AlertGrouper } from '../alerts/grouper.js';
import { expirationSeconds, extendedToken, requestedSeconds } from '../event/derived.js';
import type { EventRecord, Place, Rejection } from '../event/types.js';
import type { PickOptions } from '../formats/picker.js';
import type { RuleSpec } from '../ruleset/rule-spec.js';
import { CorrelationEngine, type SigmaCorrelation, type SigmaFilter } from '../sigma/index.js';
import { correlationAlert, correlationRef } from '../alerts/correlation-alert.js';
import { gzipMagicAt, openInput, type InputFile } from '../sources/inputs.js';
import { RecordSplitter } from '../sources/record-splitter.js';
import { DetectorSet } from '../detectors/detector-set.js';
import type { DetectorFinding } from '../detectors/types.js';
import { eventTime } from '../event/time.js';
import { CoverageCollector } from '../coverage/collector.js';
import type { CoverageReport, CoverageSubject } from '../coverage/report.js';
import { decodeInto, matchRules, newCounters, sourceOf, type DecodeCounters } from './evaluate.js';
import { Engine, type LazyRecord, type ResultSink } from './engine.js';
import { planPrefilter, type PrefilterPlan } from './prefilter.js';
import { keyEvent, StageJudge } from './stage-judge.js';
import { LineRereader, materialize, parallelizable, ParallelReader } from './workers.js';

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
  /**
   * Skip lines that cannot matter before parsing them (default true; false is
   * the unoptimised reference path, `--no-prefilter`). See prefilter.ts.
   */
  prefilter?: boolean;
  /** Threads that read regular files, by byte ranges (default 1: this one). See workers.ts. */
  workers?: number;
  /** (tests) block size and the smallest file read by several threads (workers.ts defaults) */
  blockBytes?: number;
  parallelMinBytes?: number;
  /**
   * The coverage report (src/coverage), computed in the same pass: what each
   * source shows and whether each subject (rule, correlation, detector) could
   * have fired on it. Absent: no report.
   */
  coverage?: { gapMs?: number; subjects: CoverageSubject[] };
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
  /** events within the event time a saved state had already seen (a log scanned again): its span, and how many */
  state_overlap?: { events: number; state_from: string; state_to: string };
  /**
   * how the scan ran: lines the prefilter skipped (counted as raw events above) or why it was off,
   * preliminary stages held unread (read only when their final stage never came), nodes' requests read
   * from their bytes, threads used
   */
  engine?: { prefilter: string; skipped_lines: number; lazy_lines?: number; node_lines?: number; fact_lines?: number; workers: number };
  /** held preliminary stages that could not be read again when needed (the file changed, or the line is no valid event) */
  lazy_unreadable?: number;
  coverage?: CoverageReport;
}

const NO_MATCH: number[] = [];

/** A line the prefilter skipped, replayed: the judge and the detectors need only its auditID, stage and event time. */
export interface ReplayedRecord extends EventRecord {
  t: number;
}

/** Event time of a record: precomputed on a replayed or transferred one. */
export function timeOf(rec: EventRecord): number {
  const t = (rec as Partial<ReplayedRecord>).t;
  return t !== undefined ? t : eventTime(rec.event);
}

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
    // an event a worker thread sent as the detectors' projection becomes whole again before anything else sees it
    materialize(f.rec, o.decode ?? {}, rereader);
    const flt = o.detectorFilters?.get(f.detector)?.find((x) => x.suppresses(f.rec.event));
    if (flt) {
      summary.suppressed[flt.name ?? flt.id] = (summary.suppressed[flt.name ?? flt.id] ?? 0) + 1;
      return;
    }
    grouper.add(detectorSpecs.get(f.detector)!, f.rec, { key: f.key, summary: f.summary, notes: f.notes, severity: f.severity, related: f.related });
  };
  if (detectors) detectors.emit = onFinding;
  // lines read again: findings on projected events, and held preliminary stages let through
  const rereader = new LineRereader();
  const judge = new StageJudge<number[]>({
    judge: (rec, matches) => {
      // a preliminary stage held unread (LAZY) whose final stage never came: read it now
      if ((rec as Partial<LazyRecord>).lazy && !materialize(rec, o.decode ?? {}, rereader)) {
        summary.lazy_unreadable = (summary.lazy_unreadable ?? 0) + 1;
        return;
      }
      if (detectors) detectors.observe(rec, timeOf(rec));
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
  const coverage = o.coverage ? new CoverageCollector({ gapMs: o.coverage.gapMs }) : undefined;
  const handlers = {
    // with detectors on, every request is judged (they learn from all of them), not only rule matches
    event: (rec: EventRecord) => {
      if (coverage) coverage.observe(rec);
      judge.offer(rec, detectors ? (matchRules(rules, rec) ?? NO_MATCH) : matchRules(rules, rec));
    },
    reject: onReject,
  };

  try {
    await readInputs({ o, summary, counters, judge, handlers, onReject, detectors: detectors !== undefined, started, coverage });
    judge.flush();
  } finally {
    rereader.close();
  }
  engine?.flush();
  grouper.flush();
  if (engine) summary.correlation_stats = { ...engine.stats };
  summary.events = counters.events;
  summary.rejected = counters.rejected;
  summary.empty = counters.empty;
  summary.redacted_values = counters.redacted;
  summary.duplicate_stages = judge.duplicates;
  if (coverage) summary.coverage = coverage.report(o.coverage!.subjects);
  summary.duration_ms = Date.now() - started;
  return summary;
}

interface InputContext {
  o: ScanOptions;
  summary: ScanSummary;
  counters: DecodeCounters;
  judge: StageJudge<number[]>;
  handlers: { event(rec: EventRecord): void; reject(r: Rejection): void };
  onReject(r: Rejection): void;
  detectors: boolean;
  started: number;
  coverage?: CoverageCollector;
}

/** Reads every input into the judge: the unoptimised path, the prefiltered one, or workers over byte ranges. */
async function readInputs(x: InputContext): Promise<void> {
  const { o, summary, counters, judge, onReject, started } = x;
  let plan: PrefilterPlan | null = null;
  let off = 'off: --no-prefilter';
  if (o.prefilter !== false) {
    const p = planPrefilter(o.rules, { detectors: x.detectors, format: o.decode?.format, coverage: x.coverage !== undefined });
    if ('plan' in p) plan = p.plan;
    else off = `off: ${p.off}`;
  }
  if (!plan) {
    // the reference path: one thread, every record decoded, every rule tried
    summary.engine = { prefilter: off, skipped_lines: 0, workers: 1 };
    await readUnoptimised(x);
    return;
  }
  const NO: number[] = NO_MATCH;
  const cluster = o.decode?.cluster;
  const src = sourceOf({ file: '', line: 0 }, 'raw', cluster);
  const sink: ResultSink = {
    skipped: x.detectors
      ? (id, stage, t, rrt) => {
          const rec: ReplayedRecord = { event: keyEvent(id, stage, rrt), source: src, t };
          judge.offer(rec, NO, t);
        }
      : (id, stage, _t, rrt) => judge.offerNone(id, stage, rrt),
    skippedBytes: (b, start, end, kind, d, t, f, hash, stage) => judge.offerNoneBytes(b, start, end, kind, d, t, f, hash, stage),
    // (a held record carries its event time: its event has no timestamps yet)
    event: x.detectors ? (rec, matches) => judge.offer(rec, matches ?? NO, (rec as Partial<ReplayedRecord>).t) : (rec, matches) => judge.offer(rec, matches),
    reject: onReject,
  };
  // how much the searcher will read sets how hard it plans its fingerprints (stdin and gzip: the compressed size, or unknown)
  const searchBytes = o.inputs.every((f) => f.size !== undefined) ? o.inputs.reduce((n, f) => n + f.size!, 0) : undefined;
  const engine = new Engine({ rules: o.rules, decode: o.decode, plan, detectors: x.detectors, coverage: x.coverage, searchBytes }, sink);
  let lastProgress = Date.now();
  const threads = Math.max(1, Math.floor(o.workers ?? 1));
  let pool: ParallelReader | null = null;
  let skipped = 0;
  let lazy = 0;
  let nodes = 0;
  let facts = 0;
  try {
    for (let fi = 0; fi < o.inputs.length; fi++) {
      const file = o.inputs[fi]!;
      summary.files++;
      if (threads > 1 && parallelizable(file, o.parallelMinBytes)) {
        pool ??= new ParallelReader(
          {
            rules: o.rules,
            decode: o.decode ?? {},
            detectors: x.detectors,
            keep: o.keepRejections ?? 20,
            judge,
            counters,
            onReject,
            addRecords: (n) => {
              summary.records += n;
            },
            coverage: x.coverage,
            progress: o.onProgress
              ? (name, bytesRead, events) => {
                  if (Date.now() - lastProgress <= 500) return;
                  lastProgress = Date.now();
                  o.onProgress!({ file: name, fileIndex: fi, files: o.inputs.length, bytesRead, bytesTotal: file.size, events: events + engine.counters.events, alerts: summary.alerts, elapsedMs: Date.now() - started });
                }
              : undefined,
          },
          plan,
          threads,
          engine,
          o.blockBytes,
          file.name,
          searchBytes,
        );
        try {
          summary.bytes += await pool.scanFile(file);
        } catch (e) {
          summary.input_errors.push({ file: file.name, reason: `read failed: ${errText(e)}` });
        }
        continue;
      }
      // a plain regular file goes straight into the searcher's memory
      if (engine.prefiltering && file.name !== '-' && isRegularFile(file.name)) {
        const read = readInPlace(engine, file, (end) => {
          if (o.onProgress && Date.now() - lastProgress > 500) {
            lastProgress = Date.now();
            o.onProgress({ file: file.name, fileIndex: fi, files: o.inputs.length, bytesRead: end, bytesTotal: file.size, events: engine.counters.events + counters.events, alerts: summary.alerts, elapsedMs: Date.now() - started });
          }
        });
        if (read.error !== undefined) summary.input_errors.push({ file: file.name, reason: read.error });
        summary.bytes += read.bytes;
        if (read.done) continue;
      }
      let opened;
      try {
        opened = await openInput(file, o.stdin, { reuseBuffer: true });
      } catch (e) {
        summary.input_errors.push({ file: file.name, reason: errText(e) });
        continue;
      }
      // a plain regular file: its lines can be read again at their offsets (see Engine.splitter)
      const splitter = engine.splitter(file.name, 0, 1, !opened.gzip && isRegularFile(file.name));
      let decompressed = 0;
      try {
        for await (const chunk of opened.stream) {
          engine.searchBlock(chunk as Buffer, decompressed);
          decompressed += (chunk as Buffer).length;
          splitter.push(chunk as Buffer);
          if (o.onProgress && Date.now() - lastProgress > 500) {
            lastProgress = Date.now();
            o.onProgress({ file: file.name, fileIndex: fi, files: o.inputs.length, bytesRead: opened.bytesRead(), bytesTotal: file.size, events: engine.counters.events + counters.events, alerts: summary.alerts, elapsedMs: Date.now() - started });
          }
        }
        splitter.end();
      } catch (e) {
        splitter.end();
        summary.input_errors.push({ file: file.name, reason: `${opened.gzip ? 'gzip data is corrupt' : 'read failed'} after ${opened.bytesRead()} bytes read (${decompressed} decompressed): ${errText(e)}` });
      }
      summary.bytes += decompressed;
    }
  } finally {
    if (pool) {
      skipped += pool.skippedLines;
      lazy += pool.lazyLines;
      nodes += pool.nodeLines;
      facts += pool.factLines;
      await pool.close();
    }
  }
  addCounters(counters, engine.counters);
  summary.records += engine.records;
  summary.engine = { prefilter: 'on', skipped_lines: skipped + engine.skippedLines, lazy_lines: lazy + engine.lazyLines, node_lines: nodes + engine.nodeLines, fact_lines: facts + engine.factLines, workers: pool ? pool.threads : 1 };
}

/** Adds decoding counters (by_format keys in their order of first appearance). */
export function addCounters(into: DecodeCounters, c: DecodeCounters): void {
  into.events += c.events;
  into.rejected += c.rejected;
  into.empty += c.empty;
  into.redacted += c.redacted;
  for (const [k, v] of Object.entries(c.byFormat)) into.byFormat[k] = (into.byFormat[k] ?? 0) + v;
}

/** The reference path: every record decoded, every rule tried. */
async function readUnoptimised(x: InputContext): Promise<void> {
  const { o, summary, counters, handlers, onReject, started } = x;
  let lastProgress = Date.now();
  for (let fi = 0; fi < o.inputs.length; fi++) {
    const file = o.inputs[fi]!;
    summary.files++;
    let opened;
    try {
      opened = await openInput(file, o.stdin, { reuseBuffer: true });
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
  // (the kubelet's own way of asking, which few people know makes a year-long token)
  const extended = extendedToken(rec.event) ? [`asked for ${requestedSeconds(rec.event)} s with a pod binding: the API server extends such a token to a year (--service-account-extend-token-expiration, on by default), warning only after 3607 s`] : [];
  if (exp > longLived) {
    const note = `token lifetime ${formatDuration(exp)} exceeds the ${formatDuration(longLived)} bound`;
    // a token that really is long-lived is worth more than the informational rule it came from
    return rule.id === 'long-lived-token-created' && rule.ref.severity === 'informational' ? { notes: [note, ...extended], severity: 'medium' } : { notes: [note, ...extended] };
  }
  return { notes: extended };
}

function errText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err?.code ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(e);
}

/**
 * A plain (not gzip) regular file read by Engine.readFile. `done` false: it is
 * gzip, and nothing was read (the stream path takes it).
 */
function readInPlace(engine: Engine, file: InputFile, onChunk: (end: number) => void): { done: boolean; bytes: number; error?: string } {
  let fd: number;
  try {
    fd = openSync(file.name, 'r');
  } catch (e) {
    return { done: true, bytes: 0, error: errText(e) };
  }
  let splitter: RecordSplitter | null = null;
  let read = 0;
  try {
    if (gzipMagicAt(fd)) return { done: false, bytes: 0 };
    splitter = engine.splitter(file.name, 0, 1, true);
    read = engine.readFile(fd, splitter, 0, (end) => {
      read = end;
      onChunk(end);
    });
    splitter.end();
    return { done: true, bytes: read };
  } catch (e) {
    splitter?.end();
    return { done: true, bytes: read, error: `read failed after ${read} bytes: ${errText(e)}` };
  } finally {
    closeSync(fd);
  }
}

/** Is this input a regular file on disk (not stdin, a pipe or a device)? */
function isRegularFile(name: string): boolean {
  if (name === '-') return false;
  try {
    return statSync(name).isFile();
  } catch {
    return false;
  }
}

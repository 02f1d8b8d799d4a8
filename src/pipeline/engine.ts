/**
 * The optimised decoding stage shared by the single-thread scan and the
 * workers: bytes → (prefilter) → records → decode and redact → rule matching,
 * handing an ordered stream of results to a sink. What the sink does with
 * them (judge at once, or encode for the main thread) is not its business.
 *
 * Lines the prefilter skips become `skipped(auditID, stage, t)` results and
 * are counted as the records and raw events they are (see prefilter.ts for
 * why that is exact); everything else goes through the same decoding as the
 * unoptimised path.
 */
import { readSync } from 'node:fs';
import type { CoverageCollector } from '../coverage/collector.js';
import type { EventRecord, Place, Rejection } from '../event/types.js';
import type { PickOptions } from '../formats/picker.js';
import type { RuleSpec } from '../ruleset/rule-spec.js';
import { RecordSplitter, type SplitRecord } from '../sources/record-splitter.js';
import { decodeInto, matchRules, matchRulesIn, newCounters, plainRawEvent, sourceOf, type DecodeCounters } from './evaluate.js';
import { literalSearch, type LiteralSearch } from './literal-search.js';
import { factEvent } from './fact-event.js';
import { keyEvent } from './stage-judge.js';
import { TimeParser } from './time-parser.js';
import { FACT, LAZY, LineClassifier, NODE, PARSE_ALL, PARSE_PLAIN, SKIP, type PrefilterPlan } from './line-classifier.js';

export interface ResultSink {
  /**
   * a line the prefilter skipped: one raw event that matched nothing (t: its event time, NaN unless the detectors
   * are on; rrt: its requestReceivedTimestamp, part of the request's key)
   */
  skipped(id: string, stage: string, t: number, rrt: string | undefined): void;
  /**
   * the same without the detectors, for an ASCII auditID given as bytes, and its requestReceivedTimestamp as
   * FifoIdSet.hasBytes takes it (its kind, numbers and the key's hash)
   */
  skippedBytes?(b: Uint8Array, start: number, end: number, kind: number, d: number, t: number, f: number, hash: number, stage: string): void;
  /**
   * a decoded, redacted event and the rules it matched (null: none). `plain`:
   * it was a plain raw event line the detectors need only a projection of
   * (no bodies); `line` is its input offset and byte length.
   */
  event(rec: EventRecord, matches: number[] | null, plain: boolean, offset: number, length: number): void;
  reject(r: Rejection): void;
}

export interface EngineOptions {
  rules: RuleSpec[];
  decode?: PickOptions;
  /** null: parse every record (the unoptimised decoding, still usable in workers) */
  plan: PrefilterPlan | null;
  /** bytes the searcher will read (all inputs), when known: how much effort its layout is worth */
  searchBytes?: number;
  /** the stateful detectors will see the results (skipped lines then carry their event time) */
  detectors: boolean;
  /** observes every event, skipped lines through their heads (the plan must have been made with `coverage`) */
  coverage?: CoverageCollector;
}

const IGNORE = (): void => {};

/**
 * A line held unread (LAZY): its auditID and stage, event time, place, and
 * byte length; `materialize` (workers.ts) reads and decodes it when the
 * stage judge lets it through.
 */
export interface LazyRecord extends EventRecord {
  t: number;
  len: number;
  lazy: true;
}

/**
 * A line the prefilter skips, seen by the coverage collector: its head is
 * counted, and when the collector samples it the line is decoded for it alone
 * (nothing else sees that decoding, so the scan's results do not change).
 */
export function observeSkipped(cov: CoverageCollector, c: LineClassifier, buf: Buffer, s: number, e: number, file: string, offset: number, decode: PickOptions): void {
  // counted by the head reader (LineClassifier.headCounting)
  if (c.headCounted) return;
  const level = c.level;
  const body = level !== 'Metadata' && level !== 'None';
  const want = cov.observeSkipped(file, decode.cluster, c.verb, c.resource, c.subresource, undefined, body, c.sec, c.headSample);
  c.setHeadSlot(cov.firstLeft, cov.special);
  if (!want) return;
  // decoded for the report alone: its counts are not the scan's (a skipped line holds nothing redaction would change)
  const text = buf.toString('utf8', s, e);
  const ev = c.redact ? undefined : plainRawEvent(text, decode);
  if (ev !== undefined) cov.inspect({ event: ev, source: sourceOf({ file, line: 0, offset }, 'raw', decode.cluster) });
  else decodeInto({ text, place: { file, line: 0, offset } }, newCounters(), { event: (rec) => cov.inspect(rec), reject: IGNORE }, decode);
}

/** A NODE line's event: its auditID, stage, verb, user (username and whether it is in system:nodes) and client address. */
export function nodeEvent(c: LineClassifier): EventRecord['event'] {
  const user: NonNullable<EventRecord['event']['user']> = { username: c.nodeUser };
  if (c.nodeGroups >= 0) user.groups = c.nodeGroups === 1 ? ['system:nodes'] : [];
  const ev = keyEvent(c.id, c.stage, c.rrt);
  ev.verb = c.nodeVerb;
  ev.user = user;
  if (c.nodeIp !== undefined) ev.sourceIPs = [c.nodeIp];
  return ev;
}

const SKIP_SOURCE_FORMAT = 'raw';
/** bytes read at a time by readFile: the stream's chunk size (sources/inputs.ts), so lines are cut in the same places */
const READ_CHUNK = 1 << 20;

export class Engine {
  readonly counters: DecodeCounters = newCounters();
  records = 0;
  /** lines the prefilter skipped */
  skippedLines = 0;
  /** lines held unread (LAZY) */
  lazyLines = 0;
  /** nodes' requests read from their bytes (NODE) */
  nodeLines = 0;
  /** plain requests read from their bytes (FACT) */
  factLines = 0;
  private readonly classifier: LineClassifier | null;
  private search: LiteralSearch | null = null;
  private cls = PARSE_ALL;
  private clsLen = 0;
  private clsBuf: Buffer | null = null;
  private clsEnd = 0;
  private clsOffset = 0;
  private readonly time = new TimeParser();
  private readonly rules: RuleSpec[];
  private readonly decode: PickOptions;
  private readonly plainHandlers: { event: (rec: EventRecord) => void; reject: (r: Rejection) => void };
  private readonly allHandlers: { event: (rec: EventRecord) => void; reject: (r: Rejection) => void };

  constructor(private readonly o: EngineOptions, private readonly sink: ResultSink) {
    this.rules = o.rules;
    this.decode = o.decode ?? {};
    this.classifier = o.plan ? new LineClassifier(o.plan) : null;
    if (o.coverage && this.classifier) {
      const c = this.classifier;
      o.coverage.addPending(() => c.foldHeads());
    }
    const reject = (r: Rejection) => sink.reject(r);
    const cov = o.coverage;
    // with the detectors, every event's time is wanted: parse it here, where the second is cached
    const timed = o.detectors;
    this.allHandlers = {
      event: (rec) => {
        if (cov) cov.observe(rec);
        if (timed) this.stamp(rec);
        sink.event(rec, matchRules(this.rules, rec), false, 0, 0);
      },
      reject,
    };
    this.plainHandlers = {
      event: (rec) => {
        if (cov) {
          const c = this.classifier!;
          if (c.parsedHead(this.clsBuf!, this.clsEnd)) cov.observeHeaded(rec, c.verb, c.resource, c.subresource, c.sec);
          else cov.observe(rec);
        }
        if (timed) this.stamp(rec);
        const c = this.classifier!;
        const m = c.detOnly ? null : matchRulesIn(this.rules, rec, c.rules);
        sink.event(rec, m, !c.detBody, this.clsOffset, this.clsLen);
      },
      reject,
    };
  }

  get prefiltering(): boolean {
    return this.classifier !== null;
  }

  /** The searcher, made on first use from a sample of the input (which helps it choose rare fingerprints). */
  searcher(sample: Uint8Array): LiteralSearch {
    if (!this.search) this.search = literalSearch(this.o.plan!.literals, sample, undefined, undefined, this.o.searchBytes);
    return this.search;
  }

  /** Searches buf (input offsets start..start+buf.length) so that its lines can be classified. No-op without a plan. */
  searchBlock(buf: Uint8Array, start: number): void {
    if (!this.classifier) return;
    const s = this.searcher(buf);
    const input = s.input(buf.length);
    input.set(buf);
    this.classifyFrom(s, start, input);
  }

  /** The classifier's next lines come from `bytes` (in the searcher's memory), at input offset `start`. */
  private classifyFrom(s: LiteralSearch, start: number, bytes: Uint8Array): void {
    this.classifier!.setSearchedBlock(start, bytes, s);
  }

  /**
   * Reads a plain regular file from `from` to its end straight into the
   * searcher's memory, a chunk at a time (chunks end where the stream's would),
   * and pushes each to `splitter`: the bytes are neither copied nor read into a
   * JavaScript buffer, which this machine's kernel fills four to seven times
   * slower than WebAssembly memory (`read` of 1.17 GB: 0.6 to 0.8 s against
   * 0.13 s). Returns the bytes read; read errors are thrown. Needs a plan.
   */
  readFile(fd: number, splitter: RecordSplitter, from = 0, onChunk?: (end: number) => void): number {
    if (!this.search) {
      const sample = Buffer.alloc(1 << 18);
      this.searcher(sample.subarray(0, readSync(fd, sample, 0, sample.length, from)));
    }
    const s = this.search!;
    let pos = from;
    for (;;) {
      const want = (Math.floor(pos / READ_CHUNK) + 1) * READ_CHUNK - pos;
      let input = s.input(want);
      let got = 0;
      while (got < want) {
        const n = readSync(fd, input, got, want - got, pos + got);
        if (n <= 0) break;
        got += n;
      }
      if (got === 0) break;
      // a short read is the end: what follows it in the memory must not look like more input
      if (got < want) input = s.input(got);
      const chunk = Buffer.from(input.buffer, input.byteOffset, got);
      this.classifyFrom(s, pos, chunk);
      splitter.push(chunk);
      pos += got;
      onChunk?.(pos);
      if (got < want) break;
    }
    return pos - from;
  }

  /**
   * A splitter for (part of) an input whose records come to this engine.
   * `rereadable`: a regular file whose lines can be read again at their
   * offsets, so preliminary stages the detectors need may be held unread (LAZY).
   */
  splitter(file: string, startOffset = 0, startLine = 1, rereadable = false): RecordSplitter {
    const c = this.classifier;
    const cov = this.o.coverage;
    if (c && cov) {
      // the file's skipped lines are counted by the head reader, for the file's source
      const cluster = this.decode.cluster;
      c.headCounting((verb, resource, subresource, n) => cov.addCounted(file, cluster, verb, resource, subresource, n));
    }
    return new RecordSplitter(
      {
        file,
        startOffset,
        startLine,
        lineFilter: c
          ? (buf, s, e, offset, line) => {
              c.lazyOn = rereadable;
              return this.filter(buf, s, e, offset, file, line);
            }
          : undefined,
      },
      {
        record: (r) => this.record(r),
        problem: (place: Place, reason: string) => {
          this.counters.rejected++;
          this.sink.reject({ place, reason });
        },
      },
    );
  }

  private filter(buf: Buffer, s: number, e: number, offset: number, file: string, line: number): boolean {
    const c = this.classifier!;
    const k = c.classify(buf, s, e, offset);
    if (k !== SKIP && k !== LAZY && k !== NODE && k !== FACT) {
      this.cls = k;
      this.clsOffset = offset;
      this.clsLen = e - s;
      this.clsBuf = buf;
      this.clsEnd = e;
      return true;
    }
    this.records++;
    const ct = this.counters;
    ct.events++;
    ct.byFormat[SKIP_SOURCE_FORMAT] = (ct.byFormat[SKIP_SOURCE_FORMAT] ?? 0) + 1;
    if (this.o.coverage) observeSkipped(this.o.coverage, c, buf, s, e, file, offset, this.decode);
    if (k === LAZY) {
      this.lazyLines++;
      // (what the stage judge reads of it: its request's key and stage)
      const rec: LazyRecord = { event: keyEvent(c.id, c.stage, c.rrt), source: sourceOf({ file, line, offset }, SKIP_SOURCE_FORMAT, this.decode.cluster), t: c.t, len: e - s, lazy: true };
      this.sink.event(rec, null, true, offset, e - s);
      return false;
    }
    if (k === FACT) {
      this.factLines++;
      // the detectors' view of the event; a finding reads the line again
      const rec: EventRecord & { t: number; len: number } = { event: factEvent(c.facts.v, c.id, c.stage, c.factVerb, c.rrt), source: sourceOf({ file, line, offset }, SKIP_SOURCE_FORMAT, this.decode.cluster), t: c.t, len: e - s };
      this.sink.event(rec, null, true, offset, e - s);
      return false;
    }
    if (k === NODE) {
      this.nodeLines++;
      // the event as the cluster model reads it (and as a worker sends it); a finding would read the line again
      const rec: EventRecord & { t: number; len: number } = { event: nodeEvent(c), source: sourceOf({ file, line, offset }, SKIP_SOURCE_FORMAT, this.decode.cluster), t: c.t, len: e - s };
      this.sink.event(rec, null, true, offset, e - s);
      return false;
    }
    this.skippedLines++;
    if (!this.o.detectors && c.idAscii && this.sink.skippedBytes) this.sink.skippedBytes(c.idBuf, c.idStart, c.idEnd, c.keyKind, c.keyD, c.keyT, c.keyF, c.idHash, c.stage);
    else this.sink.skipped(c.id, c.stage, this.o.detectors ? c.t : NaN, c.rrt);
    return false;
  }

  private record(r: SplitRecord): void {
    this.records++;
    const cls = this.cls;
    this.cls = PARSE_ALL;
    if (cls === PARSE_PLAIN) decodeInto(r, this.counters, this.plainHandlers, this.decode, this.classifier!.redact);
    else decodeInto(r, this.counters, this.allHandlers, this.decode);
  }

  /** Sets a decoded event's time on its record (read by timeOf, as a replayed line's is). */
  private stamp(rec: EventRecord): void {
    const ev = rec.event;
    (rec as EventRecord & { t?: number }).t = this.time.eventTime(ev.requestReceivedTimestamp, ev.stageTimestamp);
  }

  /** Event time of a decoded event, with the same cache. */
  eventTime(rec: EventRecord): number {
    const ev = rec.event;
    return this.time.eventTime(ev.requestReceivedTimestamp, ev.stageTimestamp);
  }
}

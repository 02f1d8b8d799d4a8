/**
 * One block of a regular file, read and prefiltered by a worker thread (or by
 * the main thread when it has nothing else to do): the part of the scan that
 * needs no rule engine, so workers start fast and stay small.
 *
 * Block k covers the lines that start in [k·B, (k+1)·B): from just after the
 * first newline at or after k·B (0 for the first block) to just after the
 * first newline at or after (k+1)·B. The blocks partition the file. A block
 * is split as if the file had been read from the start, provided no record
 * is open at its start; `clean` says whether one is open at its end (a
 * multi-line document crossing the boundary), in which case the main thread
 * reads on from there itself. Bytes go to the splitter in pieces cut at the
 * same 1 MiB boundaries as the file stream's chunks, so even records too big
 * for one piece are handled exactly as in one thread.
 *
 * What comes out, in input order (`ops`):
 * - SKIPPED: a line the prefilter skipped (its auditID, stage, event time);
 * - TEXT: a record for the main thread to decode and match (lines with a rule
 *   literal, and anything that is not a plain raw event line);
 * - OBJ: (with the detectors) a plain line without rule literals, decoded and
 *   redacted here: the event's projection for the detectors, or the whole event;
 * - REJECT: a record that could not be decoded, or a splitter problem.
 * Line numbers are relative to the block (1 = its first line); the main
 * thread adds the lines of the blocks before.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { projectForDetectors } from '../detectors/witnesses.js';
import type { EventRecord, Place, Rejection } from '../event/types.js';
import type { PickOptions } from '../formats/picker.js';
import { RecordSplitter, type SplitRecord } from '../sources/record-splitter.js';
import type { CoverageCollector } from '../coverage/collector.js';
import type { CoverageSnapshot } from '../coverage/snapshot.js';
import { nodeEvent, observeSkipped } from './engine.js';
import { TimeParser } from './time-parser.js';
import { decodeInto, newCounters, type DecodeCounters } from './evaluate.js';
import { FACT, LAZY, LineClassifier, NODE, PARSE_PLAIN, SKIP, type PrefilterPlan } from './line-classifier.js';
import { emptyFact, FACT_ANNOTATIONS, FACT_EXTRA, factOf, type FactValues } from './fact-event.js';
import { literalSearch, type LiteralSearch, type SearchLayout } from './literal-search.js';

/** The stream's chunk size (sources/inputs.ts HIGH_WATER): pieces are cut on its multiples. */
export const PIECE = 1 << 20;

export const OP_SKIPPED = 0;
export const OP_TEXT = 1;
export const OP_OBJ = 2;
export const OP_REJECT = 3;
/** (with the detectors) the detectors' view of a plain event, as string references: see FACT_FIELDS */
export const OP_FACT = 4;

/**
 * The fields of an OP_FACT, each an index into the block's string table (-1:
 * absent). Everything the detectors and the stage judge read of an event
 * that is not a pod, Secret or TokenRequest (projectForDetectors), with the
 * same values; the auditID, the response code and the event time travel on
 * their own. Cheaper to send and to rebuild than JSON.
 */
export const FACT_FIELDS = [
  'stage', 'verb', 'username', 'nodes', 'credentialId', 'podName', 'nodeName', 'impersonated', 'clientIp', 'userAgent',
  'objectRef', 'resource', 'subresource', 'namespace', 'name',
  'annotations', 'legacyToken', 'autoSecret', 'manualSecret', 'issuedNew', 'issuedOld',
] as const;
export const FACT_WIDTH = FACT_FIELDS.length;
export { FACT_EXTRA, FACT_ANNOTATIONS };

export const STAGE_CODES = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'];
/** stage codes beyond STAGE_CODES: another string (in stageOther), or none */
export const STAGE_OTHER = 255;
export const STAGE_NONE = 254;

/** A growable typed array. */
class Grow<T extends Int32Array | Float64Array | Uint8Array> {
  n = 0;
  constructor(private a: T, private readonly make: (n: number) => T) {}
  push(v: number): void {
    if (this.n === this.a.length) this.grow(this.n + 1);
    this.a[this.n++] = v;
  }
  pushRange(src: Uint8Array, start: number, end: number): void {
    const m = end - start;
    if (this.n + m > this.a.length) this.grow(this.n + m);
    const a = this.a;
    let n = this.n;
    for (let i = start; i < end; i++) a[n++] = src[i]!;
    this.n = n;
  }
  private grow(min: number): void {
    let size = this.a.length * 2;
    while (size < min) size *= 2;
    const b = this.make(size);
    b.set(this.a);
    this.a = b;
  }
  done(): T {
    return this.a.slice(0, this.n) as T;
  }
}
const i32 = (n = 256) => new Grow(new Int32Array(n), (m) => new Int32Array(m));
const f64 = (n = 256) => new Grow(new Float64Array(n), (m) => new Float64Array(m));
const u8 = (n = 256) => new Grow(new Uint8Array(n), (m) => new Uint8Array(m));

export interface BlockResult {
  k: number;
  start: number;
  end: number;
  /** lines (newlines) in the block */
  lines: number;
  /** no record open at the end (always true for the last block) */
  clean: boolean;
  /** milliseconds the reading took (for balancing the threads' work) */
  ms: number;
  /** what the coverage collector observed in this block (null: coverage off) */
  coverage: CoverageSnapshot | null;
  /** records and decoding counts of what was decoded here (skipped lines included) */
  records: number;
  skippedLines: number;
  counters: DecodeCounters;
  op: Uint8Array;
  // SKIPPED: auditIDs one after the other (length -1: none; -2: ASCII, in idBytes with idHash), their requestReceivedTimestamps
  // likewise (rrtLen -1: none; an ASCII id's as FifoIdSet.hasBytes takes it: keyKind and the three numbers keyNum),
  // stage code (255: see stageOther), event time
  ids: string;
  idLen: Int32Array;
  rrts: string;
  rrtLen: Int32Array;
  idBytes: Uint8Array;
  idByteLen: Int32Array;
  keyKind: Uint8Array;
  keyNum: Int32Array;
  idHash: Int32Array;
  stage: Uint8Array;
  stageOther: string[];
  st: Float64Array;
  // TEXT: the record, its place, how to decode it (0 every rule, 1 plain: the candidate rules and whether to redact)
  texts: string[];
  tLine: Int32Array;
  tOff: Float64Array;
  tIdx: Int32Array;
  tPlain: Uint8Array;
  tRedact: Uint8Array;
  tRules: Int32Array;
  // OBJ: a JSON array of events or projections, their places, line lengths (0: whole event), event times
  objs: string;
  oLine: Int32Array;
  oOff: Float64Array;
  oLen: Int32Array;
  ot: Float64Array;
  // REJECT
  rj: { line: number; offset?: number; index?: number; reason: string }[];
  // FACT: FACT_WIDTH string references each (into strs), its auditID on the SKIPPED channel's ids, code, place, line length, event time
  strs: string[];
  facts: Int32Array;
  fCode: Float64Array;
  fLine: Int32Array;
  fOff: Float64Array;
  fLen: Int32Array;
  ft: Float64Array;
  fIdLen: Int32Array;
  fIds: string;
  /** per FACT: its requestReceivedTimestamp's length in fRrts (-1: none) */
  fRrtLen: Int32Array;
  fRrts: string;
  /** per FACT: 1 when it is a line held unread (LAZY): only its auditID and stage, read again if judged */
  fLazy: Uint8Array;
  lazyLines: number;
  nodeLines: number;
  factLines: number;
}

export interface BlockTask {
  path: string;
  /** the name places carry */
  name: string;
  size: number;
  blockSize: number;
  k: number;
  /** a longer block (a giant record) is not read here: the result says so (`clean` false, no records) */
  maxBytes?: number;
}

export interface ReaderOptions {
  plan: PrefilterPlan;
  decode: PickOptions;
  detectors: boolean;
  /** rejections kept with their reasons per block (the rest are only counted) */
  keep: number;
  /** the searcher's fingerprints, computed once for all threads */
  layout?: SearchLayout;
  /** this thread's coverage collector, its observations taken with each block (the plan made with `coverage`) */
  coverage?: CoverageCollector;
}

const NL = 0x0a;

/** Reads and prefilters blocks; one per thread. */
export class BlockReader {
  private search: LiteralSearch | null = null;
  private readonly classifier: LineClassifier;
  private readonly time = new TimeParser();
  private scratch = Buffer.alloc(1 << 16);
  private fd = -1;
  private fdPath = '';

  constructor(private readonly o: ReaderOptions) {
    this.classifier = new LineClassifier(o.plan);
    // blocks come from regular files: a held line can be read again
    this.classifier.lazyOn = true;
    const c = this.classifier;
    o.coverage?.addPending(() => c.foldHeads());
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    this.fdPath = '';
  }

  private open(path: string): number {
    if (this.fdPath !== path) {
      this.close();
      this.fd = openSync(path, 'r');
      this.fdPath = path;
    }
    return this.fd;
  }

  /** First position of a newline at or after `from` (the file size when none). */
  private newlineFrom(fd: number, from: number, size: number): number {
    let pos = from;
    while (pos < size) {
      const n = readSync(fd, this.scratch, 0, Math.min(this.scratch.length, size - pos), pos);
      if (n <= 0) return size;
      const i = this.scratch.subarray(0, n).indexOf(NL);
      if (i >= 0) return pos + i;
      pos += n;
    }
    return size;
  }

  read(t: BlockTask): BlockResult {
    const t0 = performance.now();
    const r = this.readBlock(t);
    // the block's share of the coverage report travels with its results (merged only if they are used)
    if (this.o.coverage) r.coverage = this.o.coverage.takeSnapshot();
    r.ms = performance.now() - t0;
    return r;
  }

  private readBlock(t: BlockTask): BlockResult {
    const fd = this.open(t.path);
    const lo = t.k * t.blockSize;
    const hi = Math.min(t.size, (t.k + 1) * t.blockSize);
    const start = t.k === 0 ? 0 : Math.min(t.size, this.newlineFrom(fd, lo, t.size) + 1);
    const end = hi >= t.size ? t.size : Math.min(t.size, this.newlineFrom(fd, hi, t.size) + 1);
    const last = end >= t.size;
    const out = new ResultBuilder(t.k, start, Math.max(start, end), this.o.keep);
    if (start >= end) {
      if (!last || start > end) return out.done(0, true);
    }
    const len = Math.max(0, end - start);
    if (t.maxBytes !== undefined && len > t.maxBytes) return out.done(0, false);
    // the block goes straight into the searcher's input (WebAssembly memory when SIMD is there)
    if (!this.search) {
      const sample = Buffer.alloc(Math.min(len, 1 << 18));
      readSync(fd, sample, 0, sample.length, start);
      this.search = literalSearch(this.o.plan.literals, sample, this.o.layout);
    }
    const input = this.search.input(len);
    let got = 0;
    while (got < len) {
      const n = readSync(fd, input, got, len - got, start + got);
      if (n <= 0) throw new Error(`${t.path}: file shrank while being read`);
      got += n;
    }
    const buf = Buffer.from(input.buffer, input.byteOffset, len);
    const search = this.search;
    this.classifier.setSearchedBlock(start, input, search);
    const splitter = this.splitter(t.name, start, out);
    // pieces cut where the stream's chunks would end
    let p = start;
    while (p < end) {
      const next = Math.min(end, (Math.floor(p / PIECE) + 1) * PIECE);
      splitter.push(buf.subarray(p - start, next - start));
      p = next;
    }
    if (last) splitter.end();
    const lines = splitter.position.line - 1;
    return out.done(lines, last || splitter.idle);
  }

  private splitter(name: string, start: number, out: ResultBuilder): RecordSplitter {
    const c = this.classifier;
    let plain = false;
    let lineLen = 0;
    const detectors = this.o.detectors;
    const decode = this.o.decode;
    const cov = this.o.coverage;
    // the block's skipped lines are counted by the head reader, for the file's source (each block starts it afresh:
    // its share of the report travels alone, and may be dropped)
    if (cov) c.headCounting((verb, resource, subresource, n) => cov.addCounted(name, decode.cluster, verb, resource, subresource, n));
    const handlers = {
      event: (rec: EventRecord) => {
        if (cov) cov.observe(rec);
        const ev = rec.event;
        if (!detectors) {
          out.skipped(ev.auditID, ev.stage, NaN, ev.requestReceivedTimestamp);
          return;
        }
        const t = this.time.eventTime(ev.requestReceivedTimestamp, ev.stageTimestamp);
        const r = ev.objectRef?.resource;
        // the common case: a few strings
        if (r !== 'serviceaccounts' && r !== 'pods' && r !== 'secrets' && out.fact(ev, rec.source, lineLen, t)) return;
        // a TokenRequest is kept whole by the detectors: send it whole; pods and Secrets with their bodies' fields
        const whole = r === 'serviceaccounts';
        out.obj(whole ? ev : projectForDetectors(ev), rec.source, whole ? 0 : lineLen, t);
      },
      reject: (r: Rejection) => out.reject(r.place, r.reason),
    };
    return new RecordSplitter(
      {
        file: name,
        startOffset: start,
        startLine: 1,
        lineFilter: (b, s, e, offset, line) => {
          const k = c.classify(b, s, e, offset);
          if (k !== SKIP && k !== LAZY && k !== NODE && k !== FACT) {
            plain = k === PARSE_PLAIN;
            lineLen = e - s;
            return true;
          }
          // not parsed: one raw event, its head seen by the coverage report
          out.records++;
          const ct = out.counters;
          ct.events++;
          ct.byFormat.raw = (ct.byFormat.raw ?? 0) + 1;
          if (cov) observeSkipped(cov, c, b, s, e, name, offset, decode);
          if (k === LAZY) {
            // held unread: an OP_FACT of its auditID and stage, marked lazy (read again if it is ever judged)
            out.lazyLines++;
            out.lazy(c.id, c.stage, c.rrt, { file: name, line, offset }, e - s, c.t);
            return false;
          }
          if (k === FACT) {
            // a plain request read from its bytes: an OP_FACT of its view
            out.factLines++;
            out.factValues(c.facts.v, c.id, c.stage, c.factVerb, c.rrt, { file: name, line, offset }, e - s, c.t);
            return false;
          }
          if (k === NODE) {
            // a node's request the cluster model reads: an OP_FACT of what it reads
            out.nodeLines++;
            out.fact(nodeEvent(c), { file: name, line, offset }, e - s, c.t);
            return false;
          }
          out.skippedLines++;
          if (!detectors && c.idAscii) out.skippedBytes(c.idBuf, c.idStart, c.idEnd, c.keyKind, c.keyD, c.keyT, c.keyF, c.idHash, c.stage);
          else out.skipped(c.id, c.stage, detectors ? c.t : NaN, c.rrt);
          return false;
        },
      },
      {
        record: (r: SplitRecord) => {
          const isPlain = plain;
          plain = false;
          if (isPlain && c.detOnly) {
            // no rule can match: decode here (the detectors' view, or just the replay)
            out.records++;
            decodeInto(r, out.counters, handlers, decode, c.redact);
            return;
          }
          out.text(r, isPlain, c);
        },
        problem: (place: Place, reason: string) => {
          out.counters.rejected++;
          out.reject(place, reason);
        },
      },
    );
  }
}

class ResultBuilder {
  records = 0;
  skippedLines = 0;
  readonly counters = newCounters();
  private readonly op = u8(1024);
  private ids: string[] = [];
  private readonly idLen = i32(1024);
  private rrts: string[] = [];
  private readonly rrtLen = i32(1024);
  private readonly idBytes = u8(1 << 16);
  private readonly idByteLen = i32(1024);
  private readonly keyKind = u8(1024);
  private readonly keyNum = i32(3072);
  private readonly idHash = i32(1024);
  private readonly stage = u8(1024);
  private readonly stageOther: string[] = [];
  private readonly st = f64(1024);
  private readonly texts: string[] = [];
  private readonly tLine = i32();
  private readonly tOff = f64();
  private readonly tIdx = i32();
  private readonly tPlain = u8();
  private readonly tRedact = u8();
  private readonly tRules = i32();
  private readonly objs: unknown[] = [];
  private readonly oLine = i32();
  private readonly oOff = f64();
  private readonly oLen = i32();
  private readonly ot = f64();
  private readonly rj: BlockResult['rj'] = [];
  private readonly strs: string[] = [];
  private readonly strIndex = new Map<string, number>();
  private readonly facts = i32(4096);
  private readonly fCode = f64();
  private readonly fLine = i32();
  private readonly fOff = f64();
  private readonly fLen = i32();
  private readonly ft = f64();
  private readonly fIdLen = i32();
  private fIds: string[] = [];
  private readonly fRrtLen = i32();
  private fRrts: string[] = [];
  private readonly fLazy = u8();
  lazyLines = 0;
  nodeLines = 0;
  factLines = 0;

  constructor(private readonly k: number, private readonly start: number, private readonly end: number, private readonly keep: number) {}

  skipped(id: unknown, stage: unknown, t: number, rrt: unknown): void {
    this.op.push(OP_SKIPPED);
    if (typeof id === 'string') {
      this.ids.push(id);
      this.idLen.push(id.length);
    } else this.idLen.push(-1);
    if (typeof rrt === 'string') {
      this.rrts.push(rrt);
      this.rrtLen.push(rrt.length);
    } else this.rrtLen.push(-1);
    const code = typeof stage === 'string' ? STAGE_CODES.indexOf(stage) : -1;
    if (code >= 0) this.stage.push(code);
    else if (typeof stage === 'string') {
      this.stage.push(STAGE_OTHER);
      this.stageOther.push(stage);
    } else this.stage.push(STAGE_NONE);
    this.st.push(t);
  }

  /** A skipped line whose auditID is ASCII: its bytes, its timestamp's kind and numbers, and the key's hash, never a string (see FifoIdSet). */
  skippedBytes(b: Uint8Array, start: number, end: number, kind: number, d: number, t: number, f: number, hash: number, stage: string): void {
    this.op.push(OP_SKIPPED);
    this.idLen.push(-2);
    this.rrtLen.push(-1);
    this.idBytes.pushRange(b, start, end);
    this.idByteLen.push(end - start);
    this.keyKind.push(kind);
    this.keyNum.push(d);
    this.keyNum.push(t);
    this.keyNum.push(f);
    this.idHash.push(hash);
    const code = stage === 'ResponseComplete' ? 2 : stage === 'RequestReceived' ? 0 : STAGE_CODES.indexOf(stage);
    if (code >= 0) this.stage.push(code);
    else {
      this.stage.push(STAGE_OTHER);
      this.stageOther.push(stage);
    }
    this.st.push(NaN);
  }

  text(r: SplitRecord, plain: boolean, c: LineClassifier): void {
    this.op.push(OP_TEXT);
    this.texts.push(r.text);
    this.place(r.place, this.tLine, this.tOff, this.tIdx);
    this.tPlain.push(plain ? 1 : 0);
    this.tRedact.push(plain ? (c.redact ? 1 : 0) : 1);
    if (plain) {
      this.tRules.push(c.rules.length);
      for (const x of c.rules) this.tRules.push(x);
    } else this.tRules.push(-1);
  }

  obj(v: unknown, place: Place, lineLen: number, t: number): void {
    this.op.push(OP_OBJ);
    this.objs.push(v);
    this.oLine.push(place.line);
    this.oOff.push(place.offset ?? -1);
    this.oLen.push(lineLen);
    this.ot.push(t);
  }

  private str(v: unknown): number {
    if (v === undefined) return -1;
    const s = v as string;
    let k = this.strIndex.get(s);
    if (k === undefined) {
      k = this.strs.length;
      this.strs.push(s);
      this.strIndex.set(s, k);
    }
    return k;
  }

  /** The detectors' view of a plain event as string references; false when its shape needs the JSON projection. */
  fact(ev: EventRecord['event'], place: Place, lineLen: number, t: number): boolean {
    const v = factOf(ev, this.fv);
    if (v === null) return false;
    this.factValues(v, typeof ev.auditID === 'string' ? ev.auditID : undefined, ev.stage, ev.verb, typeof ev.requestReceivedTimestamp === 'string' ? ev.requestReceivedTimestamp : undefined, place, lineLen, t);
    return true;
  }
  private readonly fv = emptyFact();

  /** The same from the view itself (a line read from its tokens). */
  factValues(v: FactValues, auditID: string | undefined, stage: string | undefined, verb: string | undefined, rrt: string | undefined, place: Place, lineLen: number, t: number): void {
    const f = this.facts;
    f.push(this.str(stage));
    f.push(this.str(verb));
    f.push(this.str(v.username));
    f.push(v.nodes);
    for (let i = 0; i < 3; i++) f.push(this.str(v.extra[i]));
    f.push(this.str(v.impersonated));
    f.push(this.str(v.clientIp));
    f.push(this.str(v.userAgent));
    f.push(v.objectRef ? 1 : -1);
    f.push(this.str(v.resource));
    f.push(this.str(v.subresource));
    f.push(this.str(v.namespace));
    f.push(this.str(v.name));
    f.push(v.annotations ? 1 : -1);
    for (let i = 0; i < v.ann.length; i++) f.push(this.str(v.ann[i]));
    this.factRest(v.code, place, lineLen, t, auditID, rrt, 0);
  }

  /** A line held unread (LAZY): an OP_FACT of its auditID and stage alone, marked lazy. */
  lazy(id: string, stage: string, rrt: string | undefined, place: Place, lineLen: number, t: number): void {
    const f = this.facts;
    f.push(this.str(stage));
    for (let k = 1; k < FACT_WIDTH; k++) f.push(-1);
    this.factRest(NaN, place, lineLen, t, id, rrt, 1);
  }

  /** What an OP_FACT carries besides its string references. */
  private factRest(code: number, place: Place, lineLen: number, t: number, id: string | undefined, rrt: string | undefined, lazy: number): void {
    this.fCode.push(code);
    this.op.push(OP_FACT);
    this.fLine.push(place.line);
    this.fOff.push(place.offset ?? -1);
    this.fLen.push(lineLen);
    this.ft.push(t);
    if (id !== undefined) {
      this.fIds.push(id);
      this.fIdLen.push(id.length);
    } else this.fIdLen.push(-1);
    if (rrt !== undefined) {
      this.fRrts.push(rrt);
      this.fRrtLen.push(rrt.length);
    } else this.fRrtLen.push(-1);
    this.fLazy.push(lazy);
  }

  reject(place: Place, reason: string): void {
    this.op.push(OP_REJECT);
    if (this.rj.length < this.keep) this.rj.push({ line: place.line, ...(place.offset !== undefined ? { offset: place.offset } : {}), ...(place.index !== undefined ? { index: place.index } : {}), reason });
  }

  private place(p: Place, line: Grow<Int32Array>, off: Grow<Float64Array>, idx: Grow<Int32Array>): void {
    line.push(p.line);
    off.push(p.offset ?? -1);
    idx.push(p.index ?? -1);
  }

  done(lines: number, clean: boolean): BlockResult {
    return {
      k: this.k,
      start: this.start,
      end: this.end,
      lines,
      clean,
      ms: 0,
      coverage: null,
      records: this.records,
      skippedLines: this.skippedLines,
      counters: this.counters,
      op: this.op.done(),
      ids: this.ids.join(''),
      idLen: this.idLen.done(),
      rrts: this.rrts.join(''),
      rrtLen: this.rrtLen.done(),
      idBytes: this.idBytes.done(),
      idByteLen: this.idByteLen.done(),
      keyKind: this.keyKind.done(),
      keyNum: this.keyNum.done(),
      idHash: this.idHash.done(),
      stage: this.stage.done(),
      stageOther: this.stageOther,
      st: this.st.done(),
      texts: this.texts,
      tLine: this.tLine.done(),
      tOff: this.tOff.done(),
      tIdx: this.tIdx.done(),
      tPlain: this.tPlain.done(),
      tRedact: this.tRedact.done(),
      tRules: this.tRules.done(),
      objs: this.objs.length ? JSON.stringify(this.objs) : '[]',
      oLine: this.oLine.done(),
      oOff: this.oOff.done(),
      oLen: this.oLen.done(),
      ot: this.ot.done(),
      rj: this.rj,
      strs: this.strs,
      facts: this.facts.done(),
      fCode: this.fCode.done(),
      fLine: this.fLine.done(),
      fOff: this.fOff.done(),
      fLen: this.fLen.done(),
      ft: this.ft.done(),
      fIdLen: this.fIdLen.done(),
      fIds: this.fIds.join(''),
      fRrtLen: this.fRrtLen.done(),
      fRrts: this.fRrts.join(''),
      fLazy: this.fLazy.done(),
      lazyLines: this.lazyLines,
      nodeLines: this.nodeLines,
      factLines: this.factLines,
    };
  }
}

/** The typed arrays of a result, for postMessage's transfer list. */
export function transferables(r: BlockResult): ArrayBuffer[] {
  return [r.op, r.idLen, r.rrtLen, r.idBytes, r.idByteLen, r.keyKind, r.keyNum, r.idHash, r.stage, r.st, r.tLine, r.tOff, r.tIdx, r.tPlain, r.tRedact, r.tRules, r.oLine, r.oOff, r.oLen, r.ot, r.facts, r.fCode, r.fLine, r.fOff, r.fLen, r.ft, r.fIdLen, r.fRrtLen].map((a) => a.buffer as ArrayBuffer);
}

/**
 * Reading large regular files with several threads. The file is cut into
 * blocks of lines (block.ts); worker threads claim blocks in order through a
 * shared counter, read and prefilter them, and post compact results; the main
 * thread consumes the results strictly in block order, so everything stateful
 * (the stage judge, the detectors, correlations, the grouper) sees events in
 * input order and the output is the same as with one thread. When the main
 * thread would wait, it reads the next unclaimed block itself.
 *
 * Workers load no rules: lines that may match a rule come back as text and are
 * decoded and matched here (they are few); lines that only the detectors need
 * come back decoded, as the part of the event the detectors read
 * (projectForDetectors). When a detector fires on such an event, the whole
 * event is read again from the file and decoded here before the finding goes
 * anywhere (`materialize`).
 *
 * Back-pressure: a worker does not claim a block more than WINDOW blocks ahead
 * of the one being consumed, so memory stays bounded whatever the file size.
 * A block that ends inside a multi-line document makes the main thread read
 * on from that block's start by itself, to the end of the file.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { CoverageCollector } from '../coverage/collector.js';
import type { EventRecord, Place, Rejection, Source } from '../event/types.js';
import { decodeRecord, type PickOptions } from '../formats/picker.js';
import { redactEvent } from '../event/redact.js';
import type { RuleSpec } from '../ruleset/rule-spec.js';
import { gzipMagicAt, type InputFile } from '../sources/inputs.js';
import { BlockReader, FACT_WIDTH, OP_FACT, OP_OBJ, OP_REJECT, OP_SKIPPED, OP_TEXT, STAGE_CODES, STAGE_NONE, type BlockResult } from './block.js';
import { emptyFact, factEvent, FACT_ANNOTATIONS } from './fact-event.js';
import type { Engine } from './engine.js';
import { decodeInto, matchRules, matchRulesIn, sourceOf, type DecodeCounters } from './evaluate.js';
import type { PrefilterPlan } from './line-classifier.js';
import { searchLayout } from './literal-search.js';
import { keyEvent, type StageJudge } from './stage-judge.js';

/**
 * A reader of strings sent joined into one (ResultBuilder's channels): each
 * call takes the next `len` characters, or gives undefined for a length of -1
 * (no string).
 */
function joined(all: string): (len: number) => string | undefined {
  let p = 0;
  return (len) => {
    if (len < 0) return undefined;
    const s = all.slice(p, p + len);
    p += len;
    return s;
  };
}

/** bytes read at a time when lines are read again */
const WINDOW_BYTES = 256 << 10;

/** Files smaller than this are read by one thread. */
export const MIN_PARALLEL_BYTES = 4 << 20;
const BLOCK = 8 << 20;
/** a block longer than this (a giant record in it) is read by the main thread, on its own */
const MAX_BLOCK_BYTES = 32 << 20;
/** blocks a worker may be ahead of the main thread */
const WINDOW = 6;

export interface ParallelContext {
  rules: RuleSpec[];
  decode: PickOptions;
  detectors: boolean;
  keep: number;
  judge: StageJudge<number[]>;
  counters: DecodeCounters;
  onReject(r: Rejection): void;
  /** records decoded by any thread */
  addRecords(n: number): void;
  progress?(file: string, bytesRead: number, events: number): void;
  /** the scan's coverage collector: each block's observations are merged in when its results are used */
  coverage?: CoverageCollector;
}

/** A record whose event is the detectors' projection; `len`: the byte length of its line, to read it again. */
export interface ProjectedRecord extends EventRecord {
  t: number;
  len: number;
}

const NO_MATCH: number[] = [];

/** Is this input read in blocks by threads? A regular, uncompressed file of some size. */
export function parallelizable(file: InputFile, minBytes = MIN_PARALLEL_BYTES): boolean {
  if (file.name === '-' || file.size === undefined || file.size < minBytes || file.size === 0) return false;
  try {
    const st = statSync(file.name);
    if (!st.isFile()) return false;
    const fd = openSync(file.name, 'r');
    try {
      return !gzipMagicAt(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

/**
 * Reads lines again by their offsets (projected and lazy records), one file
 * open at a time: a log whose policy omits final stages makes every held
 * preliminary stage come back through here.
 */
export class LineRereader {
  private fd = -1;
  private path = '';
  // a window of the file: held stages come back roughly in file order (expiry, and the end of input)
  private buf = Buffer.alloc(WINDOW_BYTES);
  private winStart = 0;
  private winEnd = 0;

  /** The line's text, or undefined when the file cannot be read there. */
  read(file: string, offset: number, len: number): string | undefined {
    try {
      if (file !== this.path) {
        this.close();
        this.fd = openSync(file, 'r');
        this.path = file;
      }
      if (offset < this.winStart || offset + len > this.winEnd) {
        if (this.buf.length < len) this.buf = Buffer.alloc(len);
        const n = readSync(this.fd, this.buf, 0, this.buf.length, offset);
        this.winStart = offset;
        this.winEnd = offset + n;
        if (n < len) return undefined;
      }
      const at = offset - this.winStart;
      return this.buf.toString('utf8', at, at + len);
    } catch {
      return undefined;
    }
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    this.path = '';
    this.winStart = this.winEnd = 0;
  }
}

/**
 * Puts the whole event back into a projected or lazy record: read its line
 * again and decode it as it was first decoded (redacted). False when that
 * fails: the file changed under the scan (the line there is not the same
 * request), or the line is not a valid event after all, which the prefilter
 * cannot see (prefilter.ts).
 */
export function materialize(rec: EventRecord, decode: PickOptions, reader?: LineRereader): boolean {
  const p = rec as Partial<ProjectedRecord> & { lazy?: boolean };
  if (p.len === undefined || p.len <= 0 || rec.source.offset === undefined) return true;
  const own = reader ?? new LineRereader();
  let whole: EventRecord['event'] | undefined;
  try {
    const text = own.read(rec.source.file, rec.source.offset, p.len);
    if (text !== undefined) {
      decodeRecord({ text, place: { file: rec.source.file, line: rec.source.line, offset: rec.source.offset } }, {
        event: (d) => {
          whole ??= d.event;
        },
        reject: () => {},
      }, decode);
    }
  } finally {
    if (!reader) own.close();
  }
  // the same request, not what a rotated or rewritten file now holds there
  if (!whole || whole.auditID !== rec.event.auditID) return false;
  redactEvent(whole);
  rec.event = whole;
  delete p.len;
  delete p.lazy;
  return true;
}

interface Slot {
  results: Map<number, BlockResult>;
  wake: (() => void) | null;
}

/** The worker threads of one scan, and the reading of files through them. */
export class ParallelReader {
  private readonly workers: Worker[] = [];
  private readonly ctl: Int32Array;
  private readonly slots = new Map<number, Slot>();
  private nextSlot = 0;
  private readonly reader: BlockReader;
  private failure: Error | null = null;
  skippedLines = 0;
  lazyLines = 0;
  nodeLines = 0;
  factLines = 0;
  /** time this thread spent on consuming and on its own blocks, and the workers on theirs (ms) */
  private mainMs = 0;
  private workerMs = 0;
  private blockMs = 0;
  private blocks = 0;

  private readonly blockBytes: number;

  constructor(private readonly x: ParallelContext, plan: PrefilterPlan, readers: number, private readonly engine: Engine, blockBytes = BLOCK, sampleFile?: string, searchBytes?: number) {
    this.blockBytes = Math.max(4096, blockBytes);
    this.ctl = new Int32Array(new SharedArrayBuffer(4 * 4 * 256));
    // the searcher's fingerprints, chosen once from a sample of the first file, for every thread
    let sample: Buffer | undefined;
    if (sampleFile) {
      const fd = openSync(sampleFile, 'r');
      try {
        sample = Buffer.alloc(1 << 18);
        sample = sample.subarray(0, readSync(fd, sample, 0, sample.length, 0));
      } finally {
        closeSync(fd);
      }
    }
    const layout = searchLayout(plan.literals, sample, { bytes: searchBytes });
    const init = { plan, decode: x.decode, detectors: x.detectors, keep: x.keep, ctl: this.ctl.buffer, window: WINDOW, layout, coverageGapMs: x.coverage?.gapMs };
    this.reader = new BlockReader({ plan, decode: x.decode, detectors: x.detectors, keep: x.keep, layout, coverage: x.coverage ? new CoverageCollector({ gapMs: x.coverage.gapMs }) : undefined });
    for (let i = 0; i < readers - 1; i++) {
      // a worker holds one block and its results: a small heap is plenty (a block with a giant record is left to this thread)
      const w = new Worker(new URL('./worker-main.js', import.meta.url), { workerData: init, resourceLimits: { maxOldGenerationSizeMb: 96, maxYoungGenerationSizeMb: 16 } });
      w.on('message', (m: { type: string; slot: number; r?: BlockResult; error?: string }) => {
        if (m.type === 'block') {
          this.workerMs += m.r!.ms;
          this.blockMs += m.r!.ms;
          this.blocks++;
          const s = this.slots.get(m.slot);
          if (!s) return;
          s.results.set(m.r!.k, m.r!);
          s.wake?.();
        } else if (m.type === 'error') this.fail(new Error(m.error));
      });
      w.on('error', (e) => this.fail(e));
      this.workers.push(w);
    }
  }

  get threads(): number {
    return this.workers.length + 1;
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const s of this.slots.values()) s.wake?.();
  }

  async close(): Promise<void> {
    this.reader.close();
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  /** Reads one file through the workers and this thread; everything reaches the judge in input order. */
  async scanFile(file: InputFile): Promise<number> {
    const size = file.size!;
    const B = this.blockBytes;
    const nBlocks = Math.max(1, Math.ceil(size / B));
    const slot = this.nextSlot++ % 256;
    const base = 4 * slot;
    Atomics.store(this.ctl, base, 0); // next block to claim
    Atomics.store(this.ctl, base + 1, 0); // blocks consumed
    Atomics.store(this.ctl, base + 2, 0); // abandoned
    const s: Slot = { results: new Map(), wake: null };
    this.slots.set(slot, s);
    const task = { path: file.name, name: file.name, size, blockSize: B, maxBytes: Math.max(4 * B, MAX_BLOCK_BYTES) };
    for (const w of this.workers) w.postMessage({ type: 'file', slot, nBlocks, ...task });
    let line = 1;
    try {
      for (let k = 0; k < nBlocks; k++) {
        let r = s.results.get(k);
        while (!r) {
          if (this.failure) throw this.failure;
          // Nothing to consume: read the next block here, unless this thread already carries
          // its share (with the detectors on it runs them, which is work enough).
          const share = this.workers.length === 0 || this.blocks === 0 || this.mainMs + this.blockMs / this.blocks <= this.workerMs / this.workers.length + this.blockMs / this.blocks;
          const j = share ? Atomics.add(this.ctl, base, 1) : nBlocks;
          if (j < nBlocks) {
            const own = this.reader.read({ ...task, k: j });
            this.mainMs += own.ms;
            this.blockMs += own.ms;
            this.blocks++;
            s.results.set(j, own);
          } else {
            await new Promise<void>((resolve) => {
              s.wake = resolve;
              if (s.results.has(k) || this.failure) resolve();
            });
            s.wake = null;
          }
          r = s.results.get(k);
        }
        s.results.delete(k);
        if (!r.clean) {
          // a document runs over the block's end: read on from its start here, to the end
          Atomics.store(this.ctl, base + 2, 1);
          Atomics.store(this.ctl, base, nBlocks);
          this.sequential(file, r.start, line);
          break;
        }
        const c0 = performance.now();
        this.consume(r, file.name, line);
        this.mainMs += performance.now() - c0;
        line += r.lines;
        Atomics.store(this.ctl, base + 1, k + 1);
        Atomics.notify(this.ctl, base + 1);
        this.x.progress?.(file.name, r.end, this.x.counters.events);
      }
    } finally {
      Atomics.store(this.ctl, base + 2, 1);
      Atomics.store(this.ctl, base, nBlocks);
      Atomics.notify(this.ctl, base + 1);
      this.slots.delete(slot);
    }
    return size;
  }

  /** The rest of a file from `start` (a line start outside any record), in this thread. */
  private sequential(file: InputFile, start: number, line: number): void {
    const fd = openSync(file.name, 'r');
    try {
      const splitter = this.engine.splitter(file.name, start, line, true);
      this.engine.readFile(fd, splitter, start);
      splitter.end();
    } finally {
      closeSync(fd);
    }
  }

  private consume(r: BlockResult, file: string, baseLine: number): void {
    const x = this.x;
    const judge = x.judge;
    const det = x.detectors;
    const cluster = x.decode.cluster;
    const lightSource: Source = sourceOf({ file, line: 0 }, 'raw', cluster);
    const objs = r.objs === '[]' ? [] : (JSON.parse(r.objs) as EventRecord['event'][]);
    if (r.coverage && x.coverage) {
      // places in a block count lines from its start
      for (const so of r.coverage.sources) for (const sg of [so.tokenInLog, so.secretData, so.reviewedToken]) if (sg && sg.file === file) sg.line += baseLine - 1;
      x.coverage.merge(r.coverage);
    }
    const ids = joined(r.ids);
    const rrts = joined(r.rrts);
    const fIds = joined(r.fIds);
    const fRrts = joined(r.fRrts);
    let li = 0;
    let so = 0;
    let ti = 0;
    let rp = 0;
    let oi = 0;
    let ri = 0;
    let fi = 0;
    let bi = 0;
    let bp = 0;
    const S = r.strs;
    const F = r.facts;
    const fv = emptyFact();
    const op = r.op;
    for (let i = 0; i < op.length; i++) {
      switch (op[i]) {
        case OP_SKIPPED: {
          const len = r.idLen[li]!;
          const code = r.stage[li]!;
          const stage = code < STAGE_CODES.length ? STAGE_CODES[code] : code === STAGE_NONE ? undefined : r.stageOther[so++];
          const t = r.st[li]!;
          const rlen = r.rrtLen[li]!;
          li++;
          if (len === -2) {
            // an ASCII auditID as bytes, its requestReceivedTimestamp as its kind and numbers (FifoIdSet.hasBytes):
            // the readers send keys so only without the detectors (block.ts), which need a record of the line
            const n = r.idByteLen[bi]!;
            const kn = 3 * bi;
            judge.offerNoneBytes(r.idBytes, bp, bp + n, r.keyKind[bi]!, r.keyNum[kn]!, r.keyNum[kn + 1]!, r.keyNum[kn + 2]!, r.idHash[bi]!, stage);
            bi++;
            bp += n;
            break;
          }
          const id = ids(len);
          const rrt = rrts(rlen);
          if (det) {
            judge.offer({ event: keyEvent(id, stage, rrt), source: lightSource, t } as EventRecord, NO_MATCH, t);
          } else judge.offerNone(id, stage, rrt);
          break;
        }
        case OP_TEXT: {
          const off = r.tOff[ti]!;
          const idx = r.tIdx[ti]!;
          const place: Place = off >= 0 ? { file, line: baseLine + r.tLine[ti]! - 1, offset: off } : { file, line: baseLine + r.tLine[ti]! - 1, index: idx };
          const plain = r.tPlain[ti] === 1;
          const redact = r.tRedact[ti] === 1;
          const n = r.tRules[rp++]!;
          let cands: number[] | null = null;
          if (n >= 0) {
            cands = [];
            for (let q = 0; q < n; q++) cands.push(r.tRules[rp++]!);
          }
          const text = r.texts[ti]!;
          ti++;
          x.addRecords(1);
          const rules = x.rules;
          const cov = x.coverage;
          const handlers = {
            event: (rec: EventRecord) => {
              if (cov) cov.observe(rec);
              const m = plain && cands ? (cands.length ? matchRulesIn(rules, rec, cands) : null) : matchRules(rules, rec);
              if (det) judge.offer(rec, m ?? NO_MATCH);
              else judge.offer(rec, m);
            },
            reject: x.onReject,
          };
          decodeInto({ text, place }, x.counters, handlers, x.decode, redact);
          break;
        }
        case OP_OBJ: {
          const off = r.oOff[oi]!;
          const line = baseLine + r.oLine[oi]! - 1;
          const source = sourceOf(off >= 0 ? { file, line, offset: off } : { file, line }, 'raw', cluster);
          const t = r.ot[oi]!;
          const len = r.oLen[oi]!;
          const rec: EventRecord & { t: number; len?: number } = { event: objs[oi]!, source, t };
          if (len > 0) rec.len = len;
          oi++;
          judge.offer(rec, NO_MATCH, t);
          break;
        }
        case OP_FACT: {
          const b = fi * FACT_WIDTH;
          const str = (k: number): string | undefined => {
            const v = F[b + k]!;
            return v < 0 ? undefined : S[v];
          };
          const auditID = fIds(r.fIdLen[fi]!);
          const rrt = fRrts(r.fRrtLen[fi]!);
          const v = fv;
          v.username = str(2);
          v.nodes = F[b + 3]!;
          for (let k = 0; k < 3; k++) v.extra[k] = str(4 + k);
          v.impersonated = str(7);
          v.clientIp = str(8);
          v.userAgent = str(9);
          v.objectRef = F[b + 10]! >= 0;
          v.resource = str(11);
          v.subresource = str(12);
          v.namespace = str(13);
          v.name = str(14);
          v.code = r.fCode[fi]!;
          v.annotations = F[b + 15]! >= 0;
          for (let k = 0; k < FACT_ANNOTATIONS.length; k++) v.ann[k] = str(16 + k);
          const ev = factEvent(v, auditID, str(0), str(1), rrt);
          const off = r.fOff[fi]!;
          const line = baseLine + r.fLine[fi]! - 1;
          const source = sourceOf(off >= 0 ? { file, line, offset: off } : { file, line }, 'raw', cluster);
          const t = r.ft[fi]!;
          const rec: EventRecord & { t: number; len?: number; lazy?: true } = { event: ev, source, t };
          const len = r.fLen[fi]!;
          if (len > 0) rec.len = len;
          if (r.fLazy[fi] === 1) rec.lazy = true;
          fi++;
          judge.offer(rec, NO_MATCH, t);
          break;
        }
        case OP_REJECT: {
          const rj = r.rj[ri++];
          if (rj) {
            const place: Place = { file, line: baseLine + rj.line - 1, ...(rj.offset !== undefined ? { offset: rj.offset } : {}), ...(rj.index !== undefined ? { index: rj.index } : {}) };
            x.onReject({ place, reason: rj.reason });
          }
          break;
        }
      }
    }
    addCounts(x.counters, r.counters);
    x.addRecords(r.records);
    this.skippedLines += r.skippedLines;
    this.lazyLines += r.lazyLines;
    this.nodeLines += r.nodeLines;
    this.factLines += r.factLines;
  }
}

function addCounts(into: DecodeCounters, c: DecodeCounters): void {
  into.events += c.events;
  into.rejected += c.rejected;
  into.empty += c.empty;
  into.redacted += c.redacted;
  for (const [k, v] of Object.entries(c.byFormat)) into.byFormat[k] = (into.byFormat[k] ?? 0) + v;
}

/**
 * Observes every decoded event of a scan and keeps what the coverage report
 * needs: per source (the cluster when the format names one, else the file),
 * the time covered, and per class of request (verb × resource ×
 * subresource) counters of levels, stages, fields present, credential ids
 * and binding extras. Memory is bounded: classes, sources, key sets and time
 * buckets are capped, and nothing per event is kept.
 *
 * The hot path allocates nothing in the common case: sources are found by
 * comparing the record's strings with the last ones seen, classes through
 * nested maps keyed by the event's own strings, timestamps through a cache
 * of the last two seconds seen.
 */
import { parseTime } from '../event/time.js';
import type { AuditEvent, EventRecord } from '../event/types.js';
import { CREDENTIAL_ID, NODE_NAME, POD_NAME } from './needs.js';
import { CLASS_SLOTS, DEFAULT_GAP_MS, EventClass, hasSecretData, LEVEL_NAMES, STAGE_NAMES, K_SECRET, K_TOKEN_REQUEST, K_TOKEN_REVIEW, SourceObservation, type CredentialSighting } from './observation.js';
import { buildReport, type CoverageReport, type CoverageSubject } from './report.js';
import { mergeSource, snapshotSource, type CoverageSnapshot } from './snapshot.js';

export { DEFAULT_GAP_MS };

const SA_PREFIX = 'system:serviceaccount:';
const NODE_PREFIX = 'system:node:';
const ISSUED_NEW = 'authentication.kubernetes.io/issued-credential-id';
const ISSUED_OLD = 'authentication.k8s.io/issued-credential-id';
const MAX_KEYS = 48;
const MAX_TOP_KEYS = 64;
const MAX_DAYS = 3700;
const MINUTES_PER_DAY = 1440;
/** Every event of a class is inspected in full up to this many, then one in INSPECT_EVERY at random. */
export const INSPECT_FIRST = 64;
export const INSPECT_EVERY = 32;
/** For lines the scan does not parse, one in this many after the first (parsing is what the prefilter saves): a draw whose top bits are zero. */
export const SKIPPED_SHIFT = 22;
export const SKIPPED_EVERY = 2 ** (32 - SKIPPED_SHIFT);
/** The sampling generator's first state (fixed: the same input gives the same report); the head reader draws from its own. */
export const SAMPLE_SEED = 0x2545f491;

/** What a line's head says about its event (see rawHead in head.ts). */
export interface EventHead {
  verb?: string;
  resource?: string;
  subresource?: string;
  /** requestReceivedTimestamp, else stageTimestamp */
  time?: string;
  /** the line has a requestObject or responseObject (unknown: assume it may) */
  body?: boolean;
}

export interface CoverageOptions {
  /** Report spans longer than this without any event (default 15 minutes; minute resolution). */
  gapMs?: number;
  /** Request classes (verb × resource × subresource) kept per source; the rest are pooled as `(other)` (default 2000). */
  maxClasses?: number;
  /** Sources kept apart; further ones are pooled as `(other sources)` (default 5000). */
  maxSources?: number;
}

export class CoverageCollector {
  readonly gapMs: number;
  private readonly maxClasses: number;
  private readonly maxSources: number;
  private readonly sources = new Map<string, SourceObservation>();
  private pooled: SourceObservation | null = null;
  private lastCluster: string | undefined = undefined;
  private lastFile: string | undefined = undefined;
  private lastSource: SourceObservation | null = null;
  // timestamp cache: the second-precision prefix of the last two distinct seconds seen
  private tsPrefixA = '';
  private tsSecA = NaN;
  private tsPrefixB = '';
  private tsSecB = NaN;
  /** a linear congruential generator for sampling (fixed seed: the same input gives the same report) */
  private rnd = SAMPLE_SEED;
  /** (observeSkipped) the line's class: how many of its next events are sampled before any is only counted, and whether it may hold credentials */
  firstLeft = 0;
  special = false;
  /** counts kept elsewhere (a head reader's), handed over before anything is read */
  private readonly pending: (() => void)[] = [];

  constructor(opts: CoverageOptions = {}) {
    this.gapMs = opts.gapMs ?? DEFAULT_GAP_MS;
    this.maxClasses = opts.maxClasses ?? 2000;
    this.maxSources = opts.maxSources ?? 5000;
  }

  /** Observes one decoded (and redacted) event. Call it for every event, whatever the rules make of it. */
  observe(rec: EventRecord): void {
    // two reads of the record's source per event (cluster, file); everything else comes from the event
    const src = rec.source;
    const cluster = src.cluster;
    let so = this.lastSource;
    if (so === null || cluster !== this.lastCluster) so = this.sourceFor(cluster, src.file);
    else if (cluster === undefined) {
      const file = src.file;
      if (file !== this.lastFile) so = this.sourceFor(undefined, file);
    }
    this.count(so, rec.event, src, '', 0);
  }

  /**
   * `observe` for an event whose line's head the scan read (LineClassifier.head):
   * its class and second from the head's interned strings and cached second,
   * cheaper than from the parsed event's fresh strings; the event itself for
   * the sample, exactly as `observe` samples.
   */
  observeHeaded(rec: EventRecord, verb: string, resource: string, subresource: string, sec: number): void {
    const src = rec.source;
    const so = this.sourceOf(src.cluster, src.file);
    const c = this.countHead(so, verb, resource, subresource, sec, undefined);
    if (c.seen <= INSPECT_FIRST || c.special !== 0 || ((this.rnd = (Math.imul(this.rnd, 1664525) + 1013904223) | 0) >>> 27) === 0) this.inspectEvent(so, c, rec.event, src.format, src.file, src.line);
  }

  /**
   * The same from parts, for a caller that has them at hand (the decoder's
   * sink): no read of a Source object at all.
   */
  observeEvent(ev: AuditEvent, file: string, line: number, format: string, cluster?: string): void {
    let so = this.lastSource;
    if (so === null || cluster !== this.lastCluster || (cluster === undefined && file !== this.lastFile)) so = this.sourceFor(cluster, file);
    this.count(so, ev, null, format, line, file);
  }

  /** Exact for every event: its source's count, its class, its time; the rest on a sample. */
  private count(so: SourceObservation, ev: AuditEvent, src: EventRecord['source'] | null, format: string, line: number, file = ''): void {
    so.events++;
    const v = ev.verb;
    const verb = typeof v === 'string' ? v : '';
    const o = ev.objectRef;
    let resource = '';
    let subresource = '';
    if (o !== undefined && o !== null) {
      const r = o.resource;
      if (typeof r === 'string') resource = r;
      const sr = o.subresource;
      if (typeof sr === 'string') subresource = sr;
    }
    const c = this.recentClass(so, verb, resource, subresource);
    c.n++;
    const n = ++c.seen;
    // the engine's event time (eventTime): when the request was received, else when the stage was written
    const tReceived = ev.requestReceivedTimestamp;
    if (typeof tReceived !== 'string' || !this.time(so, tReceived)) {
      const tStage = ev.stageTimestamp;
      if (typeof tStage !== 'string' || !this.time(so, tStage)) so.untimed++;
    }
    // everything else on a sample: every event of the first INSPECT_FIRST of a class, then one in INSPECT_EVERY
    // (32); every event of the classes that may hold credentials (TokenRequests, Secrets, TokenReviews)
    // sampled at random, not every 32nd: stages of one request interleave, and a period would pick one stage
    if (n <= INSPECT_FIRST || c.special !== 0 || ((this.rnd = (Math.imul(this.rnd, 1664525) + 1013904223) | 0) >>> 27) === 0) {
      if (src !== null) this.inspectEvent(so, c, ev, src.format, src.file, src.line);
      else this.inspectEvent(so, c, ev, format, file, line);
    }
  }

  /**
   * The cheap path for a line the scan does not parse (the prefilter's
   * skipped lines): what the line's head says. Counts the event and its time;
   * returns true when the collector wants the whole event (the first events
   * of each class, one in SKIPPED_EVERY after, and TokenRequests, Secrets and
   * TokenReviews with a body): then decode the line and pass it to `inspect`.
   */
  observeHead(file: string, cluster: string | undefined, h: EventHead): boolean {
    return this.observeSkipped(file, cluster, h.verb ?? '', h.resource ?? '', h.subresource ?? '', h.time, h.body);
  }

  /** observeHead from parts (no head object per line): `body` false when the line holds no request or response object. */
  observeSkipped(file: string, cluster: string | undefined, verb: string, resource: string, subresource: string, time: string | undefined, body: boolean | undefined, sec = NaN, sample = false): boolean {
    const c = this.countHead(this.sourceOf(cluster, file), verb, resource, subresource, sec, time);
    this.firstLeft = INSPECT_FIRST - c.seen;
    this.special = c.special !== 0;
    if (sample || c.seen <= INSPECT_FIRST || (c.special !== 0 && body !== false)) return true;
    this.rnd = (Math.imul(this.rnd, 1664525) + 1013904223) | 0;
    return this.rnd >>> SKIPPED_SHIFT === 0;
  }

  /**
   * Skipped lines counted elsewhere (a head reader's slots): `n` events of a
   * class, whose times were seen (each second once, through observeSkipped).
   */
  addCounted(file: string, cluster: string | undefined, verb: string, resource: string, subresource: string, n: number): void {
    const so = this.sourceOf(cluster, file);
    so.events += n;
    const c = this.recentClass(so, verb, resource, subresource);
    c.n += n;
    c.seen += n;
  }

  /** `fold` hands over counts kept elsewhere; it is called before the collector is read. */
  addPending(fold: () => void): void {
    this.pending.push(fold);
  }

  /** The whole event of a head `observeHead` asked for (counted there already). */
  inspect(rec: EventRecord): void {
    const src = rec.source;
    const so = this.sourceFor(src.cluster, src.file);
    const ev = rec.event;
    const o = ev.objectRef;
    const c = this.classFor(so, typeof ev.verb === 'string' ? ev.verb : '', typeof o?.resource === 'string' ? o.resource : '', typeof o?.subresource === 'string' ? o.subresource : '');
    this.inspectEvent(so, c, ev, src.format, src.file, src.line);
  }

  /** Plain data of everything observed, to send from a worker thread and `merge` into the main thread's collector. */
  snapshot(): CoverageSnapshot {
    return { version: 1, sources: this.observations().map(snapshotSource) };
  }

  /**
   * The snapshot of what was observed since the last call, then forgotten
   * (sampling goes on as if nothing was): a block's share, which the main
   * thread merges only if it uses the block's results.
   */
  takeSnapshot(): CoverageSnapshot {
    const sources = this.observations().filter((so) => so.events > 0).map(snapshotSource);
    for (const so of this.observations()) so.reset();
    return { version: 1, sources };
  }

  /** Adds what another collector (a worker's) observed. */
  merge(s: CoverageSnapshot): void {
    for (const x of s.sources) {
      const so = x.keyedBy === 'pooled' ? (this.pooled ??= new SourceObservation('(other sources)', 'pooled')) : this.sourceFor(x.keyedBy === 'cluster' ? x.key : undefined, x.key);
      mergeSource(so, x, this);
    }
    this.lastSource = null;
  }

  /** @internal merge support: the class of a source, created when new. */
  classOf(so: SourceObservation, verb: string, resource: string, subresource: string): EventClass {
    return this.classFor(so, verb, resource, subresource);
  }

  private inspectEvent(so: SourceObservation, c: EventClass, ev: AuditEvent, format: string, file: string, line: number): void {
    c.inspected++;
    // the names differ in length: one comparison each instead of a chain of string compares
    const lv = ev.level;
    let li = 4;
    if (typeof lv === 'string') {
      const k = lv.length === 8 ? 1 : lv.length === 7 ? 2 : lv.length === 15 ? 3 : lv.length === 4 ? 0 : 4;
      if (k !== 4 && lv === LEVEL_NAMES[k]) li = k;
    }
    c.levels[li]!++;
    const sg = ev.stage;
    let si = 4;
    if (typeof sg === 'string') {
      const k = sg.length === 16 ? 2 : sg.length === 15 ? (sg.charCodeAt(7) === 82 ? 0 : 1) : sg.length === 5 ? 3 : 4;
      if (k !== 4 && sg === STAGE_NAMES[k]) si = k;
    }
    c.stages[si]!++;
    const u = ev.user;
    let sa = false;
    if (u !== undefined && u !== null) {
      const name = u.username;
      // "system:serviceaccount:" / "system:node:": two character tests first (startsWith is slow on the
      // strings JSON.parse returns), the full prefix only when they pass
      if (typeof name === 'string' && name.charCodeAt(6) === 58 && name.charCodeAt(0) === 115) {
        const k = name.charCodeAt(7);
        if (k === 115 && name.lastIndexOf(SA_PREFIX, 0) === 0) {
          sa = true;
          c.sa++;
        } else if (k === 110 && name.lastIndexOf(NODE_PREFIX, 0) === 0) c.node++;
      }
    }

    // the format, on inspected events only
    if (format !== so.lastFormat) {
      so.flushFormat();
      so.lastFormat = format;
    }
    so.lastFormatCount++;
    let m = 0;
    const o = ev.objectRef;
    if (o !== undefined && o !== null && typeof o === 'object') {
      m |= 1 << 14;
      if (o.resource !== undefined) m |= 1 << 15;
      if (o.namespace !== undefined) m |= 1 << 16;
      if (o.name !== undefined) m |= 1 << 17;
      if (o.apiGroup !== undefined) m |= 1 << 18;
      if (o.apiVersion !== undefined) m |= 1 << 19;
      if (o.subresource !== undefined) m |= 1 << 20;
    }
    if (ev.level !== undefined) m |= 1 << 0;
    if (ev.auditID !== undefined) m |= 1 << 1;
    if (ev.stage !== undefined) m |= 1 << 2;
    if (ev.requestURI !== undefined) m |= 1 << 3;
    if (ev.verb !== undefined) m |= 1 << 4;
    const imp = ev.impersonatedUser;
    if (imp !== undefined) {
      m |= 1 << 10;
      if (imp !== null && imp.username !== undefined) m |= 1 << 11;
    }
    if (ev.sourceIPs !== undefined) m |= 1 << 12;
    if (ev.userAgent !== undefined) m |= 1 << 13;
    const rs = ev.responseStatus;
    if (rs !== undefined && rs !== null) {
      m |= 1 << 21;
      if (rs.code !== undefined) m |= 1 << 22;
      if (rs.reason !== undefined) m |= 1 << 23;
      if (rs.message !== undefined) m |= 1 << 24;
    }
    if (ev.requestObject !== undefined) {
      m |= 1 << 25;
      c.reqObj++;
      if (si >= 2) c.reqObjFinal++;
    }
    if (ev.responseObject !== undefined) {
      m |= 1 << 26;
      c.respObj++;
    }
    if (ev.requestReceivedTimestamp !== undefined) m |= 1 << 27;
    if (ev.stageTimestamp !== undefined) m |= 1 << 28;
    if (ev.kind !== undefined) m |= 1 << 30;

    if (u !== undefined && u !== null && typeof u === 'object') {
      m |= 1 << 5;
      if (u.username !== undefined) m |= 1 << 6;
      if (u.groups !== undefined) m |= 1 << 7;
      if (u.uid !== undefined) m |= 1 << 9;
      const x = u.extra;
      if (x !== undefined && x !== null && typeof x === 'object') {
        m |= 1 << 8;
        const cid = x[CREDENTIAL_ID];
        if (Array.isArray(cid) && typeof cid[0] === 'string') {
          const v = cid[0];
          if (v.startsWith('JTI=')) {
            c.jti++;
            if (sa) c.saJti++;
          } else if (v.startsWith('X509SHA256=')) c.x509++;
        }
        if (sa) {
          if (x[POD_NAME] !== undefined) c.saPod++;
          if (x[NODE_NAME] !== undefined) c.saNode++;
        }
        if (!c.keysCapped) for (const k in x) if (!c.extraKeys.has(k)) addKey(c, c.extraKeys, k);
      }
    }
    const ann = ev.annotations;
    if (ann !== undefined && ann !== null && typeof ann === 'object') {
      m |= 1 << 29;
      if (!c.keysCapped) for (const k in ann) if (!c.annotationKeys.has(k)) addKey(c, c.annotationKeys, k);
      if (c.special & K_TOKEN_REQUEST && (ann[ISSUED_NEW] !== undefined || ann[ISSUED_OLD] !== undefined)) c.issued++;
    }
    c.mask |= m;

    if (c.special !== 0) this.credentials(so, c, ev, file, line);
    if (so.inspected++ < 64 || (so.inspected & 4095) === 0) for (const k in ev) if (so.topKeys.size < MAX_TOP_KEYS) so.topKeys.add(k);
  }

  /**
   * The report: what each source shows and, for each subject (rule or
   * detector), whether it could have fired. Cheap; may be called again
   * after more events.
   */
  report(subjects: CoverageSubject[]): CoverageReport {
    return buildReport(this.observations(), subjects, this.gapMs);
  }

  /** The observations, one per source, in first-seen order (the pooled rest last). */
  observations(): SourceObservation[] {
    for (const fold of this.pending) fold();
    const out = [...this.sources.values()];
    if (this.pooled) out.push(this.pooled);
    for (const so of out) so.flushFormat();
    return out;
  }

  /** The source of an event, the last one's when it is the same. */
  private sourceOf(cluster: string | undefined, file: string): SourceObservation {
    const so = this.lastSource;
    return so === null || cluster !== this.lastCluster || (cluster === undefined && file !== this.lastFile) ? this.sourceFor(cluster, file) : so;
  }

  /** Counts an event of a source from its head (its class's names and its second, else its time as text): its class. */
  private countHead(so: SourceObservation, verb: string, resource: string, subresource: string, sec: number, time: string | undefined): EventClass {
    so.events++;
    const c = this.recentClass(so, verb, resource, subresource);
    c.n++;
    c.seen++;
    if (sec === sec) this.second(so, sec);
    else if (time === undefined || !this.time(so, time)) so.untimed++;
    return c;
  }

  private sourceFor(cluster: string | undefined, file: string): SourceObservation {
    this.lastCluster = cluster;
    this.lastFile = file;
    const key = cluster ?? file;
    const id = cluster !== undefined ? `c\0${cluster}` : `f\0${file}`;
    let so = this.sources.get(id);
    if (!so) {
      if (this.sources.size >= this.maxSources) so = this.pooled ??= new SourceObservation('(other sources)', 'pooled');
      else {
        so = new SourceObservation(key, cluster !== undefined ? 'cluster' : 'file');
        this.sources.set(id, so);
      }
    }
    this.lastSource = so;
    return so;
  }

  /**
   * The class: the source's last one, else the one in its cache slot (picked
   * from the names' lengths and two characters): the strings of a parsed
   * event are new each time, and comparing short strings is cheaper than
   * hashing them into three maps (classFor, when the slot holds another).
   */
  private recentClass(so: SourceObservation, verb: string, resource: string, subresource: string): EventClass {
    let c = so.lastClass;
    if (c !== null && c.verb === verb && c.resource === resource && c.subresource === subresource) return c;
    const rl = resource.length;
    const slot = (verb.length * 7 + rl * 5 + subresource.length * 3 + (rl > 0 ? resource.charCodeAt(rl - 1) + resource.charCodeAt(rl >> 1) * 3 : 0)) & (CLASS_SLOTS - 1);
    const hit = so.classCache[slot];
    if (hit !== undefined && hit.verb === verb && hit.resource === resource && hit.subresource === subresource) c = hit;
    else so.classCache[slot] = c = this.classFor(so, verb, resource, subresource);
    so.lastClass = c;
    return c;
  }

  private classFor(so: SourceObservation, verb: string, resource: string, subresource: string): EventClass {
    let byRes = so.classes.get(verb);
    let bySub = byRes?.get(resource);
    let c = bySub?.get(subresource);
    if (c) return c;
    if (so.classCount >= this.maxClasses) return (so.other ??= new EventClass('', '(other)', ''));
    c = new EventClass(verb, resource, subresource);
    if (!byRes) so.classes.set(verb, (byRes = new Map()));
    if (!bySub) byRes.set(resource, (bySub = new Map()));
    bySub.set(subresource, c);
    so.classCount++;
    return c;
  }

  /** Marks the event time `ts` (false: it is no time). */
  private time(so: SourceObservation, ts: string): boolean {
    let sec: number;
    // "2026-03-02T08:00:00.123456Z": in UTC the first 19 characters name the second.
    // lastIndexOf(prefix, 0) is the cheapest prefix test V8 offers (no allocation, native compare).
    if (ts.lastIndexOf(this.tsPrefixA, 0) === 0 && this.tsPrefixA !== '' && ts.charCodeAt(ts.length - 1) === 90) sec = this.tsSecA;
    else if (ts.lastIndexOf(this.tsPrefixB, 0) === 0 && this.tsPrefixB !== '' && ts.charCodeAt(ts.length - 1) === 90) sec = this.tsSecB;
    else {
      const ms = parseTime(ts);
      if (Number.isNaN(ms)) return false;
      sec = Math.floor(ms / 1000);
      if (ts.length >= 20 && ts.charCodeAt(10) === 84 && ts.charCodeAt(ts.length - 1) === 90 && (ts.charCodeAt(19) === 46 || ts.length === 20)) {
        this.tsPrefixB = this.tsPrefixA;
        this.tsSecB = this.tsSecA;
        this.tsPrefixA = ts.slice(0, 19);
        this.tsSecA = sec;
      }
    }
    this.second(so, sec);
    return true;
  }

  /** Marks an event second (seconds since the epoch) in the source's time range and minute bitmap. */
  private second(so: SourceObservation, sec: number): void {
    // most events fall in the second of the one before: nothing to record
    if (sec === so.lastSec) return;
    so.lastSec = sec;
    if (!(sec >= so.minSec)) so.minSec = Number.isNaN(so.minSec) ? sec : Math.min(so.minSec, sec);
    if (!(sec <= so.maxSec)) so.maxSec = Number.isNaN(so.maxSec) ? sec : Math.max(so.maxSec, sec);
    const minute = Math.floor(sec / 60);
    const day = Math.floor(minute / MINUTES_PER_DAY);
    let bits = so.lastDayBits;
    if (day !== so.lastDay || bits === null) {
      bits = so.days.get(day) ?? null;
      if (bits === null) {
        if (so.days.size >= MAX_DAYS) {
          so.daysCapped = true;
          return;
        }
        bits = new Uint8Array(MINUTES_PER_DAY / 8);
        so.days.set(day, bits);
      }
      so.lastDay = day;
      so.lastDayBits = bits;
    }
    const b = minute - day * MINUTES_PER_DAY;
    bits[b >> 3]! |= 1 << (b & 7);
  }

  /** TokenRequests, Secrets and TokenReviews: does the log itself hold a credential? */
  private credentials(so: SourceObservation, c: EventClass, ev: AuditEvent, file: string, line: number): void {
    if (c.special & K_TOKEN_REQUEST) {
      const status = (ev.responseObject as { status?: { token?: unknown } } | undefined)?.status;
      const tok = status !== null && typeof status === 'object' ? status.token : undefined;
      if (typeof tok === 'string' && tok !== '') so.tokenInLog = sighting(so.tokenInLog, ev, file, line);
    }
    if (c.special & K_SECRET && (ev.requestObject !== undefined || ev.responseObject !== undefined)) {
      if (hasSecretData(ev.requestObject, 0) || hasSecretData(ev.responseObject, 0)) so.secretData = sighting(so.secretData, ev, file, line);
    }
    if (c.special & K_TOKEN_REVIEW) {
      const spec = (ev.requestObject as { spec?: { token?: unknown } } | undefined)?.spec;
      const tok = spec !== null && typeof spec === 'object' ? spec.token : undefined;
      if (typeof tok === 'string' && tok !== '') so.reviewedToken = sighting(so.reviewedToken, ev, file, line);
    }
  }
}

function addKey(c: EventClass, set: Set<string>, k: string): void {
  if (set.size >= MAX_KEYS) c.keysCapped = true;
  else set.add(k);
}

function sighting(prev: CredentialSighting | null, ev: AuditEvent, file: string, line: number): CredentialSighting {
  if (prev) {
    prev.count++;
    return prev;
  }
  const s: CredentialSighting = { count: 1, file, line };
  if (typeof ev.level === 'string') s.level = ev.level;
  return s;
}


/**
 * One API request is judged once. An audit event is written per stage with the
 * same auditID and requestReceivedTimestamp: that pair is the request's key
 * (id-set.ts says why the auditID alone is not). The final stage
 * (ResponseComplete or Panic) knows the outcome, so it is the one judged. A matching RequestReceived/ResponseStarted is held
 * until its request's final stage arrives, and judged itself only if none does
 * (policies may omit stages, files may be cut). Memory is bounded: held matches
 * and remembered final auditIDs are capped, and held matches expire by event time.
 */
import { eventTime } from '../event/time.js';
import { isFinalStage, type EventRecord } from '../event/types.js';
import { HeldIndex } from './held-index.js';
import { FifoIdSet, PART_TIME, RequestKey, timeText } from './id-set.js';

function latin1(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(b[i]!);
  return s;
}

/** The least of an event the judge needs: its request's key (auditID, requestReceivedTimestamp) and stage. */
export function keyEvent(auditID: string | undefined, stage: string | undefined, rrt: string | undefined): EventRecord['event'] {
  const ev: EventRecord['event'] = { auditID, stage };
  if (rrt !== undefined) ev.requestReceivedTimestamp = rrt;
  return ev;
}

export interface StageJudgeOptions<M> {
  judge(rec: EventRecord, matches: M): void;
  /** held preliminary matches (default 100k) */
  maxPending?: number;
  /** remembered final auditIDs, to ignore a late earlier stage or a duplicate (default 100k: minutes of a busy cluster) */
  maxFinal?: number;
  /** how long (event time) a preliminary match waits for its final stage (default 2 h, longer than any watch) */
  pendingMs?: number;
}

interface Held<M> {
  id: string;
  /** the key's part after the auditID (requestKeyPart) */
  part: string;
  /** the key's hash (RequestKey) */
  hash: number;
  rec: EventRecord;
  matches: M;
  t: number;
  prev: Held<M> | null;
  next: Held<M> | null;
}

export class StageJudge<M> {
  /**
   * Held matches by auditID, and the same in a list oldest first. (A Map's
   * insertion order would do, but finding its first entry walks over the holes
   * deletions leave, which on a long log costs more than everything else; and
   * a Map would hash each id again.)
   */
  private readonly pending = new HeldIndex<Held<M>>();
  private head: Held<M> | null = null;
  private tail: Held<M> | null = null;
  /**
   * Remembered final requests' keys, the oldest forgotten beyond the cap. (A Set would
   * do, but asking it for its oldest entry after many deletions walks over their
   * holes: quadratic on a long log.)
   */
  private readonly finals: FifoIdSet;
  private readonly maxPending: number;
  private readonly maxFinal: number;
  private readonly pendingMs: number;
  /** the key of the event being offered, and of a held match released */
  private readonly key = new RequestKey();
  private readonly releaseKey = new RequestKey();
  /** held matches judged early because the cap was reached */
  evicted = 0;
  /** events ignored because their request was already judged (late preliminary stage, duplicate final) */
  duplicates = 0;

  constructor(private readonly opts: StageJudgeOptions<M>) {
    this.maxPending = opts.maxPending ?? 100_000;
    this.maxFinal = opts.maxFinal ?? 100_000;
    this.pendingMs = opts.pendingMs ?? 2 * 3600_000;
    this.finals = new FifoIdSet(this.maxFinal);
  }

  /**
   * `matches` is null when nothing matched this event. `t`, the event time, is
   * computed from the event when not given.
   */
  offer(rec: EventRecord, matches: M | null, t?: number): void {
    const id = rec.event.auditID;
    if (typeof id !== 'string' || id === '') {
      if (matches !== null) this.opts.judge(rec, matches);
      return;
    }
    const stage = rec.event.stage;
    const k = this.key.set(id, rec.event.requestReceivedTimestamp);
    if (matches === null) return this.offerKey(k, stage);
    if (stage === undefined || isFinalStage(stage)) {
      if (!this.finals.addIfAbsent(k)) {
        this.duplicates++;
        return;
      }
      this.unhold(id, k.part, k.hash);
      this.opts.judge(rec, matches);
      return;
    }
    if (this.finals.has(k)) {
      this.duplicates++;
      return;
    }
    const time = t ?? eventTime(rec.event);
    this.unhold(id, k.part, k.hash);
    const h: Held<M> = { id, part: k.part, hash: k.hash, rec, matches, t: time, prev: this.tail, next: null };
    if (this.tail) this.tail.next = h;
    else this.head = h;
    this.tail = h;
    this.pending.add(id, k.part, k.hash, h);
    this.expire(time);
  }

  /**
   * What `offer` does with an event that matched nothing, from its auditID,
   * stage and requestReceivedTimestamp alone (`rrt`, the event's value): the
   * prefilter replays the lines it did not parse through this.
   */
  offerNone(id: string | undefined, stage: string | undefined, rrt: unknown): void {
    if (typeof id !== 'string' || id === '') return;
    this.offerKey(this.key.set(id, rrt), stage);
  }

  private offerKey(k: RequestKey, stage: string | undefined): void {
    if (stage === undefined || isFinalStage(stage)) {
      if (!this.finals.addIfAbsent(k)) {
        this.duplicates++;
        return;
      }
      if (this.pending.size > 0) this.unhold(k.id, k.part, k.hash);
      return;
    }
    if (this.finals.has(k)) {
      this.duplicates++;
      return;
    }
    // a later preliminary stage that no longer matches replaces an earlier one
    if (this.pending.size > 0) this.unhold(k.id, k.part, k.hash);
  }

  private unhold(id: string, part: string, hash: number): void {
    const h = this.pending.delete(id, part, hash);
    if (!h) return;
    if (h.prev) h.prev.next = h.next;
    else this.head = h.next;
    if (h.next) h.next.prev = h.prev;
    else this.tail = h.prev;
  }

  /** Number of preliminary matches waiting for their final stage. */
  get held(): number {
    return this.pending.size;
  }

  /**
   * offerNone for an ASCII auditID given as bytes b[start..end), with no
   * requestReceivedTimestamp (kind PART_NONE) or one in the API server's form
   * (PART_TIME and its numbers), and the key's hash (FifoIdSet.hasBytes): the
   * prefilter's replay of lines it did not parse, without making the key a string.
   */
  offerNoneBytes(b: Uint8Array, start: number, end: number, kind: number, d: number, t: number, f: number, hash: number, stage: string | undefined): void {
    if (end === start) return;
    // a final stage is remembered with the same lookup that finds it a duplicate
    if (stage === undefined || isFinalStage(stage) ? !this.finals.addBytesIfAbsent(b, start, end, kind, d, t, f, hash) : this.finals.hasBytes(b, start, end, kind, d, t, f, hash)) {
      this.duplicates++;
      return;
    }
    // (the strings a held request is kept under: an ASCII key's hash is the same)
    if (this.pending.size > 0) this.unhold(latin1(b, start, end), kind === PART_TIME ? timeText(d, t, f) : '', hash);
  }

  private expire(now: number): void {
    while (this.pending.size > this.maxPending) this.release(true);
    if (Number.isNaN(now)) return;
    for (;;) {
      const h = this.head;
      if (!h) return;
      if (Number.isNaN(h.t) || now - h.t <= this.pendingMs) return;
      this.release(false);
    }
  }

  private release(early: boolean): void {
    const h = this.head!;
    this.unhold(h.id, h.part, h.hash);
    this.finals.addIfAbsent(this.releaseKey.set(h.id, h.rec.event.requestReceivedTimestamp));
    if (early) this.evicted++;
    this.opts.judge(h.rec, h.matches);
  }

  /** End of input: held matches are judged on what was seen. */
  flush(): void {
    while (this.pending.size > 0) this.release(false);
  }
}

/**
 * One API request is judged once. An audit event is written per stage with the
 * same auditID; the final stage (ResponseComplete or Panic) knows the outcome,
 * so it is the one judged. A matching RequestReceived/ResponseStarted is held
 * until its request's final stage arrives, and judged itself only if none does
 * (policies may omit stages, files may be cut). Memory is bounded: held matches
 * and remembered final auditIDs are capped, and held matches expire by event time.
 */
import { eventTime } from '../event/time.js';
import { isFinalStage, type EventRecord } from '../event/types.js';

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
  rec: EventRecord;
  matches: M;
  t: number;
}

export class StageJudge<M> {
  private readonly pending = new Map<string, Held<M>>();
  private readonly finals = new Set<string>();
  private readonly maxPending: number;
  private readonly maxFinal: number;
  private readonly pendingMs: number;
  /** held matches judged early because the cap was reached */
  evicted = 0;
  /** events ignored because their request was already judged (late preliminary stage, duplicate final) */
  duplicates = 0;

  constructor(private readonly opts: StageJudgeOptions<M>) {
    this.maxPending = opts.maxPending ?? 100_000;
    this.maxFinal = opts.maxFinal ?? 100_000;
    this.pendingMs = opts.pendingMs ?? 2 * 3600_000;
  }

  /** `matches` is null when nothing matched this event. */
  offer(rec: EventRecord, matches: M | null): void {
    const id = rec.event.auditID;
    if (typeof id !== 'string' || id === '') {
      if (matches !== null) this.opts.judge(rec, matches);
      return;
    }
    const stage = rec.event.stage;
    if (stage === undefined || isFinalStage(stage)) {
      if (this.finals.has(id)) {
        this.duplicates++;
        return;
      }
      this.rememberFinal(id);
      this.pending.delete(id);
      if (matches !== null) this.opts.judge(rec, matches);
      return;
    }
    if (this.finals.has(id)) {
      this.duplicates++;
      return;
    }
    if (matches === null) {
      // a later preliminary stage that no longer matches replaces an earlier one
      this.pending.delete(id);
      return;
    }
    const t = eventTime(rec.event);
    this.pending.delete(id);
    this.pending.set(id, { rec, matches, t });
    this.expire(t);
  }

  /** Number of preliminary matches waiting for their final stage. */
  get held(): number {
    return this.pending.size;
  }

  /** auditIDs still waiting, for a prefilter that must not skip their final stage. */
  heldIds(): IterableIterator<string> {
    return this.pending.keys();
  }

  private rememberFinal(id: string): void {
    this.finals.add(id);
    if (this.finals.size > this.maxFinal) {
      const oldest = this.finals.values().next().value as string;
      this.finals.delete(oldest);
    }
  }

  private expire(now: number): void {
    while (this.pending.size > this.maxPending) this.release(true);
    if (Number.isNaN(now)) return;
    for (;;) {
      const first = this.pending.values().next();
      if (first.done) return;
      const h = first.value;
      if (Number.isNaN(h.t) || now - h.t <= this.pendingMs) return;
      this.release(false);
    }
  }

  private release(early: boolean): void {
    const [id, h] = this.pending.entries().next().value as [string, Held<M>];
    this.pending.delete(id);
    this.rememberFinal(id);
    if (early) this.evicted++;
    this.opts.judge(h.rec, h.matches);
  }

  /** End of input: held matches are judged on what was seen. */
  flush(): void {
    while (this.pending.size > 0) this.release(false);
  }
}

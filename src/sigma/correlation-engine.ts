/**
 * The streaming evaluator of Sigma correlation rules
 * (spec: sigma-correlation-rules-specification.md), in event time.
 *
 * The caller runs the detection rules and their filters and hands every
 * judged, unsuppressed match to `onMatch(rule, event, timeMs, ref)`; `ref` is
 * the caller's own record of the event (file, line, ...) and comes back,
 * untouched, in the `contributions` of each correlation match.
 *
 * Semantics (what fires, when, how often), per correlation and per group
 * (the values of its `group-by` fields, aliases resolved per rule):
 *
 *  - Time is the event's time (`requestReceivedTimestamp`), never the clock.
 *    A match whose time is NaN is counted (`stats.untimed`) and ignored; so is a
 *    match lacking a value for a group-by field (`stats.ungrouped`): grouping
 *    unrelated events under "no value" would correlate strangers.
 *  - Matches are evaluated in event-time order (ties: the order of `rules`,
 *    then auditID, then stage), whatever order they arrive in (see "Out of
 *    order" below).
 *  - Sliding windows, when every bound of the condition is a lower bound (gt,
 *    gte), which is the usual case ("at least N"): after each match at time t
 *    the window holds the group's matches with time in [t − timespan, t]
 *    (both ends inclusive: a match exactly `timespan` after the first still
 *    counts, one millisecond more does not). The correlation fires at the first
 *    match at which the condition holds over that window; the spec asks that
 *    "the time frame should not be restricted to boundaries" (§Temporal
 *    Proximity), so no fixed buckets. After firing, the group's window is
 *    emptied: the next alert of that group needs a complete new set of matches
 *    (once per window, then the window restarts).
 *  - Complete windows, when the condition has an upper bound or neq (lt, lte,
 *    eq, neq: "at most N" is only known once the window is over): a window
 *    opens at a group's first match and spans [t0, t0 + timespan]; when event
 *    time has passed its end it is evaluated once, fires or not, and the
 *    group's next window opens at its next match.
 *  - Measures: event_count counts matches; value_count counts distinct values
 *    of `condition.field` (an event with several values adds each, one with
 *    none adds none); value_sum and value_avg sum and average every numeric
 *    value of the field (numbers, and strings holding a decimal number);
 *    temporal counts the distinct referenced rules seen; temporal_ordered is
 *    the length of the longest prefix of `rules` that occurs in that order
 *    (equal times count as in order). A temporal condition left out means all
 *    rules (gte: number of rules). For temporal_ordered the contributions start
 *    at the window's first match of the first rule (all the probes before a
 *    success, not only the last).
 *  - Chains: a correlation match is a match of the correlations that reference
 *    it, at its `lastMs`, carrying its group values (the outer correlation's
 *    group-by fields must be group-by fields of the inner one, which the loader
 *    checks) and its contributions, which the outer match inherits.
 *  - generate (spec §Generate): matches of correlations that another
 *    correlation references without `generate: true` are not passed to
 *    `onAlert` unless `emit: 'all'`; they still feed the chain.
 *
 * Out of order. Each correlation keeps a reorder buffer: a match is held until
 * the largest event time seen so far (through `onMatch` or `advance`) is more
 * than its lateness allowance past it, then evaluated in event-time order.
 * The allowance is the correlation's timespan (or `maxLatenessMs`), plus, for
 * a chained correlation, the largest allowance + timespan of the correlations
 * it references. Guarantee: if every match arrives before the engine has seen
 * an event time more than the allowance after its own, the alerts (groups,
 * times, values, contributions) are exactly those of the same matches fed in
 * sorted order; at `flush()` everything held is evaluated. A match arriving
 * later than that is evaluated at once, inserted into its group's window in
 * time order (best effort, counted in `stats.late`; dropped and counted in
 * `stats.lateDropped` when its window is gone). Alerts come out when the
 * buffer releases the match that completes them, so up to one allowance of
 * event time after it; `flush()` at end of input.
 *
 * Bounded state. Held matches per correlation are capped (`maxPending`,
 * default 100k; beyond it the oldest is evaluated early, `stats.forcedReleases`).
 * Open groups per correlation are capped (`maxGroups`, default 100k): the
 * least recently active group is dropped (`stats.evictedGroups`). A group
 * keeps at most `maxEntriesPerGroup` matches (default 10k; the oldest are
 * dropped, `stats.droppedEntries`, so a measure can then undercount) and the
 * caller's `ref` of at most `maxContributions` of them (default 100; the
 * others are counted in the alert's `omitted`). Groups whose matches are all
 * older than the window expire by event time.
 */
import { fieldFor, baseRulesWithoutAlerts } from './correlation-model.js';
import type { CompareOp, SigmaCorrelation } from './correlation-model.js';
import { mapField, readerFor } from './field-access.js';
import { ruleOptionsOf } from './rule-options.js';
import type { AuditEvent } from '../event/types.js';

export interface Contribution<R> {
  /** The rule key the caller passed to `onMatch` (for chained correlations, the base rule's). */
  rule: string;
  ref: R;
}

export interface CorrelationMatch<R> {
  correlation: SigmaCorrelation;
  /** group-by name → value (as text; objects as JSON). */
  group: Record<string, string>;
  /** Event time of the first and last contribution in the window. */
  firstMs: number;
  lastMs: number;
  /** The measure the condition was checked against: count, distinct values, sum, average, rules. */
  value?: number;
  /** Every contributing match, in event-time order, with the caller's ref. */
  contributions: Contribution<R>[];
  /** Contributions in the window whose refs were not kept (`maxContributions`). */
  omitted: number;
}

export interface CorrelationEngineOptions<R> {
  onAlert(m: CorrelationMatch<R>): void;
  /** 'alerting' (default): leave out correlations only referenced by others (spec §Generate); 'all': every match. */
  emit?: 'alerting' | 'all';
  /** Open groups per correlation (default 100k). */
  maxGroups?: number;
  /** Refs kept per group (default 100). */
  maxContributions?: number;
  /** Matches kept per group (default 10k). */
  maxEntriesPerGroup?: number;
  /** Held matches per correlation in the reorder buffer (default 100k). */
  maxPending?: number;
  /** Lateness allowance of a correlation before chaining (default: its timespan). */
  maxLatenessMs?: number;
}

export interface CorrelationStats {
  untimed: number;
  ungrouped: number;
  late: number;
  lateDropped: number;
  evictedGroups: number;
  droppedEntries: number;
  forcedReleases: number;
  omittedContributions: number;
}

interface Entry<R> {
  t: number;
  /** Index in the correlation's `rules`. */
  ri: number;
  /** Tie-breakers after t and ri. */
  tie: string;
  seq: number;
  key: string;
  contribs: Contribution<R>[];
  omitted: number;
  /** Values of the condition's field (value_count: texts; value_sum/avg: numbers). */
  vals?: (string | number)[];
  group: string[];
  groupKey: string;
}

interface Group<R> {
  values: string[];
  entries: Entry<R>[];
  /** Index of the first live entry in `entries` (a queue without shifting). */
  head: number;
  /** refs kept among live entries */
  kept: number;
  // incremental measures
  distinct: Map<string, number>;
  ruleCounts: number[];
  sum: number;
  n: number;
  /** temporal_ordered: best[j] = latest start time of an ordered run of rules[0..j-1] (−∞ when none). */
  best: number[];
  /** complete windows: the window's start and end. */
  t0: number;
  end: number;
  last: number;
}

type Getter = (ev: AuditEvent) => unknown[];

interface CState<R> {
  c: SigmaCorrelation;
  sliding: boolean;
  lateness: number;
  /** per referenced rule: group-by getters and the value getter */
  getters: { group: Getter[]; value?: Getter }[];
  pending: Heap<Entry<R>>;
  groups: Map<string, Group<R>>;
  /** event time up to which matches were evaluated in order */
  clock: number;
  alerting: boolean;
  /** outer correlations fed by this one: (state, index in its rules) */
  feeds: { cs: CState<R>; ri: number }[];
}

const STAGE_RANK: Record<string, string> = { RequestReceived: '0', ResponseStarted: '1', ResponseComplete: '2', Panic: '3' };

function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v === null) return 'null';
  return JSON.stringify(v);
}

function numeric(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && /^\s*-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(v)) return Number(v);
  return undefined;
}

function compare(x: number, op: CompareOp, v: number): boolean {
  switch (op) {
    case 'gt':
      return x > v;
    case 'gte':
      return x >= v;
    case 'lt':
      return x < v;
    case 'lte':
      return x <= v;
    case 'eq':
      return x === v;
    case 'neq':
      return x !== v;
  }
}

function before<R>(a: Entry<R>, b: Entry<R>): boolean {
  if (a.t !== b.t) return a.t < b.t;
  if (a.ri !== b.ri) return a.ri < b.ri;
  if (a.tie !== b.tie) return a.tie < b.tie;
  return a.seq < b.seq;
}

/** A binary min-heap. */
class Heap<T> {
  private readonly a: T[] = [];
  constructor(private readonly less: (x: T, y: T) => boolean) {}
  get size(): number {
    return this.a.length;
  }
  peek(): T | undefined {
    return this.a[0];
  }
  push(x: T): void {
    const a = this.a;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }
  pop(): T | undefined {
    const a = this.a;
    if (a.length === 0) return undefined;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l]!, a[m]!)) m = l;
        if (r < a.length && this.less(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}

export class CorrelationEngine<R = unknown> {
  readonly stats: CorrelationStats = { untimed: 0, ungrouped: 0, late: 0, lateDropped: 0, evictedGroups: 0, droppedEntries: 0, forcedReleases: 0, omittedContributions: 0 };
  private readonly states: CState<R>[] = [];
  private readonly byRule = new Map<string, { cs: CState<R>; ri: number }[]>();
  private maxSeen = -Infinity;
  private seq = 0;
  private readonly maxGroups: number;
  private readonly maxContributions: number;
  private readonly maxEntries: number;
  private readonly maxPending: number;

  constructor(
    correlations: readonly SigmaCorrelation[],
    private readonly opts: CorrelationEngineOptions<R>,
  ) {
    this.maxGroups = opts.maxGroups ?? 100_000;
    this.maxContributions = opts.maxContributions ?? 100;
    this.maxEntries = opts.maxEntriesPerGroup ?? 10_000;
    this.maxPending = opts.maxPending ?? 100_000;
    // every correlation, the chained ones too, inner before outer
    const order: SigmaCorrelation[] = [];
    const seen = new Set<SigmaCorrelation>();
    const visit = (c: SigmaCorrelation): void => {
      if (seen.has(c)) return;
      seen.add(c);
      for (const r of c.refs) if (r.kind === 'correlation') visit(r.correlation);
      order.push(c);
    };
    correlations.forEach(visit);
    const silent = baseRulesWithoutAlerts(order);
    const stateOf = new Map<SigmaCorrelation, CState<R>>();
    for (const c of order) {
      if (c.refs.length !== c.rules.length) throw new Error(`correlation ${c.id} (${c.file}:${c.line}) has unresolved rules; load it with loadSigmaPaths or parseSigmaText`);
      const sliding = c.condition.ops.every((o) => o.op === 'gt' || o.op === 'gte');
      let lateness = opts.maxLatenessMs ?? c.timespanMs;
      let inner = 0;
      for (const r of c.refs) if (r.kind === 'correlation') inner = Math.max(inner, stateOf.get(r.correlation)!.lateness + r.correlation.timespanMs);
      lateness += inner;
      const getters = c.refs.map((r, i) => {
        if (r.kind === 'correlation') return { group: [] };
        const o = ruleOptionsOf(r.rule);
        const g = { group: c.groupBy.map((f) => readerFor(mapField(fieldFor(c, f, i), o))) } as { group: Getter[]; value?: Getter };
        if (c.condition.field !== undefined) g.value = readerFor(mapField(fieldFor(c, c.condition.field, i), o));
        return g;
      });
      const cs: CState<R> = {
        c,
        sliding,
        lateness,
        getters,
        pending: new Heap<Entry<R>>(before),
        groups: new Map(),
        clock: -Infinity,
        alerting: !silent.has(c.id) && !(c.name !== undefined && silent.has(c.name)),
        feeds: [],
      };
      stateOf.set(c, cs);
      this.states.push(cs);
      c.refs.forEach((r, ri) => {
        if (r.kind === 'correlation') stateOf.get(r.correlation)!.feeds.push({ cs, ri });
        else {
          const keys = new Set([r.rule.id, r.name, ...(r.rule.name !== undefined ? [r.rule.name] : [])]);
          for (const k of keys) {
            const l = this.byRule.get(k) ?? [];
            l.push({ cs, ri });
            this.byRule.set(k, l);
          }
        }
      });
    }
  }

  /** The rule keys (ids and names) whose matches any correlation wants. */
  get ruleKeys(): string[] {
    return [...this.byRule.keys()];
  }

  /** Groups currently open, over all correlations. */
  get openGroups(): number {
    let n = 0;
    for (const s of this.states) n += s.groups.size;
    return n;
  }

  /** Matches held in reorder buffers. */
  get held(): number {
    let n = 0;
    for (const s of this.states) n += s.pending.size;
    return n;
  }

  /**
   * A judged, unsuppressed match of the rule with this id or name. Rules no
   * correlation references are ignored, so the caller may feed every match.
   */
  onMatch(rule: string, event: AuditEvent, timeMs: number, ref: R): void {
    const subs = this.byRule.get(rule);
    if (!subs) return;
    if (Number.isNaN(timeMs)) {
      this.stats.untimed++;
      return;
    }
    const tieBase = `${typeof event.auditID === 'string' ? event.auditID : ''}\u0000${STAGE_RANK[String(event.stage)] ?? '9'}`;
    for (const { cs, ri } of subs) {
      const g = cs.getters[ri]!;
      const group: string[] = [];
      let ok = true;
      for (const get of g.group) {
        const vs = get(event);
        if (vs.length === 0 || vs[0] === undefined || vs[0] === null) {
          ok = false;
          break;
        }
        group.push(text(vs[0]));
      }
      if (!ok) {
        this.stats.ungrouped++;
        continue;
      }
      const e: Entry<R> = { t: timeMs, ri, tie: tieBase, seq: this.seq++, key: rule, contribs: [{ rule, ref }], omitted: 0, group, groupKey: JSON.stringify(group) };
      if (g.value) {
        const raw = g.value(event);
        if (cs.c.type === 'value_count') e.vals = raw.filter((v) => v !== undefined && v !== null).map(text);
        else e.vals = raw.map(numeric).filter((x): x is number => x !== undefined);
      }
      this.offer(cs, e);
    }
    this.advance(timeMs);
  }

  /** Moves event time forward without a match (e.g. with every scanned event), so held matches are released sooner. */
  advance(timeMs: number): void {
    if (!(timeMs > this.maxSeen)) return;
    this.maxSeen = timeMs;
    for (const cs of this.states) this.release(cs, false);
  }

  /** End of input: evaluates everything held and closes every complete window. */
  flush(): void {
    for (const cs of this.states) this.release(cs, true);
  }

  private offer(cs: CState<R>, e: Entry<R>): void {
    if (e.t < cs.clock) {
      // later than the allowance: its place in time order has passed
      this.stats.late++;
      this.process(cs, e, true);
      return;
    }
    cs.pending.push(e);
    if (cs.pending.size > this.maxPending) this.release(cs, false);
  }

  private release(cs: CState<R>, all: boolean): void {
    const w = this.maxSeen - cs.lateness;
    for (;;) {
      const top = cs.pending.peek();
      if (!top) break;
      if (!all && !(top.t < w) && cs.pending.size <= this.maxPending) break;
      if (!all && !(top.t < w)) this.stats.forcedReleases++;
      cs.pending.pop();
      this.process(cs, top, false);
    }
    if (!cs.sliding) this.closeBefore(cs, all ? Infinity : w);
  }

  /** Complete windows: evaluates, in order of their end, the windows that end before `bound` (no match of theirs can still come). */
  private closeBefore(cs: CState<R>, bound: number): void {
    for (const [key, g] of cs.groups) {
      if (!(g.end < bound)) break;
      cs.groups.delete(key);
      this.close(cs, g);
    }
  }

  private newGroup(values: string[], t: number, cs: CState<R>): Group<R> {
    return {
      values,
      entries: [],
      head: 0,
      kept: 0,
      distinct: new Map(),
      ruleCounts: cs.c.refs.map(() => 0),
      sum: 0,
      n: 0,
      best: cs.c.refs.map(() => -Infinity),
      t0: t,
      end: t + cs.c.timespanMs,
      last: t,
    };
  }

  private process(cs: CState<R>, e: Entry<R>, late: boolean): void {
    if (!late) cs.clock = e.t;
    let g = cs.groups.get(e.groupKey);
    if (cs.sliding) {
      if (g) {
        cs.groups.delete(e.groupKey); // re-inserted below: the map stays ordered by last activity
      } else g = this.newGroup(e.group, e.t, cs);
      const newest = Math.max(e.t, g.last);
      if (late && e.t < newest - cs.c.timespanMs) {
        this.stats.lateDropped++;
        if (g.entries.length - g.head > 0) cs.groups.set(e.groupKey, g);
        return;
      }
      while (g.head < g.entries.length && g.entries[g.head]!.t < newest - cs.c.timespanMs) this.evict(cs, g);
      this.insert(cs, g, e, late);
      g.last = newest;
      const value = this.measure(cs, g, newest);
      if (value !== undefined && cs.c.condition.ops.every((o) => compare(value, o.op, o.value))) {
        this.fire(cs, g, value);
      } else {
        cs.groups.set(e.groupKey, g);
        this.cap(cs);
      }
      if (!late) this.expire(cs);
      return;
    }
    // complete windows; those ending before this match close first, so closing follows event time whatever the arrival order
    if (!late) {
      this.closeBefore(cs, e.t);
      g = cs.groups.get(e.groupKey);
    }
    if (g && e.t > g.end) {
      cs.groups.delete(e.groupKey);
      this.close(cs, g);
      g = undefined;
    }
    if (g && late && e.t < g.t0) {
      this.stats.lateDropped++;
      return;
    }
    if (!g) {
      g = this.newGroup(e.group, e.t, cs);
      cs.groups.set(e.groupKey, g); // ordered by window start
      this.cap(cs);
    }
    this.insert(cs, g, e, late);
    g.last = Math.max(g.last, e.t);
  }

  private cap(cs: CState<R>): void {
    while (cs.groups.size > this.maxGroups) {
      const first = cs.groups.keys().next().value as string;
      cs.groups.delete(first);
      this.stats.evictedGroups++;
    }
  }

  /** Sliding windows: drops groups whose every match is older than any future window. */
  private expire(cs: CState<R>): void {
    for (const [key, g] of cs.groups) {
      if (!(g.last < cs.clock - cs.c.timespanMs)) break;
      cs.groups.delete(key);
    }
  }

  private insert(cs: CState<R>, g: Group<R>, e: Entry<R>, late: boolean): void {
    const es = g.entries;
    if (g.kept + e.contribs.length > this.maxContributions) {
      e.omitted += e.contribs.length;
      e.contribs = [];
    } else g.kept += e.contribs.length;
    if (!late || es.length === g.head || !before(e, es[es.length - 1]!)) es.push(e);
    else {
      let i = es.length;
      while (i > g.head && before(e, es[i - 1]!)) i--;
      es.splice(i, 0, e);
    }
    this.account(cs, g, e, +1);
    if (cs.c.type === 'temporal_ordered') {
      if (late) this.recomputeOrdered(cs, g);
      else this.extendOrdered(g, e);
    }
    if (es.length - g.head > this.maxEntries) {
      this.evict(cs, g);
      this.stats.droppedEntries++;
      if (cs.c.type === 'temporal_ordered') this.recomputeOrdered(cs, g);
    }
    if (g.head > 1024 && g.head * 2 > es.length) {
      g.entries = es.slice(g.head);
      g.head = 0;
    }
  }

  private evict(cs: CState<R>, g: Group<R>): void {
    const e = g.entries[g.head]!;
    g.entries[g.head] = undefined as unknown as Entry<R>;
    g.head++;
    g.kept -= e.contribs.length;
    this.account(cs, g, e, -1);
  }

  private account(cs: CState<R>, g: Group<R>, e: Entry<R>, d: 1 | -1): void {
    g.ruleCounts[e.ri]! += d;
    if (!e.vals) return;
    if (cs.c.type === 'value_count') {
      for (const v of e.vals as string[]) {
        const n = (g.distinct.get(v) ?? 0) + d;
        if (n <= 0) g.distinct.delete(v);
        else g.distinct.set(v, n);
      }
    } else {
      for (const v of e.vals as number[]) {
        g.sum += d * v;
        g.n += d;
      }
    }
  }

  private extendOrdered(g: Group<R>, e: Entry<R>): void {
    // an ordered run of rules[0..ri] ending here starts where the best run of rules[0..ri-1] started
    const start = e.ri === 0 ? e.t : g.best[e.ri - 1]!;
    if (start > g.best[e.ri]!) g.best[e.ri] = start;
  }

  private recomputeOrdered(cs: CState<R>, g: Group<R>): void {
    g.best = cs.c.refs.map(() => -Infinity);
    for (let i = g.head; i < g.entries.length; i++) this.extendOrdered(g, g.entries[i]!);
  }

  /** The measure over the group's live matches; `now` is the window's end for sliding windows. */
  private measure(cs: CState<R>, g: Group<R>, now: number): number | undefined {
    switch (cs.c.type) {
      case 'event_count':
        return g.entries.length - g.head;
      case 'value_count':
        return g.distinct.size;
      case 'value_sum':
        return g.n > 0 ? g.sum : undefined;
      case 'value_avg':
        return g.n > 0 ? g.sum / g.n : undefined;
      case 'temporal':
        return g.ruleCounts.filter((n) => n > 0).length;
      case 'temporal_ordered': {
        let k = 0;
        const from = cs.sliding ? now - cs.c.timespanMs : g.t0;
        while (k < g.best.length && g.best[k]! >= from) k++;
        return k;
      }
    }
  }

  private close(cs: CState<R>, g: Group<R>): void {
    const value = this.measure(cs, g, g.end);
    if (value !== undefined && cs.c.condition.ops.every((o) => compare(value, o.op, o.value))) this.fire(cs, g, value);
  }

  private fire(cs: CState<R>, g: Group<R>, value: number): void {
    let from = g.head;
    if (cs.c.type === 'temporal_ordered') {
      // contributions begin at the window's first match of the sequence's first rule (every probe before a success counts)
      while (from < g.entries.length - 1 && g.entries[from]!.ri !== 0) from++;
    }
    const live = g.entries.slice(from);
    const contributions: Contribution<R>[] = [];
    let omitted = 0;
    for (const e of live) {
      for (const c of e.contribs) contributions.push(c);
      omitted += e.omitted;
    }
    this.stats.omittedContributions += omitted;
    const group: Record<string, string> = {};
    cs.c.groupBy.forEach((f, i) => (group[f] = g.values[i]!));
    const m: CorrelationMatch<R> = { correlation: cs.c, group, firstMs: live[0]!.t, lastMs: live[live.length - 1]!.t, value, contributions, omitted };
    // the window restarts: the group's next alert needs new matches
    cs.groups.delete(JSON.stringify(g.values));
    if (cs.alerting || this.opts.emit === 'all') this.opts.onAlert(m);
    for (const { cs: outer, ri } of cs.feeds) this.feed(outer, ri, m);
  }

  private feed(cs: CState<R>, ri: number, m: CorrelationMatch<R>): void {
    const group: string[] = [];
    for (const f of cs.c.groupBy) {
      const v = m.group[fieldFor(cs.c, f, ri)];
      if (v === undefined) {
        this.stats.ungrouped++;
        return;
      }
      group.push(v);
    }
    const groupKey = JSON.stringify(group);
    const e: Entry<R> = {
      t: m.lastMs,
      ri,
      tie: `${m.firstMs}\u0000${JSON.stringify(m.group)}`,
      seq: this.seq++,
      key: m.correlation.name ?? m.correlation.id,
      contribs: m.contributions,
      omitted: m.omitted,
      group,
      groupKey,
    };
    this.offer(cs, e);
  }
}

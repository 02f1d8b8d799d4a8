/**
 * Rolls matches of one rule with the same key within the rule's window into
 * one alert ("happened N times"), keeping the individual events reachable up
 * to a bound. Windows run on event time, so files read in any order group the
 * same way as long as a group's events fall inside one window.
 */
import type { FieldGetter } from '../event/fields.js';
import { eventTime, isoTime } from '../event/time.js';
import type { EventRecord } from '../event/types.js';
import type { Alert, RuleRef, Severity } from './alert.js';
import { expirationSeconds } from '../event/derived.js';
import { buildContext, summarize } from './context.js';

export interface GroupSpec {
  rule: RuleRef;
  groupBy: { name: string; get: FieldGetter }[];
  windowMs: number;
}

/** What a rule or detector adds to one match. */
export interface MatchExtras {
  notes?: string[];
  severity?: Severity;
  /** the group key, when the caller computes it instead of the spec's group-by fields */
  key?: Record<string, string>;
  /** a summary written by the caller instead of the one built from the event */
  summary?: string;
  related?: EventRecord[];
}

export interface GrouperOptions {
  /** one alert per matching event */
  noGroup?: boolean;
  maxEventsPerAlert?: number;
  /** open groups held at once; the oldest is emitted when more arrive */
  maxOpen?: number;
  longLivedSeconds?: number;
  emit(alert: Alert): void;
}

interface Open {
  alert: Alert;
  firstMs: number;
  lastMs: number;
  windowMs: number;
  /** the summary was the caller's, not built from the context */
  ownSummary: boolean;
}

export class AlertGrouper {
  private readonly open = new Map<string, Open>();
  private readonly maxEvents: number;
  private readonly maxOpen: number;
  private readonly longLived: number;
  evictedEarly = 0;

  constructor(private readonly opts: GrouperOptions) {
    this.maxEvents = opts.maxEventsPerAlert ?? 50;
    this.maxOpen = opts.maxOpen ?? 20000;
    this.longLived = opts.longLivedSeconds ?? 86400;
  }

  add(spec: GroupSpec, rec: EventRecord, x: MatchExtras = {}): void {
    const t = eventTime(rec.event);
    const notes = x.notes ?? [];
    const severity = x.severity;
    let group: Record<string, string>;
    if (x.key) group = x.key;
    else {
      group = {};
      for (const g of spec.groupBy) {
        const v = g.get(rec.event);
        group[g.name] = v.length ? v.map(String).join(',') : '';
      }
    }
    if (this.opts.noGroup) {
      this.opts.emit(this.newAlert(spec, rec, group, t, x).alert);
      return;
    }
    const key = spec.rule.id + '\u0000' + Object.values(group).join('\u0000');
    const cur = this.open.get(key);
    if (cur && (Number.isNaN(t) || Number.isNaN(cur.firstMs) || t - cur.firstMs < cur.windowMs)) {
      const a = cur.alert;
      a.count++;
      if (!Number.isNaN(t)) {
        if (Number.isNaN(cur.firstMs) || t < cur.firstMs) {
          cur.firstMs = t;
          a.first_seen = isoTime(t);
        }
        if (Number.isNaN(cur.lastMs) || t > cur.lastMs) {
          cur.lastMs = t;
          a.last_seen = isoTime(t);
        }
      }
      for (const n of notes) if (!a.notes.includes(n)) a.notes.push(n);
      if (severity && rank(severity) > rank(a.severity)) a.severity = severity;
      // a repeat that minted a longer-lived token is what the alert must show (its severity and notes already do)
      const exp = a.context.subresource === 'token' ? expirationSeconds(rec.event) : undefined;
      if (exp !== undefined && (a.context.expiration_seconds === undefined || exp > a.context.expiration_seconds)) {
        a.context = buildContext(rec.event, rec.source, this.longLived);
        if (!cur.ownSummary) a.summary = summarize(a.context);
      }
      if (a.events.length < this.maxEvents) a.events.push({ source: rec.source, event: rec.event });
      else a.events_dropped++;
      for (const r of x.related ?? []) {
        a.related ??= [];
        if (a.related.length < this.maxEvents && !a.related.some((e) => e.event === r.event)) a.related.push({ source: r.source, event: r.event });
      }
      return;
    }
    if (cur) {
      this.open.delete(key);
      this.opts.emit(cur.alert);
    }
    this.open.set(key, this.newAlert(spec, rec, group, t, x));
    if (this.open.size > this.maxOpen) {
      const [oldest, o] = this.open.entries().next().value as [string, Open];
      this.open.delete(oldest);
      this.evictedEarly++;
      this.opts.emit(o.alert);
    }
  }

  private newAlert(spec: GroupSpec, rec: EventRecord, group: Record<string, string>, t: number, x: MatchExtras): Open {
    const context = buildContext(rec.event, rec.source, this.longLived);
    const alert: Alert = {
      rule: spec.rule,
      severity: x.severity ?? spec.rule.severity,
      count: 1,
      first_seen: isoTime(t),
      last_seen: isoTime(t),
      group,
      summary: x.summary ?? summarize(context),
      context,
      notes: [...(x.notes ?? [])],
      events: [{ source: rec.source, event: rec.event }],
      events_dropped: 0,
    };
    if (x.related?.length) alert.related = x.related.map((r) => ({ source: r.source, event: r.event }));
    return { alert, firstMs: t, lastMs: t, windowMs: spec.windowMs, ownSummary: x.summary !== undefined };
  }

  /** Emits every open group, oldest first. */
  flush(): void {
    const rest = [...this.open.values()].sort((a, b) => (a.firstMs || 0) - (b.firstMs || 0));
    this.open.clear();
    for (const o of rest) this.opts.emit(o.alert);
  }
}

function rank(s: Severity): number {
  return ['informational', 'low', 'medium', 'high', 'critical'].indexOf(s);
}

/** Turns a Sigma correlation match into an alert: the group, the measured value, every contributing event. */
import type { CorrelationMatch, SigmaCorrelation } from '../sigma/index.js';
import { isoTime } from '../event/time.js';
import type { EventRecord } from '../event/types.js';
import { SEVERITIES, type Alert, type RuleRef, type Severity } from './alert.js';
import { buildContext } from './context.js';

export function correlationRef(c: SigmaCorrelation, builtin: boolean): RuleRef {
  const ext = (c.doc.tokenwatch ?? {}) as { runbook?: unknown };
  return {
    id: c.name ?? c.id,
    title: c.title,
    severity: SEVERITIES.includes(c.level as Severity) ? (c.level as Severity) : 'medium',
    tags: c.tags,
    author: c.author,
    description: c.description,
    origin: builtin ? 'builtin' : c.file,
    runbook: typeof ext.runbook === 'string' ? ext.runbook : undefined,
    references: c.references,
  };
}

const MEASURE: Record<string, string> = {
  event_count: 'matches',
  value_count: 'distinct values of',
  temporal: 'of its rules matched',
  temporal_ordered: 'of its rules matched in order',
  value_sum: 'sum of',
  value_avg: 'average of',
};

export function correlationAlert(m: CorrelationMatch<EventRecord>, ref: RuleRef, longLivedSeconds: number): Alert {
  const c = m.correlation;
  const first = m.contributions[0]!.ref;
  const group = Object.fromEntries(Object.entries(m.group).map(([k, v]) => [k, String(v)]));
  const who = Object.values(group).filter(Boolean).join(', ') || 'all events';
  const field = c.condition.field ? ` ${c.condition.field}` : '';
  const value = m.value !== undefined ? `${m.value} ${MEASURE[c.type] ?? c.type}${field}` : MEASURE[c.type] ?? c.type;
  return {
    rule: ref,
    severity: ref.severity,
    count: m.contributions.length + m.omitted,
    first_seen: isoTime(m.firstMs),
    last_seen: isoTime(m.lastMs),
    group,
    summary: `${c.title}: ${who} — ${value} within ${c.timespan}`,
    context: buildContext(first.event, first.source, longLivedSeconds),
    notes: [`correlation ${c.type} over ${c.refs.map((r) => r.name).join(', ')}; ${m.contributions.length} contributing event(s)${m.omitted ? `, ${m.omitted} more not kept` : ''}`],
    events: m.contributions.map((x) => ({ source: x.ref.source, event: x.ref.event })),
    events_dropped: m.omitted,
  };
}

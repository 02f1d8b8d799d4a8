/** One alert per line, for SIEMs and jq. The events inside are already redacted. */
import type { Alert } from '../alerts/alert.js';

export function alertToJson(a: Alert): Record<string, unknown> {
  const rule: Record<string, unknown> = { id: a.rule.id, title: a.rule.title, severity: a.rule.severity, tags: a.rule.tags };
  if (a.rule.author) rule.author = a.rule.author;
  if (a.rule.origin !== 'builtin') rule.file = a.rule.origin;
  return {
    rule,
    severity: a.severity,
    count: a.count,
    first_seen: a.first_seen ?? null,
    last_seen: a.last_seen ?? null,
    group: a.group,
    summary: a.summary,
    context: a.context,
    notes: a.notes,
    events: a.events,
    ...(a.related ? { related: a.related } : {}),
    events_dropped: a.events_dropped,
  };
}

export function alertToNdjson(a: Alert): string {
  return JSON.stringify(alertToJson(a)) + '\n';
}

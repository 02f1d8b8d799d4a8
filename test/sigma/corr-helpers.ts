/** Shared by the correlation tests: small base rules, correlation documents, events and an engine harness. */
import assert from 'node:assert/strict';
import { CorrelationEngine, formatSigmaError, parseSigmaText } from '../../src/sigma/index.js';
import type { CorrelationEngineOptions, CorrelationMatch, LoadOptions, LoadResult, SigmaCorrelation, SigmaRule } from '../../src/sigma/index.js';
import type { AuditEvent } from '../../src/event/types.js';

/** A detection rule named `name` matching events whose `verb` is `verb`. */
export function baseRule(name: string, verb: string, extra = ''): string {
  return `title: ${name}\nid: id-${name}\nname: ${name}\nlogsource: {product: kubernetes, service: audit}\ndetection:\n    sel:\n        verb: ${verb}\n    condition: sel\n${extra}`;
}

/** A correlation document; `body` is the inside of `correlation:`, written at column 0. */
export function corrDoc(body: string, head = 'title: corr\nid: corr-1\nname: corr', tail = ''): string {
  const inner = body
    .replace(/^\n/, '')
    .split('\n')
    .map((l) => (l.trim() === '' ? l : `    ${l}`))
    .join('\n');
  return `${head}\ncorrelation:\n${inner}\n${tail}`;
}

export function loadDocs(docs: string[], opts?: LoadOptions, file = 'c.yml'): LoadResult {
  return parseSigmaText(docs.join('---\n'), file, opts);
}

/** Loads documents that must be valid. */
export function loadOk(docs: string[], opts?: LoadOptions): LoadResult {
  const r = loadDocs(docs, opts);
  assert.deepEqual(r.errors.map(formatSigmaError), [], 'documents should load without errors');
  return r;
}

export const T0 = Date.parse('2026-11-22T10:00:00Z');
export const MIN = 60_000;

/** An event at T0 + ms. */
export function at(ms: number, o: Record<string, unknown>): AuditEvent {
  return { requestReceivedTimestamp: new Date(T0 + ms).toISOString(), ...o } as AuditEvent;
}

export interface Fed {
  rule: string;
  ev: AuditEvent;
  t: number;
  ref: string;
}

/**
 * Runs the detection rules over the events (each event against every rule,
 * as the pipeline does) and feeds their matches to a new engine; returns the
 * alerts and the engine.
 */
export function runEngine(
  loaded: LoadResult,
  events: AuditEvent[],
  opts: Partial<CorrelationEngineOptions<string>> = {},
  correlations: SigmaCorrelation[] = loaded.correlations,
): { alerts: CorrelationMatch<string>[]; engine: CorrelationEngine<string> } {
  const alerts: CorrelationMatch<string>[] = [];
  const engine = new CorrelationEngine<string>(correlations, { onAlert: (m) => alerts.push(m), ...opts });
  feed(engine, loaded.rules, events);
  engine.flush();
  return { alerts, engine };
}

export function matchesOf(rules: readonly SigmaRule[], events: AuditEvent[]): Fed[] {
  const out: Fed[] = [];
  events.forEach((ev, i) => {
    for (const r of rules) if (r.match(ev)) out.push({ rule: r.name ?? r.id, ev, t: Date.parse(String(ev.requestReceivedTimestamp)), ref: `e${i}` });
  });
  return out;
}

export function feed(engine: CorrelationEngine<string>, rules: readonly SigmaRule[], events: AuditEvent[]): void {
  for (const m of matchesOf(rules, events)) engine.onMatch(m.rule, m.ev, m.t, m.ref);
}

/** A compact, order-independent view of alerts: `group|first|last|value|refs`. */
export function summary(alerts: CorrelationMatch<string>[]): string[] {
  return alerts
    .map((a) => `${a.correlation.name ?? a.correlation.id}|${JSON.stringify(a.group)}|${a.firstMs - T0}|${a.lastMs - T0}|${a.value}|${a.contributions.map((c) => c.ref).join(',')}+${a.omitted}`)
    .sort();
}

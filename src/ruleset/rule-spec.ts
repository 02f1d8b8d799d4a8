/**
 * A rule as the pipeline runs it: the compiled Sigma rule plus what tokenwatch
 * adds through the rule's `tokenwatch:` custom attribute (group-by, window,
 * runbook, tests) and through tokenwatch.yaml (filters, overrides).
 */
import type { Severity, RuleRef } from '../alerts/alert.js';
import { SEVERITIES } from '../alerts/alert.js';
import { compileField, type FieldGetter } from '../event/fields.js';
import type { SigmaFilter, SigmaRule } from '../sigma/index.js';

export interface RuleTest {
  name: string;
  expect: boolean;
  /** the test log, in any format tokenwatch reads */
  log: unknown;
}

export interface RuleSpec {
  /** the stable id: the Sigma `name` where there is one, else the Sigma `id` */
  id: string;
  ref: RuleRef;
  sigma: SigmaRule;
  filters: SigmaFilter[];
  groupBy: { name: string; get: FieldGetter }[];
  windowMs: number;
  tests: RuleTest[];
  builtin: boolean;
}

export const DEFAULT_GROUP_BY = ['user.username', 'objectRef.namespace', 'objectRef.name'];
export const DEFAULT_WINDOW_MS = 60 * 60_000;

export function stableId(r: SigmaRule): string {
  return r.name ?? r.id;
}

export function severityOf(level: string | undefined): Severity {
  return SEVERITIES.includes(level as Severity) ? (level as Severity) : 'medium';
}

export function groupGetters(names: string[]): { name: string; get: FieldGetter }[] {
  return names.map((name) => ({ name, get: compileField(name) }));
}

/** The `tokenwatch:` custom attribute of a rule document, if any. */
export function extension(doc: Record<string, unknown>): Record<string, unknown> {
  const ext = doc.tokenwatch;
  return ext !== null && typeof ext === 'object' && !Array.isArray(ext) ? (ext as Record<string, unknown>) : {};
}

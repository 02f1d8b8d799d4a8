/**
 * The public shapes of loaded rules and filters. Plain objects with a match
 * function, so the caller never needs to know how a rule was compiled; the
 * compiled form stays reachable through registry.ts for explain and the
 * prefilter.
 */
import type { AuditEvent } from '../event/types.js';
import type { LogSource } from './rule-model.js';
import type { SigmaError } from './errors.js';
import type { SigmaCorrelation } from './correlation-model.js';

export interface SigmaRule {
  /** The rule's `id`; when the rule has none, `file:line` of its document, so every rule can be named. */
  id: string;
  name?: string;
  title: string;
  status?: string;
  description?: string;
  author?: string;
  date?: string;
  modified?: string;
  level?: string;
  tags: string[];
  references: string[];
  falsepositives: string[];
  logsource: LogSource;
  /** Event field paths the detection reads (after mapping), for coverage reports. */
  fields: string[];
  /** Where the document starts. */
  file: string;
  line: number;
  /** The whole YAML document as plain data (custom attributes like `tokenwatch:` live here). */
  doc: Record<string, unknown>;
  match(ev: AuditEvent): boolean;
}

export interface SigmaFilter {
  /** The filter's `id`; when it has none, `file:line`. */
  id: string;
  title: string;
  name?: string;
  description?: string;
  /** Ids or names of the rules it applies to (spec: sigma-filters-specification.md §Relative rules). */
  rules: string[];
  logsource: LogSource;
  file: string;
  /** Where the document starts; 0 for filters built from plain data. */
  line: number;
  doc: Record<string, unknown>;
  /** True when the filter's condition holds for the event, i.e. a match of a rule it applies to is suppressed. */
  suppresses(ev: AuditEvent): boolean;
}

export interface LoadOptions {
  /** Rule field name → event path(s); several paths are one field found in several places (their values are pooled). */
  fieldMapping?: Record<string, string | string[]>;
  /** Put before every event path after mapping, except derived `tokenwatch.` fields. */
  fieldPrefix?: string;
  /** Values of `%name%` placeholders for the `expand` modifier. */
  placeholders?: Record<string, string[]>;
  /**
   * Field mapping and prefix for the documents of one logsource (processing
   * pipelines, see pipeline-yaml.ts). When set, its result replaces
   * `fieldMapping` and `fieldPrefix` for each rule and filter, called with the
   * document's `logsource` (empty when it has none).
   */
  forLogsource?: (logsource: LogSource) => { fieldMapping?: Record<string, string | string[]>; fieldPrefix?: string };
  /**
   * Rules and correlations loaded elsewhere that the correlations loaded now
   * may reference (the built-in rules, when loading a user's folder).
   */
  external?: { rules?: readonly SigmaRule[]; correlations?: readonly SigmaCorrelation[] };
  /** Rewrites each file's text before parsing (it must keep line numbers). */
  textFilter?: (text: string) => string;
}

export interface LoadResult {
  rules: SigmaRule[];
  filters: SigmaFilter[];
  /** Correlation rules whose references all resolved (spec: sigma-correlation-rules-specification.md). */
  correlations: SigmaCorrelation[];
  errors: SigmaError[];
}

export type { LogSource, SigmaCorrelation };

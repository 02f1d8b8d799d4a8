/**
 * The Sigma rule engine (Sigma specification 2.1): load rules and filters
 * from YAML, match them against audit events, and derive prefilter literals.
 *
 * Choices the specification leaves open, made once here:
 *  - Numbers: a rule number matches an event number of the same value and an
 *    event string equal to the number as written or as printed (`401`,
 *    `0x17` ~ 23); a rule string compares with an event number through the
 *    number's decimal form (`'401'` ~ 401, `'40?'` ~ 403). Booleans match
 *    booleans and the texts "true"/"false"; a string never matches a boolean.
 *  - `'*'` alone matches any present, non-null value, objects included
 *    (SigmaHQ writes `hostPath: '*'` for "is set").
 *  - `null` matches an absent field (or an empty array) or a JSON null.
 *  - Keywords are searched, case-insensitively with wildcards, as substrings
 *    of every string value anywhere in the event (not keys, not numbers).
 *  - Base64 output is compared case-sensitively (its case carries the bytes).
 *  - A field mapped to several paths is one field found in several places:
 *    the values of all paths are pooled.
 */
import { compiledOf } from './registry.js';
import type { SigmaRule } from './types.js';
import { detectionWitnesses } from './witnesses.js';
export { combineDetection, mostSelective, type LiteralAlgebra } from './witnesses.js';

export type { SigmaError, Pos } from './errors.js';
export { formatSigmaError } from './errors.js';
export type { SigmaRule, SigmaFilter, LoadOptions, LoadResult, LogSource } from './types.js';
export type { SigmaCorrelation, CorrelationType, CorrelationCondition, CorrelationRef, CompareOp } from './correlation-model.js';
export { baseRulesWithoutAlerts, parseTimespan, CORRELATION_TYPES } from './correlation-model.js';
export { parseSigmaText, loadSigmaPaths } from './load.js';
export { filterFromData, filterAppliesTo, filtersFor, isSigmaFilter } from './filters.js';
export { compiledOf } from './registry.js';
export type { CompiledDetection, CCond, CSelection, CBody, CMap, CList, CItem, CFieldItem, CKeywordItem, CValue } from './tree.js';
export { KNOWN_MODIFIERS } from './modifiers.js';

/**
 * Lowercase literals such that any event the rule matches contains one of
 * them as a case-insensitive substring of a string value or of a number's
 * decimal form; null when no such list can be derived soundly.
 */
export function witnesses(rule: SigmaRule): string[] | null {
  const det = compiledOf(rule);
  return det ? detectionWitnesses(det) : null;
}

export { CorrelationEngine } from './correlation-engine.js';
export type { CorrelationMatch, Contribution, CorrelationEngineOptions, CorrelationStats } from './correlation-engine.js';
export { explainRule, explainDetection, explainFilter } from './explain.js';
export type {
  RuleExplanation,
  DetectionExplanation,
  FilterExplanation,
  SelectionExplanation,
  ConditionExplanation,
  MapExplanation,
  ItemExplanation,
  ValueCheck,
} from './explain.js';
export { parsePipelineText, loadPipelineFiles, pipelineLoadOptions, loadOptionsWithPipelines, transformationApplies } from './pipeline-yaml.js';
export type { ProcessingPipeline, PipelineTransformation, LogsourceCondition } from './pipeline-yaml.js';

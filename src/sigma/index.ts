/**
 * The Sigma rule engine (Sigma specification 2.1): load rules and filters
 * from YAML, match them against audit events, and derive prefilter literals.
 */
import { compiledOf } from './registry.js';
import type { SigmaRule } from './types.js';
import { detectionWitnesses } from './witnesses.js';

export type { SigmaError, Pos } from './errors.js';
export { formatSigmaError } from './errors.js';
export type { SigmaRule, SigmaFilter, LoadOptions, LoadResult, LogSource } from './types.js';
export { parseSigmaText, loadSigmaPaths } from './load.js';
export { filterFromData, filterAppliesTo, filtersFor, isSigmaFilter } from './filters.js';
export { compiledOf } from './registry.js';
export type { CompiledDetection, CCond, CSelection, CBody, CMap, CList, CItem, CFieldItem, CKeywordItem, CValue } from './compile.js';
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

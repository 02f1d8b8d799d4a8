/**
 * Sigma filters (spec: sigma-filters-specification.md v2.1.0): a document
 * whose `filter:` section names rules (`rules:`), holds search identifiers
 * (`selection`, ...) and a `condition`. Applying a filter to a rule means
 * the rule's condition becomes `(rule) and not (filter)`; here that is split
 * so the caller can count suppressions per filter: after a rule matched, ask
 * each filter that applies to it whether it `suppresses` the event.
 */
import { compileDetection } from './compile.js';
import { Diagnostics } from './errors.js';
import type { Pos, SigmaError } from './errors.js';
import { register } from './registry.js';
import { optionsForDocument } from './rule-options.js';
import { buildFilterModel, documentKind } from './rule-model.js';
import type { LogSource } from './rule-model.js';
import type { LoadOptions, SigmaFilter, SigmaRule } from './types.js';
import { fromData } from './yaml-source.js';
import type { SMap } from './yaml-source.js';

/** Builds a filter from its document; undefined (errors in `diag`) when it is not valid. */
export function buildFilter(map: SMap, data: Record<string, unknown>, file: string, pos: Pos, diag: Diagnostics, opts: LoadOptions): SigmaFilter | undefined {
  const model = buildFilterModel(map, diag);
  if (!model) return undefined;
  const det = compileDetection(model.detection, diag, opts);
  if (!det) return undefined;
  const f: SigmaFilter = {
    id: model.id ?? `${file}:${pos.line}`,
    title: model.title,
    rules: model.rules,
    logsource: model.logsource,
    file,
    line: pos.line,
    doc: data,
    suppresses: det.test,
  };
  if (model.name !== undefined) f.name = model.name;
  if (model.description !== undefined) f.description = model.description;
  return register(f, det);
}

/**
 * A filter from plain data shaped like the YAML document (for filters a
 * caller generates from its own configuration). Several problems are
 * reported as one error, their messages joined by "; ".
 */
export function filterFromData(doc: Record<string, unknown>, file: string, opts: LoadOptions = {}): SigmaFilter | SigmaError {
  const diag = new Diagnostics(file);
  const root = fromData(doc, diag);
  let f: SigmaFilter | undefined;
  if (diag.count === 0) {
    if (root.kind !== 'map' || documentKind(root).kind !== 'filter') {
      diag.error("not a Sigma filter: expected a map with a 'filter' section (spec: sigma-filters-specification.md §Global Filter)");
    } else f = buildFilter(root, structuredClone(doc), file, { line: 0, col: 0 }, diag, optionsForDocument(opts, doc));
  }
  if (f) return f;
  if (diag.errors.length === 1) return diag.errors[0]!;
  return { file, message: diag.errors.map((e) => e.message).join('; ') };
}

/** Tells the two outcomes of filterFromData apart. */
export function isSigmaFilter(x: SigmaFilter | SigmaError): x is SigmaFilter {
  return typeof (x as SigmaFilter).suppresses === 'function';
}

function logsourceFits(filter: LogSource, rule: LogSource): boolean {
  for (const k of ['category', 'product', 'service'] as const) {
    if (filter[k] !== undefined && filter[k] !== rule[k]) return false;
  }
  return true;
}

/**
 * Whether a filter applies to a rule: the rule's id or name is listed in
 * `filter.rules`, and each of category/product/service the filter's
 * logsource names is the rule's too.
 */
export function filterAppliesTo(filter: SigmaFilter, rule: SigmaRule): boolean {
  const named = filter.rules.includes(rule.id) || (rule.name !== undefined && filter.rules.includes(rule.name));
  return named && logsourceFits(filter.logsource, rule.logsource);
}

/** The filters that apply to a rule, in their given order. */
export function filtersFor(rule: SigmaRule, filters: readonly SigmaFilter[]): SigmaFilter[] {
  return filters.filter((f) => filterAppliesTo(f, rule));
}

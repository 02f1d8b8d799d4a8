/**
 * The load options each rule was compiled with (its field mapping and prefix
 * may depend on its logsource, see pipeline-yaml.ts), so that a correlation
 * reads its group-by fields in a rule's events the way the rule's own
 * detection reads fields. Kept outside the public objects, as registry.ts does.
 */
import type { CompileOptions } from './tree.js';
import type { LoadOptions, LogSource, SigmaRule } from './types.js';

const options = new WeakMap<SigmaRule, CompileOptions>();

export function setRuleOptions(rule: SigmaRule, opts: CompileOptions): void {
  options.set(rule, opts);
}

/** The options the rule was compiled with; empty for rules made elsewhere. */
export function ruleOptionsOf(rule: SigmaRule): CompileOptions {
  return options.get(rule) ?? {};
}


/**
 * The options one document is compiled with: `opts`, with the field mapping
 * and prefix `opts.forLogsource` gives for the document's logsource (read from
 * its plain data, before any check, so a broken logsource still gets the
 * options of the parts that are valid).
 */
export function optionsForDocument(opts: LoadOptions, data: unknown): LoadOptions {
  if (!opts.forLogsource) return opts;
  const raw = data !== null && typeof data === 'object' ? (data as Record<string, unknown>).logsource : undefined;
  const ls: LogSource = {};
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    for (const k of ['category', 'product', 'service', 'definition'] as const) {
      const v = (raw as Record<string, unknown>)[k];
      if (typeof v === 'string') ls[k] = v;
    }
  }
  const m = opts.forLogsource(ls);
  const { fieldMapping: _m, fieldPrefix: _p, ...rest } = opts;
  const out: LoadOptions = rest;
  if (m.fieldMapping) out.fieldMapping = m.fieldMapping;
  if (m.fieldPrefix) out.fieldPrefix = m.fieldPrefix;
  return out;
}

/**
 * Rule field names → event paths (the caller's mapping and prefix) → value
 * readers built on compileField, decided once per field at compile time.
 */
import { compileField } from '../event/fields.js';
import type { FieldGetter } from '../event/fields.js';
import { DERIVED_PREFIX } from '../event/derived.js';
import type { AuditEvent } from '../event/types.js';
import type { CompileOptions } from './tree.js';

/** Event paths for a rule field name: mapping first, then the prefix (never on derived `tokenwatch.` fields). */
export function mapField(field: string, opts: CompileOptions): string[] {
  const m = opts.fieldMapping;
  let paths: string[] = [field];
  if (m && Object.prototype.hasOwnProperty.call(m, field)) {
    const v = m[field]!;
    paths = Array.isArray(v) ? v.slice() : [v];
  }
  const prefix = opts.fieldPrefix;
  if (prefix) paths = paths.map((p) => (p.startsWith(DERIVED_PREFIX) ? p : prefix + p));
  return paths;
}

export function readerFor(paths: string[]): (ev: AuditEvent) => unknown[] {
  const getters: FieldGetter[] = paths.map((p) => compileField(p));
  if (getters.length === 1) return getters[0]!;
  // Several mapped paths are one field found in several places: its values are the union.
  return (ev) => {
    const out: unknown[] = [];
    for (const g of getters) for (const v of g(ev)) out.push(v);
    return out;
  };
}

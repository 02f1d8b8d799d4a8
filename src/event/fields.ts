/**
 * Field access by Sigma field name. A dotted name is a path into the nested
 * JSON; arrays met on the way are flattened (so `sourceIPs` or
 * `requestObject.spec.containers.image` yield every element) and a key that
 * itself contains dots (`annotations.authorization.k8s.io/decision`) is found
 * by trying the joined remainder as one key as well.
 */
import { derivedField, DERIVED_PREFIX } from './derived.js';
import type { AuditEvent } from './types.js';

export type FieldGetter = (event: AuditEvent) => unknown[];

const EMPTY: unknown[] = [];

function collect(node: unknown, segs: readonly string[], joined: readonly (readonly string[])[], i: number, out: unknown[]): void {
  if (Array.isArray(node)) {
    for (const el of node) collect(el, segs, joined, i, out);
    return;
  }
  if (i === segs.length) {
    out.push(node);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const obj = node as Record<string, unknown>;
  const row = joined[i]!;
  // row[k] is segs[i..i+k] joined with dots; the plain one-segment step first.
  for (let k = 0; k < row.length; k++) {
    const key = row[k]!;
    if (Object.prototype.hasOwnProperty.call(obj, key)) collect(obj[key], segs, joined, i + k + 1, out);
  }
}

/** Compiles a field name into a getter returning every value found there (empty when absent). */
export function compileField(name: string): FieldGetter {
  if (name.startsWith(DERIVED_PREFIX)) {
    const d = derivedField(name);
    if (d) return d;
  }
  const segs = name.split('.');
  if (segs.length === 1) {
    const key = segs[0]!;
    return (ev) => {
      const v = (ev as Record<string, unknown>)[key];
      if (v === undefined) return EMPTY;
      if (Array.isArray(v)) {
        const out: unknown[] = [];
        collect(v, segs, [[key]], 1, out);
        return out;
      }
      return [v];
    };
  }
  const joined = segs.map((_, i) => segs.slice(i).map((__, k) => segs.slice(i, i + k + 1).join('.')));
  return (ev) => {
    const out: unknown[] = [];
    collect(ev, segs, joined, 0, out);
    return out;
  };
}

/** One-off lookup; compile the getter instead on hot paths. */
export function fieldValues(event: AuditEvent, name: string): unknown[] {
  return compileField(name)(event);
}

/** First string found at the field, if any. */
export function firstString(event: AuditEvent, name: string): string | undefined {
  for (const v of fieldValues(event, name)) if (typeof v === 'string') return v;
  return undefined;
}

/**
 * The prefilter's side of the witness contract, written independently of the
 * engine: an event passes when one witness is a substring of a string value
 * or of a number's decimal form, under full Unicode lowercasing and under
 * ASCII-only lowercasing (both must agree, so either consumer is sound).
 */
import type { AuditEvent } from '../../src/event/types.js';

const asciiLower = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

function texts(node: unknown, out: string[]): void {
  if (typeof node === 'string') out.push(node);
  else if (typeof node === 'number') out.push(String(node));
  else if (Array.isArray(node)) for (const x of node) texts(x, out);
  else if (node !== null && typeof node === 'object') for (const v of Object.values(node)) texts(v, out);
}

export function witnessHolds(ws: string[] | null, ev: AuditEvent): boolean {
  if (ws === null) return true;
  const all: string[] = [];
  texts(ev, all);
  const full = ws.some((w) => all.some((t) => t.toLowerCase().includes(w)));
  const ascii = ws.some((w) => all.some((t) => asciiLower(t).includes(w)));
  return full && ascii;
}

/**
 * Rule or filter → its compiled detection. Kept outside the public objects
 * so they stay plain data, and weakly so that dropped rules are collected.
 */
import type { CompiledDetection } from './tree.js';
import type { SigmaFilter, SigmaRule } from './types.js';

const compiled = new WeakMap<SigmaRule | SigmaFilter, CompiledDetection>();

export function register<T extends SigmaRule | SigmaFilter>(owner: T, det: CompiledDetection): T {
  compiled.set(owner, det);
  return owner;
}

/** The compiled tree of a rule or filter loaded by this module; undefined for objects made elsewhere. */
export function compiledOf(owner: SigmaRule | SigmaFilter): CompiledDetection | undefined {
  return compiled.get(owner);
}

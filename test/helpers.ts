/** Paths shared by the tests: the repository root and ../shared beside it. */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// compiled tests live in dist/test/...; the root is where package.json is
function findRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (d.endsWith('/dist')) return dirname(d);
    d = dirname(d);
  }
  return resolve(dirname(fileURLToPath(import.meta.url)), '../..');
}

export const ROOT = findRoot();
export const SHARED = join(ROOT, '..', 'shared');
export const CLI = join(ROOT, 'bin', 'tokenwatch.js');

/** A small deterministic PRNG (mulberry32): randomized tests give the same cases on every run, so failures reproduce. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

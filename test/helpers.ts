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

/**
 * A RequestReceived line of a service account's request that the prefilter
 * holds unread (the detectors need it, no rule can match) but that is not
 * valid JSON: a raw control character in its user agent.
 */
export function heldInvalidLine(): string {
  const ev = {
    kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: '11111111-2222-4333-8444-555555555555', stage: 'RequestReceived',
    requestURI: '/api/v1/namespaces/default/configmaps', verb: 'list',
    user: { username: 'system:serviceaccount:default:app', groups: ['system:serviceaccounts', 'system:authenticated'] },
    sourceIPs: ['10.1.2.3'], userAgent: 'app/1.0', objectRef: { resource: 'configmaps', namespace: 'default', apiVersion: 'v1' },
    requestReceivedTimestamp: '2026-03-02T08:00:00.000000Z', stageTimestamp: '2026-03-02T08:00:00.000000Z',
  };
  return JSON.stringify(ev).replace('app/1.0', 'app/1.0\u0001');
}

/** Shared by the Sigma tests: the repo root, the Kubernetes mapping, and small rule builders. */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { formatSigmaError, parseSigmaText } from '../../src/sigma/index.js';
import type { LoadOptions, LoadResult, SigmaError, SigmaRule } from '../../src/sigma/index.js';
import type { AuditEvent } from '../../src/event/types.js';

/** Compiled tests live in dist/test/sigma/, three levels below the root. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const sigmahqDir = join(repoRoot, '..', 'shared', 'sigma', 'kubernetes');
export const fixtures = join(repoRoot, 'test', 'fixtures', 'sigma');

/** The field names SigmaHQ's Kubernetes rules use that are not audit-event paths (see shared/sigma/PROVENANCE.md). */
export const K8S_MAPPING: Record<string, string> = {
  apiGroup: 'objectRef.apiGroup',
  hostPath: 'requestObject.spec.volumes.hostPath',
  capabilities: 'requestObject.spec.containers.securityContext.capabilities.add',
};

function indent(s: string, n: number): string {
  const pad = ' '.repeat(n);
  return s
    .replace(/^\n/, '')
    .split('\n')
    .map((l) => (l.trim() === '' ? l : pad + l))
    .join('\n');
}

/** A whole rule document around a detection body written at column 0. */
export function ruleText(detection: string, extra = ''): string {
  return `title: test rule\nid: test-rule\nlogsource:\n    product: kubernetes\n    service: audit\ndetection:\n${indent(detection, 4)}\n${extra}`;
}

export function load(detection: string, opts?: LoadOptions): LoadResult {
  return parseSigmaText(ruleText(detection), 'test.yml', opts);
}

/** Compiles a detection that must be valid; fails the test with the errors otherwise. */
export function rule(detection: string, opts?: LoadOptions): SigmaRule {
  const r = load(detection, opts);
  assert.deepEqual(r.errors.map(formatSigmaError), [], 'rule should load without errors');
  assert.equal(r.rules.length, 1);
  return r.rules[0]!;
}

/** The errors of a detection that must be rejected (and yield no rule). */
export function errors(detection: string, opts?: LoadOptions): SigmaError[] {
  const r = load(detection, opts);
  assert.equal(r.rules.length, 0, 'a rule with errors must not be returned');
  assert.ok(r.errors.length > 0, 'expected at least one error');
  return r.errors;
}

/** Asserts which of the events the rule matches, by index, so each case states both outcomes. */
export function expectMatches(r: SigmaRule, cases: [AuditEvent, boolean][]): void {
  cases.forEach(([ev, want], i) => assert.equal(r.match(ev), want, `case ${i}: ${JSON.stringify(ev)} should ${want ? '' : 'not '}match`));
}

export const ev = (o: Record<string, unknown>): AuditEvent => o as AuditEvent;

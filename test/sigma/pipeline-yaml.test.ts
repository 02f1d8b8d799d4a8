/**
 * pySigma processing pipelines, the field-renaming subset (pySigma docs,
 * "Processing Pipelines"; spec: sigma-rules-specification.md §Field Usage:
 * "For fields with existing field-mappings, use the mapped field name"),
 * and the default Kubernetes mapping on SigmaHQ's rules loaded unchanged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { filterFromData, formatSigmaError, isSigmaFilter, loadOptionsWithPipelines, loadSigmaPaths, parsePipelineText, parseSigmaText, pipelineLoadOptions } from '../../src/sigma/index.js';
import type { LoadOptions, ProcessingPipeline, SigmaRule } from '../../src/sigma/index.js';
import { KUBERNETES_FIELD_MAPPING } from '../../src/ruleset/field-mapping.js';
import { ev, expectMatches, fixtures, sigmahqDir } from './helpers.js';
import { corrDoc, runEngine, at } from './corr-helpers.js';

const pipes = join(fixtures, 'pipelines');

function pipeline(text: string, file = 'p.yml'): ProcessingPipeline {
  const r = parsePipelineText(text, file);
  assert.deepEqual(r.errors.map(formatSigmaError), []);
  return r.pipeline!;
}

/** The event paths a one-field rule of this logsource reads under the options. */
function pathsOf(field: string, opts: LoadOptions, logsource = '{product: kubernetes, service: audit}'): string[] {
  const r = parseSigmaText(`title: t\nlogsource: ${logsource}\ndetection:\n    sel:\n        ${field}: x\n    condition: sel\n`, 'r.yml', opts);
  assert.deepEqual(r.errors.map(formatSigmaError), []);
  return r.rules[0]!.fields;
}

test('a pipeline file: name, priority, field_name_mapping (one or several targets), field_name_prefix, logsource rule_conditions', () => {
  const p = pipeline(`name: p\npriority: 20\ntransformations:\n  - id: m\n    type: field_name_mapping\n    mapping:\n      a: x\n      b: [y, z]\n    rule_conditions:\n      - type: logsource\n        product: kubernetes\n    rule_cond_op: or\n    rule_cond_not: true\n  - type: field_name_prefix\n    prefix: 'k.'\n`);
  assert.equal(p.name, 'p');
  assert.equal(p.priority, 20);
  assert.deepEqual(
    p.transformations.map((t) => [t.id, t.type, t.mapping, t.prefix, t.conditions, t.condOp, t.negate, t.line]),
    [
      ['m', 'field_name_mapping', { a: ['x'], b: ['y', 'z'] }, undefined, [{ product: 'kubernetes' }], 'or', true, 4],
      [undefined, 'field_name_prefix', undefined, 'k.', [], 'and', false, 14],
    ],
  );
});

test('unsupported transformations, conditions and sections are errors naming file, line and the construct', () => {
  const r = loadOptionsWithPipelines([join(pipes, 'unsupported.yml'), join(pipes, 'missing.yml')]);
  const f = join(pipes, 'unsupported.yml');
  assert.deepEqual(r.errors.map(formatSigmaError), [
    `${f}:5:11: pipeline: transformation type 'replace_string' is not supported; tokenwatch supports field_name_mapping and field_name_prefix`,
    `${f}:11:5: pipeline: 'field_name_conditions' is not supported in a transformation (tokenwatch supports id, type, mapping, prefix, rule_conditions, rule_cond_op, rule_cond_not)`,
    `${f}:17:15: pipeline: rule condition type 'tag' is not supported; tokenwatch supports 'logsource' (category, product, service)`,
    `${f}:19:1: pipeline: 'postprocessing' is not supported: tokenwatch matches events, it generates no queries to post-process (supported: name, priority, transformations)`,
    `${join(pipes, 'missing.yml')}: cannot read: ENOENT: no such file or directory, open '${join(pipes, 'missing.yml')}'`,
  ]);
  const bad = parsePipelineText('priority: high\ntransformations:\n  - type: field_name_prefix\n  - type: field_name_mapping\n    mapping: {a: [1, b]}\n', 'b.yml');
  assert.deepEqual(bad.errors.map(formatSigmaError), [
    "b.yml:1:11: pipeline: 'priority' must be a number",
    "b.yml:3:5: pipeline: field_name_prefix needs a 'prefix'",
    "b.yml:5:18: pipeline: mapping of 'a' must be a field name or a non-empty list of field names",
    "b.yml:1:1: pipeline: 'name' is mandatory",
  ]);
});

test('mapping then prefix: mapped and unmapped fields get the prefix; derived tokenwatch.* fields never do', () => {
  const p = pipeline("name: p\ntransformations:\n  - type: field_name_mapping\n    mapping:\n      a: x\n      b: [y, z]\n  - type: field_name_prefix\n    prefix: 'k.'\n");
  const { options, errors } = pipelineLoadOptions([p]);
  assert.deepEqual(errors, []);
  assert.deepEqual(pathsOf('a', options), ['k.x']);
  assert.deepEqual(pathsOf('b', options), ['k.y', 'k.z']);
  assert.deepEqual(pathsOf('verb', options), ['k.verb']);
  assert.deepEqual(pathsOf('tokenwatch.client_ip', options), ['tokenwatch.client_ip']);
});

test('prefix then mapping: the mapping sees prefixed names; a target without the prefix cannot be expressed and is an error', () => {
  const p = pipeline("name: p\ntransformations:\n  - type: field_name_prefix\n    prefix: 'k.'\n  - type: field_name_mapping\n    mapping:\n      k.a: k.q\n      b: ignored\n");
  const { options, errors } = pipelineLoadOptions([p]);
  assert.deepEqual(errors, []);
  assert.deepEqual(pathsOf('a', options), ['k.q']);
  assert.deepEqual(pathsOf('b', options), ['k.b'], 'a key without the prefix matches no field any more');
  const bad = pipeline("name: p\ntransformations:\n  - type: field_name_prefix\n    prefix: 'k.'\n  - id: late\n    type: field_name_mapping\n    mapping:\n      k.a: other.a\n", 'late.yml');
  assert.deepEqual(pipelineLoadOptions([bad]).errors.map(formatSigmaError), [
    "late.yml:5: pipeline: field_name_mapping 'late' of pipeline 'p' (late.yml:5) maps 'k.a' to 'other.a' after the prefix 'k.' was added, and tokenwatch cannot express a target without that prefix; put the field_name_mapping before the field_name_prefix",
  ]);
});

test('priority orders pipelines, lower first; the base mapping runs at priority 50, as the backend pipeline', () => {
  const a = (prio: number) => pipeline(`name: a\npriority: ${prio}\ntransformations:\n  - type: field_name_mapping\n    mapping: {f: g}\n`);
  const b = (prio: number) => pipeline(`name: b\npriority: ${prio}\ntransformations:\n  - type: field_name_mapping\n    mapping: {g: h}\n`);
  assert.deepEqual(pathsOf('f', pipelineLoadOptions([a(10), b(20)]).options), ['h'], 'f → g, then g → h');
  assert.deepEqual(pathsOf('f', pipelineLoadOptions([b(10), a(20)]).options), ['g'], 'g → h ran before f became g');
  assert.deepEqual(pathsOf('f', pipelineLoadOptions([b(10), a(10)]).options), ['g'], 'equal priorities keep the given order');
  const base: LoadOptions = { fieldMapping: KUBERNETES_FIELD_MAPPING };
  const user = (prio: number) => pipeline(`name: u\npriority: ${prio}\ntransformations:\n  - type: field_name_mapping\n    mapping: {capabilities: requestObject.spec.initContainers.securityContext.capabilities.add}\n`);
  assert.deepEqual(pathsOf('capabilities', pipelineLoadOptions([user(0)], base).options), ['requestObject.spec.initContainers.securityContext.capabilities.add']);
  assert.deepEqual(pathsOf('capabilities', pipelineLoadOptions([user(60)], base).options), ['requestObject.spec.containers.securityContext.capabilities.add']);
  assert.deepEqual(pathsOf('username', pipelineLoadOptions([user(0)], base).options), ['user.username'], 'the base mapping still applies to the other fields');
});

test('rule_conditions of type logsource select rules by category/product/service, combined by rule_cond_op, negated by rule_cond_not', () => {
  const p = pipeline(`name: p
transformations:
  - type: field_name_mapping
    mapping: {user: user.username}
    rule_conditions:
      - type: logsource
        product: kubernetes
        service: audit
  - type: field_name_mapping
    mapping: {host: host.name}
    rule_conditions:
      - type: logsource
        product: windows
      - type: logsource
        category: application
    rule_cond_op: or
  - type: field_name_prefix
    prefix: 'x.'
    rule_conditions:
      - type: logsource
        product: kubernetes
    rule_cond_not: true
`);
  const { options } = pipelineLoadOptions([p]);
  assert.deepEqual(pathsOf('user', options), ['user.username']);
  assert.deepEqual(pathsOf('user', options, '{product: kubernetes}'), ['user'], 'service audit is required as well');
  assert.deepEqual(pathsOf('user', options, '{product: windows}'), ['x.user']);
  assert.deepEqual(pathsOf('host', options, '{product: windows}'), ['x.host.name']);
  assert.deepEqual(pathsOf('host', options, '{category: application, product: kubernetes}'), ['host.name']);
  assert.deepEqual(pathsOf('host', options), ['host']);
  // filters built from plain data take the options of their logsource too
  const f = filterFromData({ title: 'f', logsource: { product: 'kubernetes', service: 'audit' }, filter: { rules: ['r'], selection: { user: 'alice' }, condition: 'selection' } }, 'cfg.yaml', options);
  assert.ok(isSigmaFilter(f));
  assert.equal(f.suppresses(ev({ user: { username: 'alice' } })), true);
});

test('a correlation groups by the field names of each base rule as its pipeline mapped them', () => {
  const p = pipeline('name: p\ntransformations:\n  - type: field_name_mapping\n    mapping: {username: user.username}\n    rule_conditions:\n      - type: logsource\n        product: kubernetes\n');
  const { options } = pipelineLoadOptions([p]);
  const r = parseSigmaText(
    [
      'title: a\nid: a\nname: a\nlogsource: {product: kubernetes}\ndetection: {sel: {verb: get}, condition: sel}\n',
      corrDoc('type: event_count\nrules: [a]\ngroup-by: [username]\ntimespan: 5m\ncondition: {gte: 2}'),
    ].join('---\n'),
    'c.yml',
    options,
  );
  assert.deepEqual(r.errors, []);
  const alerts = runEngine(r, [at(0, { verb: 'get', user: { username: 'u1' } }), at(1, { verb: 'get', user: { username: 'u2' } }), at(2, { verb: 'get', user: { username: 'u1' } })]).alerts;
  assert.deepEqual(alerts.map((a) => a.group), [{ username: 'u1' }]);
});

const privileged = join(sigmahqDir, 'rules', 'application', 'kubernetes', 'audit', 'kubernetes_audit_privileged_pod_creation.yml');
const hostPath = join(sigmahqDir, 'rules', 'application', 'kubernetes', 'audit', 'kubernetes_audit_hostpath_mount.yml');
const pod = (spec: Record<string, unknown>) => ev({ verb: 'create', objectRef: { resource: 'pods', namespace: 'prod', name: 'p' }, requestObject: { kind: 'Pod', spec } });

function loadOne(file: string, opts: LoadOptions): SigmaRule {
  const r = loadSigmaPaths([file], opts);
  assert.deepEqual(r.errors.map(formatSigmaError), []);
  return r.rules[0]!;
}

test("SigmaHQ 'Privileged Container Deployed', loaded unchanged: fires on a pod that adds a capability, not on one that only drops some (capabilities → containers[].securityContext.capabilities.add)", () => {
  const r = loadOne(privileged, { fieldMapping: KUBERNETES_FIELD_MAPPING });
  assert.equal(r.title, 'Privileged Container Deployed');
  assert.deepEqual(r.fields.sort(), ['objectRef.resource', 'requestObject.spec.containers.securityContext.capabilities.add', 'verb']);
  expectMatches(r, [
    [pod({ containers: [{ name: 'app', securityContext: { capabilities: { add: ['NET_ADMIN'] } } }] }), true],
    // one container of several adds one: the array of containers matches when any element does
    [pod({ containers: [{ name: 'app' }, { name: 'sidecar', securityContext: { capabilities: { drop: ['ALL'], add: ['SYS_PTRACE'] } } }] }), true],
    // dropping capabilities only: no `add`, nothing to match
    [pod({ containers: [{ name: 'app', securityContext: { capabilities: { drop: ['ALL'] } } }] }), false],
    [pod({ containers: [{ name: 'app', securityContext: { capabilities: { drop: ['NET_RAW'], add: [] } } }] }), false],
    [pod({ containers: [{ name: 'app', securityContext: { runAsNonRoot: true } }] }), false],
    [pod({ containers: [{ name: 'app' }] }), false],
    // the mapping reads containers only: an init container adding a capability is not seen (documented)
    [pod({ initContainers: [{ name: 'init', securityContext: { capabilities: { add: ['NET_ADMIN'] } } }], containers: [{ name: 'app' }] }), false],
    // Metadata-level events carry no request body: nothing to match
    [ev({ verb: 'create', objectRef: { resource: 'pods' } }), false],
    [ev({ verb: 'get', objectRef: { resource: 'pods' }, requestObject: { spec: { containers: [{ securityContext: { capabilities: { add: ['NET_ADMIN'] } } }] } } }), false],
  ]);
  // without the mapping the rule reads a field no audit event has
  expectMatches(loadOne(privileged, {}), [[pod({ containers: [{ name: 'app', securityContext: { capabilities: { add: ['NET_ADMIN'] } } }] }), false]]);
});

test("SigmaHQ 'Container With A hostPath Mount Created', loaded unchanged: fires on a hostPath volume (an object), not on other volumes", () => {
  const r = loadOne(hostPath, { fieldMapping: KUBERNETES_FIELD_MAPPING });
  expectMatches(r, [
    [pod({ volumes: [{ name: 'cfg', configMap: { name: 'c' } }, { name: 'root', hostPath: { path: '/', type: 'Directory' } }] }), true],
    [pod({ volumes: [{ name: 'tmp', emptyDir: {} }] }), false],
    [pod({ containers: [{ name: 'app' }] }), false],
  ]);
});

test('the default mapping written as a pySigma pipeline file gives every SigmaHQ Kubernetes rule the same fields as the built-in table', () => {
  const viaPipeline = loadOptionsWithPipelines([join(pipes, 'kubernetes-audit.yml')]);
  assert.deepEqual(viaPipeline.errors, []);
  const a = loadSigmaPaths([sigmahqDir], viaPipeline.options);
  const b = loadSigmaPaths([sigmahqDir], { fieldMapping: KUBERNETES_FIELD_MAPPING });
  assert.deepEqual(a.errors, []);
  assert.equal(a.rules.length, 16);
  assert.deepEqual(
    a.rules.map((r) => [r.id, r.fields.slice().sort()]),
    b.rules.map((r) => [r.id, r.fields.slice().sort()]),
  );
  assert.ok(a.rules.some((r) => r.fields.includes('requestObject.spec.volumes.hostPath')));
});

test('arrays of objects: two fields of one selection crossing the same array match independently; several paths pool their values (spec §Maps, §Lists)', () => {
  const opts = { fieldMapping: { ...KUBERNETES_FIELD_MAPPING, capabilities: ['requestObject.spec.containers.securityContext.capabilities.add', 'requestObject.spec.initContainers.securityContext.capabilities.add'] } };
  const r = parseSigmaText(
    "title: t\nlogsource: {product: kubernetes, service: audit}\ndetection:\n    sel:\n        requestObject.spec.containers.image|contains: nginx\n        requestObject.spec.containers.securityContext.privileged: true\n    caps:\n        capabilities: '*'\n    condition: sel or caps\n",
    'r.yml',
    opts,
  ).rules[0]!;
  expectMatches(r, [
    // the nginx container is not privileged, another one is: still a match, Sigma has no "same element"
    [pod({ containers: [{ image: 'nginx:1.27' }, { image: 'busybox', securityContext: { privileged: true } }] }), true],
    [pod({ containers: [{ image: 'nginx:1.27', securityContext: { privileged: false } }] }), false],
    // with the init-container path added, an init container adding a capability is seen
    [pod({ initContainers: [{ securityContext: { capabilities: { add: ['NET_ADMIN'] } } }], containers: [{ image: 'app' }] }), true],
  ]);
});

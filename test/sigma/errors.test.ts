import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSigmaError, parseSigmaText } from '../../src/sigma/index.js';
import { errors } from './helpers.js';

const at = (e: { line?: number; column?: number }) => [e.line, e.column];

test('formatSigmaError: file:line:col: message, leaving out what is unknown', () => {
  assert.equal(formatSigmaError({ file: 'r.yml', line: 3, column: 9, message: 'boom' }), 'r.yml:3:9: boom');
  assert.equal(formatSigmaError({ file: 'r.yml', line: 3, message: 'boom' }), 'r.yml:3: boom');
  assert.equal(formatSigmaError({ file: 'r.yml', message: 'boom' }), 'r.yml: boom');
});

test('unknown modifier: line and column of the modifier in the key', () => {
  const text = `title: t
logsource:
    product: kubernetes
detection:
    selection:
        verb: get
        objectRef.resource|contians: secrets
    condition: selection
`;
  const r = parseSigmaText(text, 'r.yml');
  assert.equal(r.rules.length, 0);
  assert.equal(r.errors.length, 1);
  assert.equal(formatSigmaError(r.errors[0]!).split(': ')[0], 'r.yml:7:28');
  assert.match(r.errors[0]!.message, /unknown modifier 'contians'/);
});

test('bad regex: line and column of the offending construct inside the value', () => {
  const text = `title: t
logsource:
    product: kubernetes
detection:
    selection:
        userAgent|re: 'kube(ctl'
    condition: selection
`;
  const r = parseSigmaText(text, 'r.yml');
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0]!.line, 6);
  assert.match(r.errors[0]!.message, /invalid regular expression \/kube\(ctl\//);
  const r2 = parseSigmaText(text.replace("'kube(ctl'", "'ku(?=be)'"), 'r.yml');
  // the value starts at column 24 (after the quote); (?= is 2 characters in
  assert.deepEqual(at(r2.errors[0]!), [6, 26]);
});

test('YAML syntax error: reported with its line, other documents of the file still load', () => {
  const text = `title: good
logsource: {product: kubernetes}
detection:
    sel:
        verb: get
    condition: sel
---
title: broken
detection: [unclosed
---
title: also good
id: second
logsource: {product: kubernetes}
detection:
    sel:
        verb: list
    condition: sel
`;
  const r = parseSigmaText(text, 'multi.yml');
  assert.deepEqual(
    r.rules.map((x) => x.title),
    ['good', 'also good'],
  );
  assert.equal(r.errors.length, 1);
  assert.match(r.errors[0]!.message, /^YAML syntax error/);
  assert.ok(r.errors[0]!.line! >= 9 && r.errors[0]!.line! <= 10, `line ${r.errors[0]!.line}`);
});

test('YAML duplicate key is an error with its line', () => {
  const r = parseSigmaText('title: a\ntitle: b\nlogsource: {}\ndetection: {sel: {a: 1}, condition: sel}\n', 'd.yml');
  assert.equal(r.rules.length, 0);
  assert.equal(r.errors[0]!.line, 2);
  assert.match(r.errors[0]!.message, /unique/);
});

test('missing detection, condition, title, logsource: each named', () => {
  const noDet = parseSigmaText('title: t\nlogsource: {product: k}\nlevel: low\n', 'a.yml');
  assert.match(noDet.errors[0]!.message, /no 'detection'/);
  assert.equal(noDet.errors[0]!.line, 1);

  const noCond = parseSigmaText('title: t\nlogsource: {product: k}\ndetection:\n    sel:\n        a: 1\n', 'b.yml');
  assert.equal(noCond.rules.length, 0);
  assert.match(noCond.errors[0]!.message, /'condition' is mandatory/);
  assert.equal(noCond.errors[0]!.line, 4);

  const noTitle = parseSigmaText('logsource: {product: k}\ndetection: {sel: {a: 1}, condition: sel}\n', 'c.yml');
  assert.match(noTitle.errors.map((e) => e.message).join('\n'), /'title' is mandatory/);

  const noLs = parseSigmaText('title: t\ndetection: {sel: {a: 1}, condition: sel}\n', 'd.yml');
  assert.match(noLs.errors.map((e) => e.message).join('\n'), /'logsource' is mandatory/);
});

test('metadata types and enumerations are checked (spec §Status, §Level, §Date)', () => {
  const r = parseSigmaText(
    'title: t\nstatus: production\nlevel: severe\ndate: 2024/01/02\ntags: attack.t1\nlogsource: {product: k}\ndetection: {sel: {a: 1}, condition: sel}\n',
    'm.yml',
  );
  const msgs = r.errors.map((e) => `${e.line}: ${e.message}`).join('\n');
  assert.match(msgs, /2: .*'status' must be one of stable, test, experimental, deprecated, unsupported/);
  assert.match(msgs, /3: .*'level' must be one of informational, low, medium, high, critical/);
  assert.match(msgs, /4: .*'date' must be an ISO 8601 date/);
  assert.match(msgs, /5: .*'tags' must be a list of strings/);
  assert.equal(r.rules.length, 0);
});

test('null inside a list of values is an error (spec §Special Field Values: "null cannot be part of a list")', () => {
  const errs = errors(`
sel:
    FieldB:
        - ''
        - null
condition: sel`);
  assert.match(errs[0]!.message, /null cannot be part of a list/);
  assert.equal(errs[0]!.line, 10);
});

test('a search identifier with a nested list or an empty map is an error', () => {
  assert.match(errors('sel:\n    - [a, b]\ncondition: sel')[0]!.message, /a list inside a list/);
  assert.match(errors('sel: {}\ncondition: sel')[0]!.message, /must not be empty/);
  assert.match(errors('sel:\n    f:\n        a: 1\ncondition: sel')[0]!.message, /found a map/);
});

test('all errors of a document are reported at once', () => {
  const errs = errors(`
sel:
    a|nope: 1
    b|re: '(?i)x'
condition: sel`);
  assert.equal(errs.length, 2);
  assert.deepEqual(
    errs.map((e) => e.line),
    [8, 9],
  );
});

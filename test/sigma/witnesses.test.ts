import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSigmaText, witnesses } from '../../src/sigma/index.js';
import type { AuditEvent } from '../../src/event/types.js';
import { ev, rule, ruleText } from './helpers.js';
import { witnessHolds } from './witness-check.js';
import { rng as prng } from '../helpers.js';

const w = (detection: string, opts?: Parameters<typeof rule>[1]) => witnesses(rule(detection, opts));
const sorted = (x: string[] | null) => (x === null ? null : [...x].sort());

test('witnesses: a plain value gives its lowercase text; a wildcard value its longest literal run', () => {
  assert.deepEqual(w('sel:\n    objectRef.namespace: KUBE-System\ncondition: sel'), ['kube-system']);
  assert.deepEqual(w("sel:\n    user.username: 'system:node:*'\ncondition: sel"), ['system:node:']);
  assert.deepEqual(w("sel:\n    f: 'ab*abcdef?x'\ncondition: sel"), ['abcdef']);
  assert.deepEqual(w("sel:\n    f|contains: 'Secret'\ncondition: sel"), ['secret']);
  assert.deepEqual(w("sel:\n    f|cased: 'Secret'\ncondition: sel"), ['secret']);
});

test('witnesses: AND picks the most selective side, OR and 1-of take the union', () => {
  assert.deepEqual(w('sel:\n    verb: get\n    objectRef.resource: selfsubjectrulesreviews\ncondition: sel'), ['selfsubjectrulesreviews']);
  assert.deepEqual(sorted(w('sel:\n    verb:\n        - create\n        - update\ncondition: sel')), ['create', 'update']);
  assert.deepEqual(sorted(w('a:\n    f: alpha\nb:\n    g: beta\ncondition: a or b')), ['alpha', 'beta']);
  assert.deepEqual(sorted(w('sel_a:\n    f: alpha\nsel_b:\n    g: beta\ncondition: 1 of sel_*')), ['alpha', 'beta']);
  assert.deepEqual(w('sel_a:\n    f: alpha\nsel_b:\n    g: betagamma\ncondition: all of sel_*'), ['betagamma']);
  assert.deepEqual(sorted(w('sel:\n    - f: alpha\n    - g: beta\ncondition: sel')), ['alpha', 'beta']);
  // a literal implied by a shorter one in the same union is dropped
  assert.deepEqual(w('sel:\n    f|contains:\n        - admin\n        - superadmin\ncondition: sel'), ['admin']);
});

test('witnesses: |all is an AND, so one value suffices', () => {
  assert.deepEqual(w('sel:\n    f|contains|all:\n        - ab\n        - abcdef\ncondition: sel'), ['abcdef']);
});

test('witnesses: the negated side gives nothing; `a and not b` keeps a', () => {
  assert.equal(w('a:\n    f: alpha\ncondition: not a'), null);
  assert.deepEqual(w('a:\n    f: alpha\nb:\n    g: beta\ncondition: a and not b'), ['alpha']);
  assert.equal(w('a:\n    f: alpha\nb:\n    g: beta\ncondition: a or not b'), null);
});

test('witnesses must be null where no literal is guaranteed', () => {
  const none: [string, string][] = [
    ['exists', 'sel:\n    f|exists: true\ncondition: sel'],
    ['exists false', 'sel:\n    f|exists: false\ncondition: sel'],
    ['re', "sel:\n    f|re: 'abc'\ncondition: sel"],
    ['fieldref', 'sel:\n    f|fieldref: g\ncondition: sel'],
    ['null', 'sel:\n    f: null\ncondition: sel'],
    ['empty string', "sel:\n    f: ''\ncondition: sel"],
    ['wildcards only', "sel:\n    f: '*'\ncondition: sel"],
    ['? only', "sel:\n    f: '??'\ncondition: sel"],
    ['keywords of wildcards', "kw:\n    - '*'\n    - 'abc'\ncondition: kw"],
    ['neq', 'sel:\n    f|neq: abc\ncondition: sel'],
    ['cidr', "sel:\n    f|cidr: '10.0.0.0/8'\ncondition: sel"],
    ['gt', 'sel:\n    f|gt: 5\ncondition: sel'],
    ['time part', 'sel:\n    f|hour: 5\ncondition: sel'],
    ['boolean', 'sel:\n    f: true\ncondition: sel'],
    ['non-ASCII only', "sel:\n    f: 'ΣΟΦΙΑ'\ncondition: sel"],
    ['OR with an unknown side', "sel:\n    - f: abc\n    - g|re: 'x'\ncondition: sel"],
    ['value list with a wildcard-only value', "sel:\n    f:\n        - abc\n        - '*'\ncondition: sel"],
    ['windash of dashes only', "sel:\n    f|windash: '-/'\ncondition: sel"],
    ['1 of with an unknown side', "a:\n    f: abc\nb:\n    g|exists: true\ncondition: 1 of them"],
  ];
  for (const [what, det] of none) assert.equal(w(det), null, what);
});

test('witnesses: numbers give their written and printed forms', () => {
  assert.deepEqual(sorted(w('sel:\n    responseStatus.code:\n        - 401\n        - 403\ncondition: sel')), ['401', '403']);
  assert.deepEqual(sorted(w('sel:\n    f: 0x17\ncondition: sel')), ['0x17', '23']);
});

test('witnesses: encodings give the encoded text, windash and non-ASCII split the literal', () => {
  assert.deepEqual(w("sel:\n    f|base64: 'abc'\ncondition: sel"), ['ywjj']);
  assert.equal(w("sel:\n    f|base64offset|contains: 'kubectl'\ncondition: sel")!.length, 3);
  assert.deepEqual(w("sel:\n    f|windash|contains: ' -encodedcommand'\ncondition: sel"), ['encodedcommand']);
  assert.deepEqual(w("sel:\n    f: 'ÄBCdef'\ncondition: sel"), ['bcdef']);
  assert.deepEqual(sorted(w("sel:\n    f|expand: '%admins%'\ncondition: sel", { placeholders: { admins: ['root', 'admin-*'] } })), ['admin-', 'root']);
});

test('witnesses: keywords give their literals', () => {
  assert.deepEqual(sorted(w("kw:\n    - 'mimikatz'\n    - 'token*steals'\ncondition: kw")), ['mimikatz', 'steals']);
});

// ---- randomized soundness: whatever the rule, a matching event holds a witness --------------

test('witnesses are sound on thousands of random rules and events', () => {
  const rnd = prng(20250301);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const chars = ['a', 'b', 'A', 'B', '-', '/', '4', '0', '1', 'Ä', 'ä', '\u212A', 'k', '*', '?'];
  const str = (max: number): string => Array.from({ length: Math.floor(rnd() * max) }, () => pick(chars)).join('');
  const ruleValues = [() => `'${str(4).replace(/'/g, "''")}'`, () => pick(['401', '4', '0x1', '1.0', 'true', 'null', "'401'", "'*'", "'a*b'", "'ab'", "'\\*a'"])];
  const mods = ['', '|contains', '|startswith', '|endswith', '|cased', '|contains|cased', '|windash', '|windash|contains', '|neq', '|exists', '|re', '|base64|contains', '|contains|all'];
  const fields = ['f', 'g', 'h.x'];
  const eventValue = (): unknown =>
    pick<() => unknown>([() => str(6), () => pick([401, 4, 1, 0, 4010, 1.5, 23]), () => pick([true, false, null]), () => [str(4), str(4)], () => ({ x: str(4) }), () => 'ab'])();
  let matched = 0;
  let withWitness = 0;
  for (let i = 0; i < 400; i++) {
    const selections: string[] = [];
    const nsel = 1 + Math.floor(rnd() * 3);
    for (let s = 0; s < nsel; s++) {
      let body = `sel${s}:\n`;
      const nitems = 1 + Math.floor(rnd() * 2);
      for (let k = 0; k < nitems; k++) {
        const mod = pick(mods);
        const field = fields[k]!;
        let value: string;
        if (mod === '|exists') value = pick(['true', 'false']);
        else if (mod === '|re') value = pick(["'a'", "'^4'", "'b$'"]);
        else if (mod === '|contains|all') value = `\n        - ${pick(ruleValues)()}\n        - ${pick(ruleValues)()}`;
        else if (mod === '|neq') value = pick(["'ab'", '401']);
        else if (mod === '|base64|contains') value = pick(["'ab'", "'a-b'"]);
        else value = pick(ruleValues)();
        if (value === 'null' && mod !== '') value = "'x'";
        if (['true', 'null', '401', '4', '0x1', '1.0'].includes(value) && mod !== '' && mod !== '|neq' && mod !== '|exists') value = `'${value}'`;
        body += `    ${field}${mod}: ${value}\n`;
      }
      selections.push(body);
    }
    const names = selections.map((_, s) => `sel${s}`);
    const cond = pick<() => string>([
      () => names.join(' and '),
      () => names.join(' or '),
      () => `${names[0]} and not ${names[names.length - 1]}`,
      () => `not ${names[0]}`,
      () => '1 of sel*',
      () => 'all of them',
      () => `(${names.join(' or ')}) and ${names[0]}`,
    ])();
    const text = ruleText(`${selections.join('')}condition: ${cond}`);
    const res = parseSigmaText(text, `fuzz${i}.yml`);
    if (res.rules.length !== 1) continue; // some random combinations are invalid Sigma; errors are tested elsewhere
    const r = res.rules[0]!;
    const ws = witnesses(r);
    if (ws !== null) withWitness++;
    for (let e = 0; e < 60; e++) {
      const o: Record<string, unknown> = {};
      if (rnd() < 0.8) o.f = eventValue();
      if (rnd() < 0.8) o.g = eventValue();
      if (rnd() < 0.5) o.h = rnd() < 0.5 ? { x: eventValue() } : [{ x: eventValue() }, { x: eventValue() }];
      if (rnd() < 0.2) o.f = Buffer.from(pick(['ab', 'a-b', 'xab', 'a/b'])).toString('base64');
      const event = ev(o) as AuditEvent;
      if (r.match(event)) {
        matched++;
        assert.equal(witnessHolds(ws, event), true, `rule:\n${text}\nwitnesses ${JSON.stringify(ws)}\nevent ${JSON.stringify(event)}`);
      }
    }
  }
  // the run must actually exercise matches with witnesses, or it proves nothing
  assert.ok(matched > 500, `matched ${matched}`);
  assert.ok(withWitness > 100, `rules with witnesses ${withWitness}`);
});

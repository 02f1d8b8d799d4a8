import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCondition } from '../../src/sigma/condition.js';
import { errors, ev, expectMatches, rule } from './helpers.js';

/** Three independent selections on fields a, b, c; an event sets the ones given. */
const abc = `
a:
    a: 1
b:
    b: 1
c:
    c: 1
`;
const with_ = (...names: string[]) => ev(Object.fromEntries(names.map((n) => [n, 1])));

// spec: sigma-rules-specification.md §Condition (Logical AND/OR, Negation, Brackets)
test('and / or / not / brackets (spec §Condition)', () => {
  expectMatches(rule(`${abc}condition: a and b`), [
    [with_('a', 'b'), true],
    [with_('a'), false],
  ]);
  expectMatches(rule(`${abc}condition: a or b`), [
    [with_('b'), true],
    [with_('c'), false],
  ]);
  expectMatches(rule(`${abc}condition: a and not b`), [
    [with_('a'), true],
    [with_('a', 'b'), false],
  ]);
  expectMatches(rule(`${abc}condition: a and (b or c)`), [
    [with_('a', 'c'), true],
    [with_('a'), false],
    [with_('b', 'c'), false],
  ]);
});

test('precedence: or < and < not (spec §Condition, Operator Precedence)', () => {
  // a or b and c  ==  a or (b and c)
  expectMatches(rule(`${abc}condition: a or b and c`), [
    [with_('a'), true],
    [with_('b'), false],
    [with_('b', 'c'), true],
  ]);
  // not a and b  ==  (not a) and b
  expectMatches(rule(`${abc}condition: not a and b`), [
    [with_('b'), true],
    [with_(), false],
    [with_('a', 'b'), false],
  ]);
  // not a or b  ==  (not a) or b
  expectMatches(rule(`${abc}condition: not a or b`), [
    [with_(), true],
    [with_('a'), false],
    [with_('a', 'b'), true],
  ]);
  // brackets override
  expectMatches(rule(`${abc}condition: (a or b) and c`), [
    [with_('a'), false],
    [with_('a', 'c'), true],
  ]);
  expectMatches(rule(`${abc}condition: not (a or b)`), [
    [with_(), true],
    [with_('b'), false],
  ]);
});

test('precedence: x of binds tighter than not (spec §Condition, Operator Precedence)', () => {
  const r = rule(`
selection:
    verb: create
filter_a:
    user.username: alice
filter_b:
    user.username: bob
condition: selection and not 1 of filter_*`);
  expectMatches(r, [
    [ev({ verb: 'create', user: { username: 'carol' } }), true],
    [ev({ verb: 'create', user: { username: 'bob' } }), false],
    [ev({ verb: 'create', user: { username: 'alice' } }), false],
  ]);
});

test('parser builds the tree the precedence rules say', () => {
  assert.deepEqual(strip(parseCondition('a or b and not c')), {
    t: 'or',
    args: [{ t: 'id', name: 'a' }, { t: 'and', args: [{ t: 'id', name: 'b' }, { t: 'not', arg: { t: 'id', name: 'c' } }] }],
  });
  assert.deepEqual(strip(parseCondition('not 1 of sel* and all of them')), {
    t: 'and',
    args: [{ t: 'not', arg: { t: 'of', quant: 'one', them: false, pattern: 'sel*' } }, { t: 'of', quant: 'all', them: true, pattern: 'them' }],
  });
  assert.deepEqual(strip(parseCondition('A AND NOT B')), { t: 'and', args: [{ t: 'id', name: 'A' }, { t: 'not', arg: { t: 'id', name: 'B' } }] });
});

function strip(n: unknown): unknown {
  if (Array.isArray(n)) return n.map(strip);
  if (n && typeof n === 'object') return Object.fromEntries(Object.entries(n).filter(([k]) => k !== 'at').map(([k, v]) => [k, strip(v)]));
  return n;
}

// spec: sigma-rules-specification.md §Condition (1/all of search-identifier-pattern, 1/all of them)
test('1 of PATTERN and all of PATTERN (spec §Condition, 1/all of search-identifier-pattern)', () => {
  const d = `
selection_a:
    a: 1
selection_b:
    b: 1
other:
    c: 1
`;
  expectMatches(rule(`${d}condition: 1 of selection_*`), [
    [with_('b'), true],
    [with_('c'), false],
  ]);
  expectMatches(rule(`${d}condition: all of selection_*`), [
    [with_('a', 'b'), true],
    [with_('a', 'c'), false],
  ]);
  expectMatches(rule(`${d}condition: 1 of *_b`), [
    [with_('b'), true],
    [with_('a'), false],
  ]);
});

test('1 of them / all of them leave out identifiers starting with _ (spec §Condition, 1/all of them)', () => {
  const d = `
sel1:
    a: 1
sel2:
    b: 1
_hidden:
    c: 1
`;
  expectMatches(rule(`${d}condition: 1 of them`), [
    [with_('a'), true],
    [with_('c'), false],
  ]);
  expectMatches(rule(`${d}condition: all of them`), [
    [with_('a', 'b'), true],
    [with_('a'), false],
  ]);
  // Named explicitly, an underscore identifier is usable.
  expectMatches(rule(`${d}condition: sel1 and _hidden`), [
    [with_('a', 'c'), true],
    [with_('a'), false],
  ]);
  expectMatches(rule(`${d}condition: 1 of _h*`), [[with_('c'), true]]);
});

test('a list of conditions is OR-ed (spec §Condition: "The condition can be a list")', () => {
  const r = rule(`${abc}condition:
    - a and b
    - c`);
  expectMatches(r, [
    [with_('a', 'b'), true],
    [with_('c'), true],
    [with_('a'), false],
  ]);
});

test('undefined identifier: error naming it, with the line and column inside the condition', () => {
  const errs = errors(`${abc}condition: a and nope`);
  assert.equal(errs.length, 1);
  assert.match(errs[0]!.message, /undefined search identifier 'nope'/);
  // line 13: 'condition:' follows 6 lines of selections starting at line 7; column 5 + 'condition: '.length + 'a and '.length
  assert.deepEqual([errs[0]!.line, errs[0]!.column], [13, 5 + 11 + 6]);
});

test('a pattern that matches nothing is an error', () => {
  assert.match(errors(`${abc}condition: 1 of filter*`)[0]!.message, /pattern 'filter\*' matches no search identifier/);
});

test('syntax errors: what Sigma 2.1 does not define is rejected with the offending column', () => {
  const cases: [string, RegExp][] = [
    ['a and', /ends where an identifier/],
    ['(a or b', /missing '\)'/],
    ['a or b)', /unexpected '\)'/],
    ['a b', /expected 'and', 'or' or the end/],
    ['any of sel*', /'any of' is not part of the Sigma 2.1 condition grammar/],
    ['2 of a*', /only '1 of' and 'all of'/],
    ['a | count() > 5', /aggregation expressions/],
    ['a near b', /expected 'and', 'or'/],
    ['near b', /'near' was removed/],
    ['a*', /only allowed after '1 of' or 'all of'/],
    ['1 of (a)', /must be followed by 'them' or a search-identifier pattern/],
    ['', /the condition is empty/],
  ];
  for (const [cond, msg] of cases) {
    const errs = errors(`${abc}condition: '${cond}'`);
    assert.match(errs[0]!.message, msg, cond);
    assert.equal(errs[0]!.line, 13, cond);
  }
});

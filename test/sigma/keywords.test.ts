import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errors, ev, expectMatches, rule } from './helpers.js';

// spec: sigma-rules-specification.md §Keywords search, §Lists
test('a list of keywords is OR, searched in every string value anywhere in the event (spec §Keywords search)', () => {
  const r = rule(`
keywords:
    - 'event::clear'
    - 'svchost.exe -n evil'
condition: keywords`);
  expectMatches(r, [
    [ev({ requestObject: { spec: { containers: [{ args: ['x', 'run EVENT::CLEAR now'] }] } } }), true],
    [ev({ annotations: { note: 'SVCHOST.EXE -n evil' } }), true],
    [ev({ userAgent: 'event:clear' }), false],
    // keys are not values
    [ev({ 'event::clear': 'x' }), false],
  ]);
});

test('a single keyword may be written as a plain string', () => {
  const r = rule(`
kw: 'mimikatz'
condition: kw`);
  expectMatches(r, [
    [ev({ requestURI: '/x?cmd=Mimikatz.exe' }), true],
    [ev({ requestURI: '/x?cmd=mimi' }), false],
  ]);
});

test("keywords with '|all' must all be found (spec §Keywords search: '|all' gives AND)", () => {
  const r = rule(`
keywords_cmdlet:
    '|all':
        - 'OabVirtualDirectory'
        - ' -ExternalUrl '
condition: keywords_cmdlet`);
  expectMatches(r, [
    [ev({ a: 'Set-OabVirtualDirectory', b: ['x', 'y -externalurl z'] }), true],
    [ev({ a: 'Set-OabVirtualDirectory -InternalUrl x' }), false],
  ]);
});

test('keywords keep wildcard semantics and escaping', () => {
  const r = rule(String.raw`
kw:
    - 'token*secret'
    - 'a\*b'
condition: kw`);
  expectMatches(r, [
    [ev({ m: 'my TOKEN is a Secret' }), true],
    [ev({ m: 'x a*b y' }), true],
    [ev({ m: 'x axb y' }), false],
    [ev({ m: 'secret token' }), false],
  ]);
});

test('a numeric keyword is searched as text in string values only', () => {
  const r = rule(`
kw:
    - 4242
condition: kw`);
  expectMatches(r, [
    [ev({ requestURI: '/port/4242/x' }), true],
    [ev({ responseStatus: { code: 4242 } }), false],
  ]);
});

test('keywords combine with field selections and in a list with maps (spec §Lists)', () => {
  const r = rule(`
sel:
    verb: create
kw:
    - 'xmrig'
mixed:
    - verb: delete
    - 'cryptominer'
condition: (sel and kw) or mixed`);
  expectMatches(r, [
    [ev({ verb: 'create', requestObject: { image: 'xmrig:latest' } }), true],
    [ev({ verb: 'create', requestObject: { image: 'nginx' } }), false],
    [ev({ verb: 'delete' }), true],
    [ev({ verb: 'get', userAgent: 'CryptoMiner/1.0' }), true],
  ]);
});

test('keyword modifiers: re and cased apply; field-only modifiers are errors', () => {
  const r = rule(`
kw:
    '|re': 'mimi[k]atz'
kw2:
    '|cased': 'Secret'
condition: kw or kw2`);
  expectMatches(r, [
    [ev({ a: 'xmimikatz' }), true],
    [ev({ a: 'xMIMIKATZ' }), false],
    [ev({ b: 'a Secret' }), true],
    [ev({ b: 'a secret' }), false],
  ]);
  assert.match(errors("kw:\n    '|startswith': 'x'\ncondition: kw")[0]!.message, /cannot be used on a keyword search/);
  assert.match(errors('kw: null\ncondition: kw')[0]!.message, /must be a map, a list, or a keyword string/);
});

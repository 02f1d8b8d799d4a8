/** The engine's building blocks on their own: pattern matcher, escaping, IP parsing, Base64 offsets, dates. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePattern, parseWildcard, showPattern, wrapStars } from '../../src/sigma/values.js';
import type { PatTok } from '../../src/sigma/values.js';
import { inNetwork, parseNetwork } from '../../src/sigma/ip.js';
import { base64Offsets, windashClasses, windashPermutations } from '../../src/sigma/transforms.js';
import { isoWeek, timePart } from '../../src/sigma/timeparts.js';
import { identifierMatches } from '../../src/sigma/condition.js';
import { parseKey } from '../../src/sigma/modifiers.js';

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

// spec: sigma-rules-specification.md §Escape Character
test('parseWildcard follows the escaping table of the spec (§Escape Character)', () => {
  const show = (raw: string) => parseWildcard(raw).map((t) => (t.k === 'lit' ? `L(${t.s})` : t.k));
  assert.deepEqual(show('a*b?c'), ['L(a)', 'star', 'L(b)', 'one', 'L(c)']);
  assert.deepEqual(show('a\\*b'), ['L(a*b)']);
  assert.deepEqual(show('a\\?'), ['L(a?)']);
  assert.deepEqual(show('a\\\\*'), ['L(a\\)', 'star']);
  assert.deepEqual(show('a\\\\\\*'), ['L(a\\*)']);
  assert.deepEqual(show('a\\\\\\\\'), ['L(a\\\\)']);
  assert.deepEqual(show('a\\\\\\b'), ['L(a\\\\b)'], 'three backslashes before a plain character are two');
  assert.deepEqual(show('C:\\Windows'), ['L(C:\\Windows)']);
  assert.deepEqual(show('end\\'), ['L(end\\)']);
  assert.deepEqual(show('**a**'), ['star', 'L(a)', 'star'], 'runs of stars are one star');
  assert.equal(showPattern(parseWildcard('a\\*b*')), 'a\\*b*');
});

test('compilePattern agrees with a regular-expression reference on random patterns and strings', () => {
  const rnd = prng(7);
  const alphabet = ['a', 'b', 'A', '-', '/', '\u2013'];
  const rand = (n: number) => Array.from({ length: Math.floor(rnd() * n) }, () => alphabet[Math.floor(rnd() * alphabet.length)]!).join('');
  const toRegex = (toks: PatTok[]): RegExp =>
    new RegExp(
      '^' +
        toks
          .map((t) =>
            t.k === 'star' ? '.*' : t.k === 'one' ? '.' : t.k === 'cls' ? `[${t.chars.replace(/[-\\/\]]/g, '\\$&')}]` : t.s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'),
          )
          .join('') +
        '$',
      'is',
    );
  let checked = 0;
  for (let i = 0; i < 3000; i++) {
    const raw = Array.from({ length: Math.floor(rnd() * 6) }, () => (rnd() < 0.25 ? '*' : rnd() < 0.15 ? '?' : rand(3))).join('');
    let toks = parseWildcard(raw);
    if (rnd() < 0.3) toks = windashClasses(toks);
    if (rnd() < 0.3) toks = wrapStars(toks, rnd() < 0.5, rnd() < 0.5);
    const m = compilePattern(toks, false).test;
    const cased = compilePattern(toks, true).test;
    const ref = toRegex(toks);
    const refCased = new RegExp(ref.source, 's');
    for (let j = 0; j < 20; j++) {
      const s = rand(9);
      assert.equal(m(s), ref.test(s), `pattern ${showPattern(toks)} on '${s}'`);
      assert.equal(cased(s), refCased.test(s), `cased pattern ${showPattern(toks)} on '${s}'`);
      checked++;
    }
  }
  assert.equal(checked, 60000);
});

test('windash permutations: all combinations of the five dashes, bounded', () => {
  assert.deepEqual(windashPermutations('a-b'), ['a-b', 'a/b', 'a\u2013b', 'a\u2014b', 'a\u2015b']);
  assert.equal(windashPermutations('-x-')!.length, 25);
  assert.equal(windashPermutations('------'), undefined);
});

// spec: sigma-appendix-modifiers.md §Encoding (base64offset)
test('base64Offsets: one fragment per byte shift, each found inside the encoding of any text around the value', () => {
  const rnd = prng(11);
  for (let i = 0; i < 300; i++) {
    // at least two bytes: a single byte has no character of its own at every offset (the compiler rejects it)
    const value = Buffer.from(Array.from({ length: 2 + Math.floor(rnd() * 12) }, () => Math.floor(rnd() * 256)));
    const frags = base64Offsets(value);
    assert.equal(frags.length, 3);
    for (let pre = 0; pre < 6; pre++) {
      for (let post = 0; post < 4; post++) {
        const whole = Buffer.concat([Buffer.alloc(pre, 0x41 + pre), value, Buffer.alloc(post, 0x7a)]).toString('base64');
        assert.ok(
          frags.some((f) => whole.includes(f)),
          `value ${value.toString('hex')} pre ${pre} post ${post}`,
        );
      }
    }
  }
  // the well-known three forms of "http"
  assert.deepEqual(base64Offsets(Buffer.from('http')), ['aHR0c', 'h0dH', 'odHRw']);
});

// spec: sigma-appendix-modifiers.md §IP Modifiers
test('IP parsing: strict IPv4, full IPv6 syntax, prefixes', () => {
  const n = (s: string) => parseNetwork(s)!;
  assert.equal(parseNetwork('10.0.0.0/33'), undefined);
  assert.equal(parseNetwork('10.0.0/8'), undefined);
  assert.equal(parseNetwork('010.0.0.1'), undefined);
  assert.equal(parseNetwork('1::2::3'), undefined);
  assert.equal(parseNetwork('::/129'), undefined);
  assert.equal(parseNetwork('10.0.0.1/8')!.bytes.join('.'), '10.0.0.0', 'host bits cleared');
  assert.equal(inNetwork('10.255.255.255', n('10.0.0.0/8')), true);
  assert.equal(inNetwork('11.0.0.0', n('10.0.0.0/8')), false);
  assert.equal(inNetwork('192.168.1.5', n('192.168.1.4/30')), true);
  assert.equal(inNetwork('192.168.1.8', n('192.168.1.4/30')), false);
  assert.equal(inNetwork('1.2.3.4', n('0.0.0.0/0')), true);
  assert.equal(inNetwork('10.0.0.1', n('10.0.0.1')), true);
  assert.equal(inNetwork('::1', n('::1/128')), true);
  assert.equal(inNetwork('0:0:0:0:0:0:0:1', n('::1/128')), true);
  assert.equal(inNetwork('2001:db8::8a2e:370:7334', n('2001:db8::/32')), true);
  assert.equal(inNetwork('2001:db9::1', n('2001:db8::/32')), false);
  assert.equal(inNetwork('fe80::1%eth0', n('fe80::/10')), true);
  assert.equal(inNetwork('::ffff:192.168.0.1', n('192.168.0.0/16')), true);
  assert.equal(inNetwork('::fffe:192.168.0.1', n('192.168.0.0/16')), false);
  assert.equal(inNetwork('10.0.0.1', n('::ffff:0:0/96')), false, 'an IPv4 address is not matched by an IPv6 network');
  for (const bad of ['', '10.0.0.256', '1.2.3.4.5', 'fe80::g', ':::', '1:2:3:4:5:6:7:8:9', 'a', 42, null]) {
    assert.equal(inNetwork(bad, n('0.0.0.0/0')) || inNetwork(bad, n('::/0')), false, String(bad));
  }
});

// spec: sigma-appendix-modifiers.md §Time Modifiers
test('time parts and ISO weeks', () => {
  assert.equal(isoWeek(2024, 1, 1), 1);
  assert.equal(isoWeek(2021, 1, 3), 53, '2021-01-03 belongs to week 53 of 2020');
  assert.equal(isoWeek(2020, 12, 31), 53);
  assert.equal(isoWeek(2019, 12, 30), 1, '2019-12-30 belongs to week 1 of 2020');
  assert.equal(isoWeek(2025, 3, 1), 9);
  assert.equal(timePart('2025-03-01 07:08:09', 'minute'), 8);
  assert.equal(timePart('2025-03-01', 'hour'), undefined);
  assert.equal(timePart('2025-13-01', 'month'), undefined);
  assert.equal(timePart(1740812889, 'year'), undefined);
});

test('condition identifier patterns: * is any run, anchored at both ends', () => {
  assert.equal(identifierMatches('selection_*', 'selection_a'), true);
  assert.equal(identifierMatches('selection_*', 'xselection_a'), false);
  assert.equal(identifierMatches('*_filter', 'main_filter'), true);
  assert.equal(identifierMatches('a*b*c', 'abc'), true);
  assert.equal(identifierMatches('a*b*c', 'acb'), false);
  assert.equal(identifierMatches('sel', 'sel'), true);
});

test('modifier keys: field and modifiers split at |, sub-modifiers collected', () => {
  const k = parseKey('requestURI|re|i|m', undefined, false);
  assert.equal(k.field, 'requestURI');
  assert.deepEqual(k.mods.re, { flags: 'im' });
  const w = parseKey('f|wide|base64offset|contains', undefined, false);
  assert.deepEqual(w.mods.transforms, ['utf16le', 'base64offset']);
  assert.equal(w.mods.shape, 'contains');
  assert.equal(parseKey('|all', undefined, false).field, '');
});

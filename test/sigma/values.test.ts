import { test } from 'node:test';
import { ev, expectMatches, rule } from './helpers.js';

// spec: sigma-rules-specification.md §Escape Character
test('escaping: \\* is a literal star, not a wildcard (spec §Escape Character)', () => {
  const r = rule(String.raw`
sel:
    f: 'a\*b'
condition: sel`);
  expectMatches(r, [
    [ev({ f: 'a*b' }), true],
    [ev({ f: 'axb' }), false],
    [ev({ f: 'ab' }), false],
  ]);
});

test('escaping: \\\\* is a backslash followed by a wildcard (spec §Escape Character)', () => {
  const r = rule(String.raw`
sel:
    f: 'a\\*'
condition: sel`);
  expectMatches(r, [
    [ev({ f: 'a\\' }), true],
    [ev({ f: 'a\\anything' }), true],
    [ev({ f: 'a' }), false],
    [ev({ f: 'ab' }), false],
  ]);
});

test('escaping: \\\\\\* is a backslash and a literal star (spec §Escape Character, three backslashes)', () => {
  const r = rule(String.raw`
sel:
    f: 'a\\\*'
condition: sel`);
  expectMatches(r, [
    [ev({ f: 'a\\*' }), true],
    [ev({ f: 'a\\x' }), false],
    [ev({ f: 'a\\' }), false],
  ]);
});

test('escaping: four backslashes are two plain backslashes (spec §Escape Character)', () => {
  const r = rule(String.raw`
sel:
    f: 'a\\\\b'
condition: sel`);
  expectMatches(r, [
    [ev({ f: 'a\\\\b' }), true],
    [ev({ f: 'a\\b' }), false],
  ]);
});

test('escaping: a backslash before anything else, and a trailing backslash, are plain (spec §Escape Character)', () => {
  const r = rule(String.raw`
sel1:
    f: 'C:\Windows\x'
sel2:
    g: 'C:\'
sel3:
    h: 'C:\\Windows'
condition: sel1 or sel2 or sel3`);
  expectMatches(r, [
    [ev({ f: 'C:\\Windows\\x' }), true],
    [ev({ f: 'C:Windowsx' }), false],
    [ev({ g: 'c:\\' }), true],
    [ev({ g: 'C:' }), false],
    [ev({ h: 'C:\\Windows' }), true],
    [ev({ h: 'C:\\\\Windows' }), false],
  ]);
});

test('wildcards: ? is exactly one character, \\? a literal question mark (spec §String Wildcard)', () => {
  const r = rule(String.raw`
sel1:
    f: 'prog?.exe'
sel2:
    g: 'what\?'
condition: sel1 or sel2`);
  expectMatches(r, [
    [ev({ f: 'progA.exe' }), true],
    [ev({ f: 'prog.exe' }), false],
    [ev({ f: 'progAB.exe' }), false],
    [ev({ g: 'what?' }), true],
    [ev({ g: 'whatx' }), false],
  ]);
});

test('wildcards: * anywhere, in order (spec §String Wildcard)', () => {
  const r = rule(`
sel:
    f: 'antivirus_V*.exe'
    g: 'a*b*c'
condition: sel`);
  expectMatches(r, [
    [ev({ f: 'antivirus_V21.2.1.exe', g: 'aXbYc' }), true],
    [ev({ f: 'antivirus_V.exe', g: 'abc' }), true],
    [ev({ f: 'antivirus_V1.exe', g: 'acb' }), false],
    [ev({ f: 'antivirus_V1.exec', g: 'abc' }), false],
    [ev({ f: 'xantivirus_V1.exe', g: 'abc' }), false],
  ]);
});

test('wildcards: overlapping segments are found (glob is not fooled by a first near-occurrence)', () => {
  const r = rule(`
sel:
    f: '*aab*b?'
condition: sel`);
  expectMatches(r, [
    [ev({ f: 'aaab-bx' }), true],
    [ev({ f: 'aab-b' }), false],
    [ev({ f: 'aabbx' }), true],
  ]);
});

// spec: sigma-rules-specification.md §General ("All values are treated as case-insensitive strings")
test('strings are case-insensitive by default; |cased makes them exact (spec §General, appendix §Generic Modifiers cased)', () => {
  const r = rule(`
sel1:
    objectRef.namespace: 'KUBE-System'
sel2:
    userAgent|cased: 'TruffleHog'
condition: sel1 or sel2`);
  expectMatches(r, [
    [ev({ objectRef: { namespace: 'kube-system' } }), true],
    [ev({ objectRef: { namespace: 'KUBE-SYSTEM' } }), true],
    [ev({ objectRef: { namespace: 'kube-system2' } }), false],
    [ev({ userAgent: 'TruffleHog' }), true],
    [ev({ userAgent: 'trufflehog' }), false],
  ]);
});

test('case folding covers non-ASCII letters but never folds a non-ASCII character into ASCII', () => {
  const r = rule(`
sel1:
    f: 'ÄRGER'
sel2:
    g: 'kube'
condition: sel1 or sel2`);
  expectMatches(r, [
    [ev({ f: 'ärger' }), true],
    [ev({ g: 'KUBE' }), true],
    // U+212A KELVIN SIGN lowercases to "k" in Unicode; treating it as "k" would let a homoglyph pass as ASCII.
    [ev({ g: '\u212Aube' }), false],
  ]);
});

// spec: sigma-rules-specification.md §Special Field Values
test('null matches an absent field or a JSON null, nothing else (spec §Special Field Values)', () => {
  const r = rule(`
sel:
    verb: get
filter:
    user.username: null
condition: sel and filter`);
  expectMatches(r, [
    [ev({ verb: 'get' }), true],
    [ev({ verb: 'get', user: {} }), true],
    [ev({ verb: 'get', user: { username: null } }), true],
    [ev({ verb: 'get', user: { username: '' } }), false],
    [ev({ verb: 'get', user: { username: 'alice' } }), false],
  ]);
});

test('not null is written as a negated null selection (spec §Special Field Values example)', () => {
  const r = rule(`
selection:
    verb: get
filter:
    user.username: null
condition: selection and not filter`);
  expectMatches(r, [
    [ev({ verb: 'get', user: { username: 'alice' } }), true],
    [ev({ verb: 'get', user: { username: '' } }), true],
    [ev({ verb: 'get' }), false],
  ]);
});

test("the empty string '' matches only an empty value (spec §Special Field Values)", () => {
  const r = rule(`
sel:
    f: ''
condition: sel`);
  expectMatches(r, [
    [ev({ f: '' }), true],
    [ev({ f: ' ' }), false],
    [ev({}), false],
    [ev({ f: null }), false],
  ]);
});

test('numbers: rule 401 matches event 401 and "401"; rule \'401\' matches event 401 (string forms compared)', () => {
  const r = rule(`
sel1:
    responseStatus.code: 401
sel2:
    responseStatus.reason: '403'
condition: sel1 or sel2`);
  expectMatches(r, [
    [ev({ responseStatus: { code: 401 } }), true],
    [ev({ responseStatus: { code: '401' } }), true],
    [ev({ responseStatus: { code: 4010 } }), false],
    [ev({ responseStatus: { code: '401.0' } }), false],
    [ev({ responseStatus: { code: 402 } }), false],
    [ev({ responseStatus: { reason: 403 } }), true],
    [ev({ responseStatus: { reason: '403' } }), true],
    [ev({ responseStatus: { reason: 403.5 } }), false],
  ]);
});

test('numbers: a YAML number keeps the text it was written as (0x17 matches 23 and "0x17"), floats compare by value', () => {
  const r = rule(`
sel1:
    f: 0x17
sel2:
    g: 1.50
condition: sel1 or sel2`);
  expectMatches(r, [
    [ev({ f: 23 }), true],
    [ev({ f: '0x17' }), true],
    [ev({ f: '23' }), true],
    [ev({ f: 17 }), false],
    [ev({ g: 1.5 }), true],
    [ev({ g: '1.50' }), true],
    [ev({ g: '1.5' }), true],
    [ev({ g: 1.51 }), false],
  ]);
});

test('numbers: string patterns see a number through its decimal form', () => {
  const r = rule(`
sel:
    responseStatus.code: '40?'
condition: sel`);
  expectMatches(r, [
    [ev({ responseStatus: { code: 403 } }), true],
    [ev({ responseStatus: { code: 500 } }), false],
    [ev({ responseStatus: { code: 4030 } }), false],
  ]);
});

test('booleans: true matches JSON true and the text "true"; the quoted string \'true\' does not match a JSON boolean', () => {
  const r = rule(`
sel1:
    a: true
sel2:
    b: 'true'
condition: sel1 or sel2`);
  expectMatches(r, [
    [ev({ a: true }), true],
    [ev({ a: 'TRUE' }), true],
    [ev({ a: false }), false],
    [ev({ a: 1 }), false],
    [ev({ b: 'true' }), true],
    [ev({ b: true }), false],
  ]);
});

// spec: sigma-rules-specification.md §Lists, §Maps; appendix §Generic Modifiers (all)
test('a value list is OR; |all makes it AND (spec §Lists, appendix all)', () => {
  const r1 = rule(`
sel:
    verb:
        - create
        - update
condition: sel`);
  expectMatches(r1, [
    [ev({ verb: 'create' }), true],
    [ev({ verb: 'update' }), true],
    [ev({ verb: 'delete' }), false],
  ]);
  const r2 = rule(`
sel:
    requestURI|contains|all:
        - 'command=sh'
        - 'stdin=true'
condition: sel`);
  expectMatches(r2, [
    [ev({ requestURI: '/exec?command=sh&stdin=true' }), true],
    [ev({ requestURI: '/exec?command=sh' }), false],
  ]);
});

test('a map is AND of its fields; a list of maps is OR (spec §Maps, §Lists)', () => {
  const r = rule(`
sel:
    - verb: create
      objectRef.resource: pods
    - verb: delete
      objectRef.resource: secrets
condition: sel`);
  expectMatches(r, [
    [ev({ verb: 'create', objectRef: { resource: 'pods' } }), true],
    [ev({ verb: 'delete', objectRef: { resource: 'secrets' } }), true],
    [ev({ verb: 'create', objectRef: { resource: 'secrets' } }), false],
    [ev({ verb: 'create' }), false],
  ]);
});

test('arrays in events: a field matches when any element matches (sourceIPs)', () => {
  const r = rule(`
sel:
    sourceIPs: '10.0.0.1'
condition: sel`);
  expectMatches(r, [
    [ev({ sourceIPs: ['192.168.1.1', '10.0.0.1'] }), true],
    [ev({ sourceIPs: ['10.0.0.1'] }), true],
    [ev({ sourceIPs: ['192.168.1.1', '10.0.0.10'] }), false],
    [ev({ sourceIPs: [] }), false],
  ]);
});

test('|all over an array field: each value must be found in some element', () => {
  const r = rule(`
sel:
    user.groups|all:
        - 'system:masters'
        - 'system:authenticated'
condition: sel`);
  expectMatches(r, [
    [ev({ user: { groups: ['system:authenticated', 'system:masters'] } }), true],
    [ev({ user: { groups: ['system:authenticated'] } }), false],
  ]);
});

test('nested arrays of objects: requestObject.spec.containers.image matches any container', () => {
  const r = rule(`
sel:
    requestObject.spec.containers.image|endswith: ':latest'
condition: sel`);
  expectMatches(r, [
    [ev({ requestObject: { spec: { containers: [{ image: 'nginx:1.25' }, { image: 'evil:LATEST' }] } } }), true],
    [ev({ requestObject: { spec: { containers: [{ image: 'nginx:1.25' }, { name: 'x' }] } } }), false],
    [ev({ requestObject: { spec: {} } }), false],
  ]);
});

test("a pattern of only '*' matches any present value, objects included, but not null or absent", () => {
  const r = rule(`
sel:
    requestObject.spec.volumes.hostPath: '*'
condition: sel`);
  expectMatches(r, [
    [ev({ requestObject: { spec: { volumes: [{ name: 'v', hostPath: { path: '/', type: '' } }] } } }), true],
    [ev({ requestObject: { spec: { volumes: [{ name: 'v', emptyDir: {} }] } } }), false],
    [ev({ requestObject: { spec: { volumes: [{ name: 'v', hostPath: null }] } } }), false],
  ]);
});

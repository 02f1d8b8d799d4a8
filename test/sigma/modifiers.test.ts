import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errors, ev, expectMatches, rule } from './helpers.js';

const b64 = (s: string, enc: BufferEncoding = 'utf8'): string => Buffer.from(s, enc).toString('base64');

// spec: sigma-appendix-modifiers.md §Generic Modifiers (contains, startswith, endswith)
test('contains puts wildcards around the value; inner wildcards still work (appendix §Generic Modifiers contains)', () => {
  const r = rule(`
sel:
    requestURI|contains: '/bin/*sh'
condition: sel`);
  expectMatches(r, [
    [ev({ requestURI: '/api/v1/exec?command=/BIN/bash&x' }), true],
    [ev({ requestURI: '/bin/sh' }), true],
    [ev({ requestURI: '/usr/bin/ls' }), false],
  ]);
});

test('startswith: the value at the beginning (appendix §Generic Modifiers startswith)', () => {
  const r = rule(`
sel:
    user.username|startswith: 'system:serviceaccount:'
condition: sel`);
  expectMatches(r, [
    [ev({ user: { username: 'system:serviceaccount:default:x' } }), true],
    [ev({ user: { username: 'System:ServiceAccount:kube-system:y' } }), true],
    [ev({ user: { username: 'xsystem:serviceaccount:default:x' } }), false],
    [ev({ user: { username: 'system:node:n1' } }), false],
  ]);
});

test('endswith: the value at the end (appendix §Generic Modifiers endswith)', () => {
  const r = rule(`
sel:
    objectRef.name|endswith: '-token'
condition: sel`);
  expectMatches(r, [
    [ev({ objectRef: { name: 'default-TOKEN' } }), true],
    [ev({ objectRef: { name: 'default-token-abc' } }), false],
  ]);
});

test('all: every value of the list must match (appendix §Generic Modifiers all)', () => {
  const r = rule(`
sel:
    userAgent|contains|all:
        - kubectl
        - linux
condition: sel`);
  expectMatches(r, [
    [ev({ userAgent: 'kubectl/v1.30.0 (linux/amd64)' }), true],
    [ev({ userAgent: 'kubectl/v1.30.0 (darwin/arm64)' }), false],
  ]);
});

test('all with a single value is rejected (appendix §Generic Modifiers all: "Single item values are not allowed")', () => {
  const errs = errors(`
sel:
    verb|all: get
condition: sel`);
  assert.match(errs[0]!.message, /'all' needs a list of at least two values/);
});

test('cased: exact case; without it case is ignored (appendix §Generic Modifiers cased)', () => {
  const r = rule(`
sel:
    userAgent|cased|contains: 'TruffleHog'
condition: sel`);
  expectMatches(r, [
    [ev({ userAgent: 'x TruffleHog y' }), true],
    [ev({ userAgent: 'x trufflehog y' }), false],
  ]);
});

test('exists: presence only, an empty string or null still exists (appendix §Generic Modifiers exists)', () => {
  const r = rule(`
sel:
    verb: get
    impersonatedUser|exists: true
condition: sel`);
  expectMatches(r, [
    [ev({ verb: 'get', impersonatedUser: { username: 'a' } }), true],
    [ev({ verb: 'get', impersonatedUser: null }), true],
    [ev({ verb: 'get', impersonatedUser: '' }), true],
    [ev({ verb: 'get' }), false],
  ]);
  const r2 = rule(`
sel:
    impersonatedUser|exists: false
condition: sel`);
  expectMatches(r2, [
    [ev({ verb: 'get' }), true],
    [ev({ impersonatedUser: null }), false],
  ]);
});

test('exists takes only a boolean (spec §Field Existence)', () => {
  const errs = errors(`
sel:
    f|exists: 'yes'
condition: sel`);
  assert.match(errs[0]!.message, /'exists' takes true or false/);
});

// spec: sigma-appendix-modifiers.md §Regular Expression
test('re: case-sensitive by default, unanchored search (appendix §Regular Expression)', () => {
  const r = rule(`
sel:
    requestURI|re: 'command=(sh|bash)&'
condition: sel`);
  expectMatches(r, [
    [ev({ requestURI: '/exec?command=bash&stdin=true' }), true],
    [ev({ requestURI: '/exec?command=BASH&stdin=true' }), false],
    [ev({ requestURI: '/exec?command=sh&stdin=true' }), true],
    [ev({ requestURI: '/exec?command=zsh&stdin=true' }), false],
  ]);
});

test('re|i: case-insensitive sub-modifier (appendix §Regular Expression sub-modifiers)', () => {
  const r = rule(`
sel:
    userAgent|re|i: '^kubectl/v1\\.'
condition: sel`);
  expectMatches(r, [
    [ev({ userAgent: 'KUBECTL/v1.29' }), true],
    [ev({ userAgent: 'xkubectl/v1.29' }), false],
  ]);
});

test('re|m: ^ and $ match at line boundaries; re|s: dot matches newline (appendix §Regular Expression sub-modifiers)', () => {
  const rm = rule(`
sel:
    f|re|m: '^second$'
condition: sel`);
  expectMatches(rm, [
    [ev({ f: 'first\nsecond\nthird' }), true],
    [ev({ f: 'first second' }), false],
  ]);
  const rNoM = rule(`
sel:
    f|re: '^second$'
condition: sel`);
  expectMatches(rNoM, [[ev({ f: 'first\nsecond\nthird' }), false]]);
  const rs = rule(`
sel:
    f|re|s: 'a.b'
condition: sel`);
  expectMatches(rs, [
    [ev({ f: 'a\nb' }), true],
    [ev({ f: 'ab' }), false],
  ]);
  const rNoS = rule(`
sel:
    f|re: 'a.b'
condition: sel`);
  expectMatches(rNoS, [[ev({ f: 'a\nb' }), false]]);
});

test('re: constructs the appendix lists as unsupported, and inline flags, are errors with their column', () => {
  for (const [re, msg] of [
    ['(?i)admin', /inline flags/],
    ['foo(?=bar)', /lookahead and lookbehind/],
    ['(?<!x)y', /lookahead and lookbehind/],
    ['(?>ab)', /atomic groups/],
    ['[[:digit:]]', /POSIX/],
    ['\\Aabc', /escape \\A/],
    ['a++', /possessive/],
  ] as const) {
    const errs = errors(`
sel:
    f|re: '${re}'
condition: sel`);
    assert.match(errs[0]!.message, msg, re);
    assert.equal(errs[0]!.line, 8, re);
  }
});

test('re: sub-modifier without re, and re with contains, are errors (appendix §Regular Expression)', () => {
  assert.match(errors('sel:\n    f|i: x\ncondition: sel')[0]!.message, /sub-modifier of 're'/);
  assert.match(errors('sel:\n    f|re|contains: x\ncondition: sel')[0]!.message, /'re' and 'contains' cannot be combined/);
  assert.match(errors('sel:\n    f|re|cased: x\ncondition: sel')[0]!.message, /'re' and 'cased' cannot be combined/);
});

// spec: sigma-appendix-modifiers.md §IP (Internet Protocol) Modifiers
test('cidr: IPv4 networks; values that are not addresses do not match (appendix §IP Modifiers)', () => {
  const r = rule(`
sel:
    sourceIPs|cidr: '10.0.0.0/8'
condition: sel`);
  expectMatches(r, [
    [ev({ sourceIPs: ['192.168.0.1', '10.20.30.40'] }), true],
    [ev({ sourceIPs: ['11.0.0.1'] }), false],
    [ev({ sourceIPs: ['not-an-ip', '10.0.0'] }), false],
    [ev({ sourceIPs: ['::ffff:10.1.2.3'] }), true],
    [ev({ sourceIPs: [167772161] }), false],
  ]);
});

test('cidr: IPv6 networks (appendix §IP Modifiers: both IPv4 and IPv6)', () => {
  const r = rule(`
sel:
    sourceIPs|cidr:
        - 'fd00::/8'
        - '2001:db8:abcd::/48'
condition: sel`);
  expectMatches(r, [
    [ev({ sourceIPs: ['fd12:3456::1'] }), true],
    [ev({ sourceIPs: ['2001:DB8:ABCD:12::1'] }), true],
    [ev({ sourceIPs: ['2001:db8:abce::1'] }), false],
    [ev({ sourceIPs: ['10.0.0.1'] }), false],
    [ev({ sourceIPs: ['fe80::1%eth0'] }), false],
  ]);
});

test('cidr: an invalid network, or a non-string value, is an error', () => {
  assert.match(errors("sel:\n    f|cidr: '10.0.0.0/33'\ncondition: sel")[0]!.message, /not an IPv4 or IPv6 network/);
  assert.match(errors('sel:\n    f|cidr: 10\ncondition: sel')[0]!.message, /'cidr' needs a string/);
  assert.match(errors("sel:\n    f|cidr|contains: '10.0.0.0/8'\ncondition: sel")[0]!.message, /'cidr' and 'contains' cannot be combined/);
});

// spec: sigma-appendix-modifiers.md §Numeric Modifiers
test('gt, gte, lt, lte compare numbers; numeric strings count, other values do not match (appendix §Numeric Modifiers)', () => {
  const mk = (op: string, n: number) => rule(`\nsel:\n    requestObject.spec.expirationSeconds|${op}: ${n}\ncondition: sel`);
  const e = (v: unknown) => ev({ requestObject: { spec: { expirationSeconds: v } } });
  expectMatches(mk('gt', 3600), [
    [e(3601), true],
    [e('7200'), true],
    [e(3600), false],
    [e('lots'), false],
    [e(null), false],
  ]);
  expectMatches(mk('gte', 3600), [
    [e(3600), true],
    [e(3599), false],
  ]);
  expectMatches(mk('lt', 600), [
    [e(599.5), true],
    [e(600), false],
  ]);
  expectMatches(mk('lte', 600), [
    [e('600'), true],
    [e(601), false],
  ]);
});

test('numeric modifiers need a number in the rule (appendix §Numeric Modifiers: "only numeric values")', () => {
  assert.match(errors("sel:\n    f|gt: '5'\ncondition: sel")[0]!.message, /'gt' needs a number/);
  assert.match(errors('sel:\n    f|gt|lt: 5\ncondition: sel')[0]!.message, /'gt' and 'lt' cannot be combined/);
});

// spec: sigma-appendix-modifiers.md §Time Modifiers
test('time modifiers take a number out of an ISO 8601 date as written (appendix §Time Modifiers)', () => {
  const ts = '2024-03-26T23:05:09.123456Z'; // a Tuesday, ISO week 13
  const cases: [string, number, number][] = [
    ['minute', 5, 6],
    ['hour', 23, 22],
    ['day', 26, 25],
    ['week', 13, 12],
    ['month', 3, 4],
    ['year', 2024, 2023],
  ];
  for (const [part, yes, no] of cases) {
    const r = rule(`\nsel:\n    requestReceivedTimestamp|${part}: ${yes}\ncondition: sel`);
    const r2 = rule(`\nsel:\n    requestReceivedTimestamp|${part}: ${no}\ncondition: sel`);
    assert.equal(r.match(ev({ requestReceivedTimestamp: ts })), true, part);
    assert.equal(r2.match(ev({ requestReceivedTimestamp: ts })), false, part);
    assert.equal(r.match(ev({ requestReceivedTimestamp: 'yesterday' })), false, part);
  }
});

test('a time part combines with a comparison: hour|gte (appendix §Time Modifiers + §Numeric Modifiers)', () => {
  const r = rule(`
night:
    requestReceivedTimestamp|hour|gte: 22
condition: night`);
  expectMatches(r, [
    [ev({ requestReceivedTimestamp: '2024-03-26T22:00:00Z' }), true],
    [ev({ requestReceivedTimestamp: '2024-03-26T21:59:59Z' }), false],
    [ev({ requestReceivedTimestamp: '2024-03-26' }), false],
  ]);
});

// spec: sigma-appendix-modifiers.md §Encoding
test('base64: the value is Base64-encoded; Base64 text is compared case-sensitively (appendix §Encoding base64)', () => {
  const r = rule(`
sel:
    f|base64: 'kubectl exec'
sel2:
    g|base64|contains: 'secret'
condition: sel or sel2`);
  expectMatches(r, [
    [ev({ f: b64('kubectl exec') }), true],
    [ev({ f: b64('kubectl exec').toLowerCase() }), false],
    [ev({ f: b64('kubectl exe') }), false],
    [ev({ g: `xx${b64('secret')}yy` }), true],
    [ev({ g: b64('Secret') }), false],
  ]);
});

test('base64offset|contains finds the value at any byte offset inside longer Base64 (appendix §Encoding base64offset)', () => {
  const r = rule(`
sel:
    f|base64offset|contains: '/bin/sh'
condition: sel`);
  for (const prefix of ['', 'a', 'ab', 'abc', 'abcd']) {
    for (const suffix of ['', 'x', 'xy', 'xyz']) {
      assert.equal(r.match(ev({ f: b64(`${prefix}/bin/sh${suffix}`) })), true, `${prefix}|${suffix}`);
      assert.equal(r.match(ev({ f: b64(`${prefix}/bin/zsh${suffix}`) })), false, `${prefix}|${suffix} near miss`);
    }
  }
});

test('base64offset without contains, and base64 with wildcards, are errors (appendix §Encoding)', () => {
  assert.match(errors("sel:\n    f|base64offset: 'abc'\ncondition: sel")[0]!.message, /'base64offset' needs 'contains'/);
  assert.match(errors("sel:\n    f|base64offset|contains: 'a'\ncondition: sel")[0]!.message, /at least two bytes/);
  assert.match(errors("sel:\n    f|base64: 'ab*'\ncondition: sel")[0]!.message, /cannot encode wildcards/);
  assert.match(errors("sel:\n    f|contains|base64: 'ab'\ncondition: sel")[0]!.message, /must come after the encoding modifiers/);
});

test('utf16le / wide, utf16be, utf16 (with BOM) encode before Base64 (appendix §Encoding sub-modifiers)', () => {
  const le = Buffer.from('cmd', 'utf16le');
  const be = Buffer.from([0, 0x63, 0, 0x6d, 0, 0x64]);
  const bom = Buffer.concat([Buffer.from([0xff, 0xfe]), le]);
  const r = rule(`
le:
    f|utf16le|base64: 'cmd'
wide:
    g|wide|base64: 'cmd'
be:
    h|utf16be|base64: 'cmd'
bom:
    i|utf16|base64: 'cmd'
condition: 1 of them`);
  expectMatches(r, [
    [ev({ f: le.toString('base64') }), true],
    [ev({ f: b64('cmd') }), false],
    [ev({ g: le.toString('base64') }), true],
    [ev({ h: be.toString('base64') }), true],
    [ev({ h: le.toString('base64') }), false],
    [ev({ i: bom.toString('base64') }), true],
    [ev({ i: le.toString('base64') }), false],
  ]);
});

test('utf16le|base64offset|contains finds UTF-16 text inside a longer encoded command (appendix §Encoding)', () => {
  const r = rule(`
sel:
    f|utf16le|base64offset|contains: 'Invoke-Mimikatz'
condition: sel`);
  for (const pre of ['', 'a', 'ab']) {
    assert.equal(r.match(ev({ f: Buffer.from(`${pre}IEX; Invoke-Mimikatz -x`, 'utf16le').toString('base64') })), true, pre);
  }
  assert.equal(r.match(ev({ f: Buffer.from('Invoke-Mimikatz', 'utf8').toString('base64') })), false);
});

test('an encoding not followed by base64 is an error (appendix §Encoding: sub-modifiers of base64)', () => {
  assert.match(errors("sel:\n    f|utf16le: 'cmd'\ncondition: sel")[0]!.message, /sub-modifier of base64/);
  assert.match(errors("sel:\n    f|base64|wide: 'cmd'\ncondition: sel")[0]!.message, /sub-modifier of base64/);
});

// spec: sigma-appendix-modifiers.md §String Modifiers (windash)
test('windash: -, /, en dash, em dash and horizontal bar stand for each other (appendix §String Modifiers windash)', () => {
  const r = rule(`
sel:
    f|windash|contains: ' -exec-policy'
condition: sel`);
  expectMatches(r, [
    [ev({ f: 'x -exec-policy' }), true],
    [ev({ f: 'x /exec/policy' }), true],
    [ev({ f: 'x \u2013exec\u2014policy' }), true],
    [ev({ f: 'x \u2015exec-policy' }), true],
    [ev({ f: 'x +exec-policy' }), false],
    [ev({ f: 'x exec-policy' }), false],
  ]);
});

test('windash and contains commute: |contains|windash means the same as |windash|contains', () => {
  const r = rule(`
sel:
    f|contains|windash: ' -enc '
condition: sel`);
  expectMatches(r, [
    [ev({ f: 'powershell /enc abc' }), true],
    [ev({ f: 'powershell +enc abc' }), false],
  ]);
});

test('string modifiers reject numbers (appendix §String Modifiers: "only ... string values")', () => {
  assert.match(errors('sel:\n    f|windash: 10\ncondition: sel')[0]!.message, /'windash' applies to strings only/);
  assert.match(errors('sel:\n    f|base64|contains: 10\ncondition: sel')[0]!.message, /'base64' applies to strings only/);
  assert.match(errors('sel:\n    f|re: 10\ncondition: sel')[0]!.message, /'re' needs a string/);
});

test('windash before base64 encodes every permutation', () => {
  const r = rule(`
sel:
    f|windash|base64: '-e'
condition: sel`);
  expectMatches(r, [
    [ev({ f: b64('-e') }), true],
    [ev({ f: b64('/e') }), true],
    [ev({ f: b64('\u2014e') }), true],
    [ev({ f: b64('+e') }), false],
  ]);
});

// spec: sigma-appendix-modifiers.md §Specific Modifiers (fieldref)
test('fieldref compares with another field of the same event (appendix §Specific Modifiers fieldref)', () => {
  const r = rule(`
sel:
    impersonatedUser.username|fieldref: user.username
condition: sel`);
  expectMatches(r, [
    [ev({ user: { username: 'Alice' }, impersonatedUser: { username: 'alice' } }), true],
    [ev({ user: { username: 'alice' }, impersonatedUser: { username: 'bob' } }), false],
    [ev({ user: { username: 'alice' } }), false],
    [ev({ impersonatedUser: { username: 'alice' } }), false],
  ]);
  const r2 = rule(`
sel:
    requestURI|fieldref|contains: objectRef.name
condition: sel`);
  expectMatches(r2, [
    [ev({ requestURI: '/api/v1/namespaces/d/secrets/TOP', objectRef: { name: 'top' } }), true],
    [ev({ requestURI: '/api/v1/namespaces/d/secrets', objectRef: { name: 'top' } }), false],
  ]);
});

// spec: sigma-rules-specification.md §Placeholders, appendix §Specific Modifiers (expand)
test('expand replaces %name% placeholders with the configured values (OR); without expand % is literal (spec §Placeholders)', () => {
  const placeholders = { Administrators: ['admin-*', 'root'] };
  const r = rule(
    `
sel:
    user.username|expand: '%Administrators%'
lit:
    userAgent: '%Administrators%'
condition: sel or lit`,
    { placeholders },
  );
  expectMatches(r, [
    [ev({ user: { username: 'admin-jane' } }), true],
    [ev({ user: { username: 'ROOT' } }), true],
    [ev({ user: { username: 'jane' } }), false],
    [ev({ userAgent: '%administrators%' }), true],
    [ev({ userAgent: 'root' }), false],
  ]);
});

test('expand: \\% is a plain percent; several placeholders combine (spec §Placeholders)', () => {
  const r = rule(
    String.raw`
sel:
    f|expand: '\%plain%sep%%host%'
condition: sel`,
    { placeholders: { sep: ['-', '_'], host: ['a', 'b'] } },
  );
  expectMatches(r, [
    [ev({ f: '%plain-a' }), true],
    [ev({ f: '%plain_b' }), true],
    [ev({ f: '%plain-c' }), false],
    [ev({ f: 'plain-a' }), false],
  ]);
  const r2 = rule("\nsel:\n    f|expand: '50% or 20%'\ncondition: sel", { placeholders: {} });
  expectMatches(r2, [
    [ev({ f: '50% OR 20%' }), true],
    [ev({ f: '50' }), false],
  ]);
});

test('expand: an unknown placeholder is an error (spec §Placeholders: a tool that cannot handle it must reject the rule)', () => {
  const errs = errors("sel:\n    f|expand: '%Servers%'\ncondition: sel", { placeholders: { Admins: ['x'] } });
  assert.match(errs[0]!.message, /unknown placeholder %Servers%/);
  assert.equal(errs[0]!.line, 8);
});

// spec: sigma-appendix-modifiers.md §Generic Modifiers (neq)
test('neq: the field has a value different from the given one, for strings and numbers (appendix §Generic Modifiers neq)', () => {
  const r = rule(`
sel:
    verb: create
    objectRef.namespace|neq: kube-system
condition: sel`);
  expectMatches(r, [
    [ev({ verb: 'create', objectRef: { namespace: 'default' } }), true],
    [ev({ verb: 'create', objectRef: { namespace: 'KUBE-SYSTEM' } }), false],
    [ev({ verb: 'create', objectRef: {} }), false],
  ]);
  const r2 = rule(`
sel:
    responseStatus.code|neq: 200
condition: sel`);
  expectMatches(r2, [
    [ev({ responseStatus: { code: 403 } }), true],
    [ev({ responseStatus: { code: 200 } }), false],
    [ev({ responseStatus: { code: '200' } }), false],
  ]);
  const r3 = rule(`
sel:
    verb|neq|all:
        - get
        - list
condition: sel`);
  expectMatches(r3, [
    [ev({ verb: 'watch' }), true],
    [ev({ verb: 'list' }), false],
  ]);
});

test('unknown modifier and invalid combinations are errors naming the modifier and its column', () => {
  const e1 = errors('sel:\n    verb|startwith: get\ncondition: sel')[0]!;
  assert.match(e1.message, /unknown modifier 'startwith'/);
  assert.deepEqual([e1.line, e1.column], [8, 14]);
  assert.match(errors('sel:\n    f|contains|startswith: x\ncondition: sel')[0]!.message, /'contains' and 'startswith' cannot be combined/);
  assert.match(errors('sel:\n    f|contains|contains: x\ncondition: sel')[0]!.message, /given twice/);
  assert.match(errors('sel:\n    f|exists|all:\n        - true\n        - false\ncondition: sel')[0]!.message, /'exists' and 'all' cannot be combined/);
  assert.match(errors('sel:\n    f|neq|contains: x\ncondition: sel')[0]!.message, /'neq' and 'contains' cannot be combined/);
  assert.match(errors('sel:\n    f|contains: null\ncondition: sel')[0]!.message, /null cannot be used with modifiers/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, isIpOrCidr, parseConfig, parseDuration } from '../../src/config/config.js';

test('a full configuration parses', () => {
  const c = parseConfig(`allow:
  users: ["ci-bot@example.com", "system:serviceaccount:argo:*"]
  source_ips: ["10.0.0.0/8", "2001:db8::1"]
rules:
  tokenrequest-non-system:
    window: 30m
    allow:
      user_agents: ["terraform-provider-kubernetes/*"]
  tokenrequest-denied:
    enabled: false
long_lived_seconds: 3600
cluster: prod-eu
`, 'tw.yaml');
  assert.deepEqual(c.allow?.users, ['ci-bot@example.com', 'system:serviceaccount:argo:*']);
  assert.equal(c.rules?.['tokenrequest-non-system']?.window, '30m');
  assert.equal(c.rules?.['tokenrequest-denied']?.enabled, false);
  assert.equal(c.long_lived_seconds, 3600);
  assert.equal(c.cluster, 'prod-eu');
});

test('mistakes are errors with file and line', () => {
  const cases: [string, RegExp][] = [
    ['allow:\n  users: ci-bot\n', /tw\.yaml:2: allow\.users must be a list of strings/],
    ['allow:\n  source_ips: ["10.0.0.0/33"]\n', /tw\.yaml:2: .*"10\.0\.0\.0\/33" is not an IP address or CIDR block/],
    ['rules:\n  x:\n    window: soon\n', /tw\.yaml:3: rules\.x\.window must be a duration/],
    ['rules:\n  x:\n    enabled: "no"\n', /tw\.yaml:3: rules\.x\.enabled must be true or false/],
    ['colour: red\n', /tw\.yaml:1: unknown key "colour"/],
    ['allow: [\n', /tw\.yaml:\d+: YAML error/],
  ];
  for (const [text, re] of cases) {
    assert.throws(() => parseConfig(text, 'tw.yaml'), (e: unknown) => e instanceof ConfigError && re.test(e.message), text);
  }
});

test('durations and addresses', () => {
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('2h'), 7_200_000);
  assert.equal(parseDuration('2 hours'), undefined);
  assert.ok(isIpOrCidr('192.0.2.1'));
  assert.ok(isIpOrCidr('fd00::/8'));
  assert.ok(!isIpOrCidr('300.1.1.1'));
  assert.ok(!isIpOrCidr('example.com'));
});

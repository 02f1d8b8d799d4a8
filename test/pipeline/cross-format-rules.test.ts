// The same TokenRequest attack, expressed in every format and wrapping that can
// carry it, fires tokenrequest-non-system and long-lived-token-created with
// the same facts. Each fixture file is scanned on its own (several files hold
// the same auditID, and one request is judged once per scan).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Alert } from '../../src/alerts/alert.js';
import { runScan } from '../../src/pipeline/scan.js';
import { loadRuleSet } from '../../src/ruleset/load.js';
import { ROOT } from '../helpers.js';

const rules = loadRuleSet({ builtin: true }).rules;
const dir = join(ROOT, 'test', 'fixtures', 'formats');
const WRAPPERS_WITHOUT_THE_ATTACK = new Set(['eks/control-message.json']);

const files = ['raw', 'eks', 'aks', 'ecs'].flatMap((f) => readdirSync(join(dir, f)).sort().map((n) => `${f}/${n}`)).filter((f) => !WRAPPERS_WITHOUT_THE_ATTACK.has(f));

const facts = (a: Alert) => ({
  rule: a.rule.id,
  user: a.context.user,
  target: `${a.context.namespace}/${a.context.name}`,
  client_ip: a.context.client_ip,
  code: a.context.response_code,
  verb: a.context.verb,
});

let reference: ReturnType<typeof facts>[] | undefined;

for (const f of files) {
  test(`attack in ${f} fires both seed rules with the same facts`, async () => {
    const alerts: Alert[] = [];
    const s = await runScan({ inputs: [{ name: join(dir, f) }], rules, onAlert: (a) => alerts.push(a) });
    const format = f.split('/')[0]!;
    assert.ok(s.by_format[format]! >= 1, `decoded as ${format}: ${JSON.stringify(s.by_format)}`);
    const got = alerts.filter((a) => a.rule.id === 'tokenrequest-non-system' || a.rule.id === 'long-lived-token-created').map(facts).sort((a, b) => a.rule.localeCompare(b.rule));
    assert.equal(got.length, 2, `${f}: ${JSON.stringify(alerts.map(facts))}`);
    for (const a of alerts) assert.equal(a.events[0]!.source.format, format);
    reference ??= got;
    assert.deepEqual(got, reference);
  });
}

test('the reference facts are the attack', () => {
  assert.ok(reference);
  assert.deepEqual(reference![0], { rule: 'long-lived-token-created', user: 'attacker@example.com', target: 'production/app-sa', client_ip: '203.0.113.42', code: 201, verb: 'create' });
});

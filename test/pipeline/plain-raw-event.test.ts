// The coverage report decodes a sample of the lines the prefilter skips. For
// the common line (one raw audit event) it takes plainRawEvent's short path
// instead of the picker's; wherever that path answers, it must give exactly
// the event decodeInto gives (without redaction: a skipped line holds nothing
// redaction would change), and it must decline everything else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { generateCluster } from '../../bench/generate/index.js';
import type { EventRecord } from '../../src/event/types.js';
import type { PickOptions } from '../../src/formats/picker.js';
import { decodeInto, newCounters, plainRawEvent } from '../../src/pipeline/evaluate.js';
import { CORPUS } from '../formats/helpers.js';

/** What decodeInto gives for the line, unredacted. */
function slow(text: string, opts: PickOptions = {}): EventRecord[] {
  const out: EventRecord[] = [];
  decodeInto({ text, place: { file: 'f', line: 0, offset: 0 } }, newCounters(), { event: (r) => out.push(r), reject: () => {} }, opts, false);
  return out;
}

/** plainRawEvent answers only where decodeInto gives one raw event, and then gives that event. */
function agrees(text: string, opts: PickOptions = {}): boolean {
  const fast = plainRawEvent(text, opts);
  if (fast === undefined) return false;
  const recs = slow(text, opts);
  assert.equal(recs.length, 1, `one event expected: ${text.slice(0, 80)}`);
  assert.equal(recs[0]!.source.format, 'raw');
  assert.deepEqual(fast, recs[0]!.event);
  return true;
}

test('plainRawEvent: the events decodeInto gives, for generated lines of every kind', () => {
  const lines = [...generateCluster({ events: 3000, seed: 3, secretLevel: 'RequestResponse' }).lines()];
  let answered = 0;
  for (const l of lines) if (agrees(l)) answered++;
  // the generator writes raw events only: every line is the short path's
  assert.equal(answered, lines.length);
});

test('plainRawEvent: the raw lines of the public corpus', { skip: existsSync(CORPUS) ? false : 'no corpus' }, () => {
  let answered = 0;
  let lines = 0;
  for (const d of readdirSync(CORPUS).sort()) {
    const dir = join(CORPUS, d);
    if (!statSync(dir).isDirectory()) continue;
    for (const f of readdirSync(dir).sort()) {
      if (!f.endsWith('.ndjson')) continue;
      for (const l of readFileSync(join(dir, f), 'utf8').split('\n')) {
        if (l.trim() === '') continue;
        lines++;
        if (agrees(l)) answered++;
      }
    }
  }
  // the corpus is mostly raw events (audit2rbac alone has 757), with ECS, EKS, AKS and GKE records the short path declines
  assert.ok(answered > 800 && answered < lines, `${answered} of ${lines}`);
});

test('plainRawEvent declines what the picker reads otherwise or rejects', () => {
  const ev = '{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a","stage":"ResponseComplete","requestURI":"/api","verb":"get","user":{"username":"u"}}';
  assert.ok(agrees(ev));
  const declined: [string, string, PickOptions?][] = [
    ['a byte-order mark', `\ufeff${ev}`],
    ['a timestamp prefix', `2026-03-02T08:00:00.000Z ${ev}`],
    ['two events on a line', `${ev}${ev}`],
    ['an array', `[${ev}]`],
    ['invalid JSON', ev.slice(0, -1)],
    ['a verb that is no string (rejected)', ev.replace('"verb":"get"', '"verb":7')],
    ['no verb (rejected)', ev.replace(',"verb":"get"', '')],
    ['an EventList by a later key', ev.replace(/}$/, ',"kind":"EventList","items":[]}')],
    ['an ECS document', '{"kubernetes":{"audit":{"verb":"get","auditID":"a"}},"event":{"dataset":"kubernetes.audit_logs"}}'],
    ['another forced format', ev, { format: 'ecs' }],
  ];
  for (const [why, text, opts] of declined) {
    assert.equal(plainRawEvent(text, opts ?? {}), undefined, why);
  }
  // a forced raw format is the same path
  assert.ok(agrees(ev, { format: 'raw' }));
});

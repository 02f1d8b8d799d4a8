// The engine's cached timestamp parser must give exactly the event time the
// rest of the pipeline computes (eventTime), or replayed, held and decoded
// events would be judged at other times than the unoptimised path judges them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TimeParser } from '../../src/pipeline/time-parser.js';
import { eventTime } from '../../src/event/time.js';
import { rng } from '../helpers.js';

function pad(n: number, w: number): string {
  return String(n).padStart(w, '0');
}

function randomStamp(r: () => number): string | undefined {
  const pick = r();
  if (pick < 0.05) return undefined;
  if (pick < 0.08) return ['', 'yesterday', '2026-03-02', '2026-13-02T00:00:00Z', '2026-02-30T10:00:00Z', '2026-03-02T24:00:00Z', '2026-03-02T24:00:00.000Z', '2026-03-02T23:59:60Z'][Math.floor(r() * 8)];
  const y = 2020 + Math.floor(r() * 8);
  const base = `${y}-${pad(1 + Math.floor(r() * 12), 2)}-${pad(1 + Math.floor(r() * 28), 2)}`;
  const time = `${pad(Math.floor(r() * 24), 2)}:${pad(Math.floor(r() * 60), 2)}:${pad(Math.floor(r() * 60), 2)}`;
  const digits = Math.floor(r() * 11); // 0..10 fraction digits
  let frac = '';
  for (let i = 0; i < digits; i++) frac += String(Math.floor(r() * 10));
  const f = digits === 0 ? (r() < 0.1 ? '.' : '') : `.${frac}`;
  const zone = r() < 0.8 ? 'Z' : r() < 0.5 ? '+02:00' : '';
  const sep = r() < 0.9 ? 'T' : ' ';
  return `${base}${sep}${time}${f}${zone}`;
}

const same = (a: number, b: number) => (Number.isNaN(a) && Number.isNaN(b)) || a === b;

/**
 * Pairs of timestamps (requestReceived, stage): the first often in the second of the one before (the
 * caches' case), now and then with a byte above 0x7f in it.
 */
function* stampPairs(seed: number, sameSecond: number, nonAscii: number): Generator<[string | undefined, string | undefined]> {
  const r = rng(seed);
  let prev: string | undefined;
  for (let i = 0; i < 20_000; i++) {
    let rrt = randomStamp(r);
    if (prev && r() < sameSecond) rrt = prev.slice(0, 19) + rrt?.slice(19);
    if (rrt && nonAscii > 0 && r() < nonAscii) rrt = rrt.slice(0, 5) + '\u00e9' + rrt.slice(6);
    prev = rrt;
    yield [rrt, randomStamp(r)];
  }
}

test('TimeParser.eventTime equals eventTime on random timestamps of every form, with its cache warm or cold', () => {
  const p = new TimeParser();
  for (const [rrt, sts] of stampPairs(99, 0.4, 0)) {
    const want = eventTime({ requestReceivedTimestamp: rrt, stageTimestamp: sts });
    const got = p.eventTime(rrt, sts);
    assert.ok(same(got, want), `${rrt} / ${sts}: ${got} != ${want}`);
  }
});

test('TimeParser.eventTimeBytes equals eventTime of the bytes read as Latin-1, its second cached across lines', () => {
  const p = new TimeParser();
  for (const [rrt, sts] of stampPairs(7, 0.5, 0.02)) {
    const want = eventTime({ requestReceivedTimestamp: rrt, stageTimestamp: sts });
    // the line's bytes: each timestamp somewhere inside it, as a Latin-1 string's bytes
    const line = Buffer.from(`{"a":"${rrt ?? ''}","b":"${sts ?? ''}"}`, 'latin1');
    const rs = rrt === undefined ? -1 : 6;
    const re = rs + (rrt?.length ?? 0);
    const ss = sts === undefined ? -1 : 6 + (rrt?.length ?? 0) + 7;
    const se = ss + (sts?.length ?? 0);
    const got = p.eventTimeBytes(line, rs, re, ss, se);
    assert.ok(same(got, want), `${rrt} / ${sts}: ${got} != ${want}`);
  }
});

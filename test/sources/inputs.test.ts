// Opening inputs: plain files read into one reused buffer (chunks at the stream's 1 MiB
// boundaries, the same bytes), gzip found by its magic bytes either way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { expandInputs, notLogByName, openInput } from '../../src/sources/inputs.js';

const MiB = 1 << 20;

async function chunks(name: string, reuseBuffer: boolean): Promise<{ sizes: number[]; bytes: Buffer; gzip: boolean; read: number }> {
  const opened = await openInput({ name }, undefined, { reuseBuffer });
  const sizes: number[] = [];
  const parts: Buffer[] = [];
  // copy each chunk at once: with reuseBuffer it is only valid until the next is asked for
  for await (const c of opened.stream) {
    sizes.push(c.length);
    parts.push(Buffer.from(c));
  }
  return { sizes, bytes: Buffer.concat(parts), gzip: opened.gzip, read: opened.bytesRead() };
}

test('a plain file read into a reused buffer gives the bytes of the stream, cut at the same 1 MiB boundaries', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-in-'));
  const data = Buffer.alloc(2 * MiB + 12345);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7919) % 251;
  const p = join(dir, 'big.log');
  writeFileSync(p, data);
  const reused = await chunks(p, true);
  const streamed = await chunks(p, false);
  assert.deepEqual(reused.sizes, [MiB, MiB, 12345]);
  assert.deepEqual(reused.sizes, streamed.sizes);
  assert.ok(reused.bytes.equals(data) && streamed.bytes.equals(data));
  assert.equal(reused.read, data.length);
  assert.equal(reused.gzip, false);
  const exact = join(dir, 'exact.log');
  writeFileSync(exact, data.subarray(0, MiB));
  assert.deepEqual((await chunks(exact, true)).sizes, [MiB]);
  const empty = join(dir, 'empty.log');
  writeFileSync(empty, '');
  assert.deepEqual((await chunks(empty, true)).sizes, []);
});

test('a gzip file is gunzipped whether or not the buffer is reused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-in-'));
  const text = '{"kind":"Event"}\n'.repeat(1000);
  const p = join(dir, 'a.log.gz');
  writeFileSync(p, gzipSync(text));
  for (const reuse of [true, false]) {
    const got = await chunks(p, reuse);
    assert.equal(got.gzip, true);
    assert.equal(got.bytes.toString(), text);
  }
});

test('in a folder, files that are no logs by their name are skipped and listed; named on the command line, they are read', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-inputs-'));
  mkdirSync(join(dir, 'sub'));
  for (const f of ['audit.log', 'notes.md', 'index.tsv', 'sub/table.csv.gz', 'sub/PT1H.json', 'sub/kube-apiserver-audit', 'sub/audit.log.1.gz', 'script.py']) writeFileSync(join(dir, f), '{}\n');
  const skipped: string[] = [];
  const got = await expandInputs([dir], skipped);
  assert.deepEqual(got.map((f) => f.name.slice(dir.length + 1)), ['audit.log', 'sub/PT1H.json', 'sub/audit.log.1.gz', 'sub/kube-apiserver-audit']);
  assert.deepEqual(skipped.map((f) => f.slice(dir.length + 1)), ['index.tsv', 'notes.md', 'script.py', 'sub/table.csv.gz']);
  assert.deepEqual((await expandInputs([join(dir, 'notes.md')])).map((f) => f.name), [join(dir, 'notes.md')]);
  assert.equal(notLogByName('audit.json'), false);
  assert.equal(notLogByName('README.MD'), true);
  assert.equal(notLogByName('.md'), false);
});

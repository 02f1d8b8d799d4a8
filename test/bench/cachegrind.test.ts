// The bench's reading of cachegrind files: the total, and the part in V8's optimizing compilers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readCachegrind } from '../../bench/cachegrind.js';

const FILE = `desc: I1 cache: 32768 B, 64 B, 8-way associative
cmd: node --single-threaded x.js
events: Ir
fl=./csu/libc-start.c
fn=__libc_start_main
242 11
311 3
fl=???
fn=v8::internal::compiler::GraphReducer::ReduceTop()
0 1000
fn=auto v8::internal::compiler::PipelineImpl::Run<v8::internal::compiler::BuildLiveRangesPhase>()
0 500
fn=v8::internal::maglev::MaglevGraphBuilder::Build()
0 20
fn=???
0 7000
fn=v8::internal::JsonParser<unsigned char>::ScanJsonString(bool)
0 400
summary: 8934
`;

test("cachegrind: the total and the compilers' share", () => {
  assert.deepEqual(readCachegrind(FILE), { total: 8934, compiler: 1520 });
});

test('cachegrind: a file whose lines do not add up to its summary is refused', () => {
  assert.throws(() => readCachegrind(FILE.replace('summary: 8934', 'summary: 9000')), /lines sum to 8934, summary says 9000/);
});

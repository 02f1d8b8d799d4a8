/**
 * A worker thread of `tokenwatch scan`: claims blocks of the current file and
 * posts their results (see workers.ts and block.ts). It loads no rules.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CoverageCollector } from '../coverage/collector.js';
import type { PickOptions } from '../formats/picker.js';
import { BlockReader, transferables } from './block.js';
import type { PrefilterPlan } from './line-classifier.js';
import type { SearchLayout } from './literal-search.js';

interface Init {
  plan: PrefilterPlan;
  decode: PickOptions;
  detectors: boolean;
  keep: number;
  ctl: SharedArrayBuffer;
  window: number;
  layout: SearchLayout;
  /** the coverage report's gap (ms) when coverage is on */
  coverageGapMs?: number;
}

interface FileMessage {
  type: 'file';
  slot: number;
  nBlocks: number;
  path: string;
  name: string;
  size: number;
  blockSize: number;
  maxBytes?: number;
}

const init = workerData as Init;
// this thread's observations, sent with each block
const coverage = init.coverageGapMs !== undefined ? new CoverageCollector({ gapMs: init.coverageGapMs }) : undefined;
const reader = new BlockReader({ plan: init.plan, decode: init.decode, detectors: init.detectors, keep: init.keep, layout: init.layout, coverage });
const ctl = new Int32Array(init.ctl);

parentPort!.on('message', (m: FileMessage) => {
  if (m.type !== 'file') return;
  const base = 4 * m.slot;
  try {
    for (;;) {
      if (Atomics.load(ctl, base + 2) === 1) break;
      const k = Atomics.add(ctl, base, 1);
      if (k >= m.nBlocks) break;
      // stay at most `window` blocks ahead of the main thread
      for (;;) {
        const consumed = Atomics.load(ctl, base + 1);
        if (k <= consumed + init.window || Atomics.load(ctl, base + 2) === 1) break;
        Atomics.wait(ctl, base + 1, consumed, 100);
      }
      if (Atomics.load(ctl, base + 2) === 1) break;
      const r = reader.read({ path: m.path, name: m.name, size: m.size, blockSize: m.blockSize, k, maxBytes: m.maxBytes });
      parentPort!.postMessage({ type: 'block', slot: m.slot, r }, transferables(r));
    }
  } catch (e) {
    parentPort!.postMessage({ type: 'error', slot: m.slot, error: e instanceof Error ? `${e.message}\n${e.stack}` : String(e) });
  } finally {
    reader.close();
  }
});

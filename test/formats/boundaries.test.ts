import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './helpers.js';

test('src/formats imports only itself, src/event and node built-ins (never sigma, detectors, alerts, sinks, sources)', () => {
  const dir = join(ROOT, 'src', 'formats');
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
    const text = readFileSync(join(dir, f), 'utf8');
    for (const m of text.matchAll(/^\s*(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]/gm)) {
      const spec = m[1]!;
      const ok = spec.startsWith('node:') || spec.startsWith('./') || spec.startsWith('../event/');
      assert.ok(ok, `${f} imports ${spec}`);
    }
  }
});

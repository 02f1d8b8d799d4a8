// Runs every compiled test file with Node's own runner. Node 20 takes no globs
// on --test, so the files are listed here, the same way on every version.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('../dist/test/', import.meta.url).pathname;
const only = process.argv.slice(2);
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.js') && (only.length === 0 || only.some((o) => p.includes(o)))) files.push(p);
  }
})(root);
if (files.length === 0) {
  console.error('no test files found under', root);
  process.exit(1);
}
// detector state goes to a throw-away data folder, never the user's own; so do the tests' temporary files
// (os.tmpdir() follows TMPDIR), which are then removed with it, whatever a test left behind
const dataHome = mkdtempSync(join(tmpdir(), 'tokenwatch-test-'));
const tmp = join(dataHome, 'tmp');
mkdirSync(tmp);
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...files], { stdio: 'inherit', env: { ...process.env, XDG_DATA_HOME: dataHome, TMPDIR: tmp } });
rmSync(dataHome, { recursive: true, force: true });
process.exit(r.status ?? 1);

#!/usr/bin/env node
/**
 * CLI: writes a simulated cluster's audit log (NDJSON) and its ground truth.
 *
 *   node dist/bench/generate.js --events 1000000 --seed 42 --out /tmp/cluster.ndjson --truth /tmp/truth.json
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createGzip, type ZlibOptions } from 'node:zlib';
import type { Writable } from 'node:stream';
import { ATTACK_KINDS, generateCluster, type GenerateOptions } from './generate/index.js';
import type { Level } from './generate/emit.js';

const HELP = `Usage: node dist/bench/generate.js [options]

Writes a synthetic Kubernetes API-server audit log (NDJSON, one event per
line) of a simulated cluster, deterministic from a seed, with injected
service-account-token attacks and their ground truth.

Options:
  --events N                 lines to write (default 100000)
  --seed S                   PRNG seed (default 42)
  --out FILE                 output file, '-' for stdout (default -)
  --truth FILE               write the ground truth (JSON) here
  --gzip                     gzip the output
  --start ISO                log start (default 2026-03-02T08:00:00Z)
  --nodes N                  worker nodes (default: events-per-second, i.e. 1000)
  --tenant-namespaces N      extra team-NN namespaces (default 4)
  --events-per-second R      target lines per second of log time (default 1000)
  --token-request-level L    Metadata | Request | RequestResponse (default Request)
  --secret-level L           Metadata | Request | RequestResponse (default Metadata)
  --no-jti                   Kubernetes < 1.30: no credential ids, no pod/node extras
  --omit-stages STAGES       e.g. RequestReceived
  --attacks LIST             all | none | comma-separated: ${ATTACK_KINDS.join(',')}
  --attacks-after SECONDS    no attack in the first SECONDS of log time (default 0)
  --quiet                    no summary on stderr
  -h, --help                 this help
`;

function fail(msg: string): never {
  process.stderr.write(`generate: ${msg}\n`);
  process.exit(2);
}

function num(v: string | undefined, what: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isFinite(n)) fail(`${what} must be a number, got "${v}"`);
  return n;
}

async function writeChunk(dest: Writable, chunk: Buffer): Promise<void> {
  if (!dest.write(chunk)) await once(dest, 'drain');
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({
      options: {
        events: { type: 'string' },
        seed: { type: 'string' },
        out: { type: 'string' },
        truth: { type: 'string' },
        gzip: { type: 'boolean' },
        start: { type: 'string' },
        nodes: { type: 'string' },
        'tenant-namespaces': { type: 'string' },
        'events-per-second': { type: 'string' },
        'token-request-level': { type: 'string' },
        'secret-level': { type: 'string' },
        'no-jti': { type: 'boolean' },
        'omit-stages': { type: 'string' },
        attacks: { type: 'string' },
        'attacks-after': { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
    }).values;
  } catch (e) {
    fail(`${(e as Error).message}\n\n${HELP}`);
  }
  if (args.help) {
    process.stdout.write(HELP);
    return;
  }
  const seedNum = args.seed !== undefined && /^\d+$/.test(args.seed) ? Number(args.seed) : undefined;
  const opts: GenerateOptions = {
    seed: seedNum ?? args.seed ?? 42,
    events: num(args.events, '--events'),
    start: args.start,
    nodes: num(args.nodes, '--nodes'),
    tenantNamespaces: num(args['tenant-namespaces'], '--tenant-namespaces'),
    eventsPerSecond: num(args['events-per-second'], '--events-per-second'),
    tokenRequestLevel: args['token-request-level'] as Level | undefined,
    secretLevel: args['secret-level'] as Level | undefined,
    jti: !args['no-jti'],
    omitStages: args['omit-stages'] ? args['omit-stages'].split(',').map((s) => s.trim()).filter(Boolean) : [],
    attacks: args.attacks ?? 'all',
    attacksAfter: num(args['attacks-after'], '--attacks-after'),
  };
  let log;
  try {
    log = generateCluster(opts);
  } catch (e) {
    fail((e as Error).message);
  }
  const out = args.out ?? '-';
  const file: Writable = out === '-' ? process.stdout : createWriteStream(out, { highWaterMark: 32 << 20 });
  const t0 = performance.now();
  let dest: Writable = file;
  let piping: Promise<void> | null = null;
  if (args.gzip) {
    const gz = createGzip({ level: 3, chunkSize: 1 << 18, highWaterMark: 32 << 20 } as ZlibOptions);
    piping = pipeline(gz, file);
    dest = gz;
  }
  for (const chunk of log.chunks(4 << 20)) await writeChunk(dest, chunk);
  if (piping) {
    dest.end();
    await piping;
  } else if (file !== process.stdout) {
    file.end();
    await once(file, 'finish');
  }
  const secs = (performance.now() - t0) / 1000;
  const truth = log.groundTruth;
  if (args.truth) await writeFile(args.truth, JSON.stringify(truth, null, 2) + '\n');
  if (!args.quiet) {
    const s = truth.stats;
    process.stderr.write(
      `generate: ${s.lines} lines, ${(s.bytes / 1e6).toFixed(1)} MB (avg ${(s.bytes / Math.max(1, s.lines)).toFixed(0)} B/line) in ${secs.toFixed(2)} s ` +
        `(${Math.round(s.lines / secs)} lines/s); log time ${truth.window.start} .. ${truth.window.end}; ` +
        `${truth.attacks.length} attacks (${truth.attacks.filter((a) => a.complete).length} complete)\n`,
    );
  }
}

/**
 * The generator allocates a line's worth of short-lived strings per event;
 * a larger young generation makes that markedly cheaper (~20 %). V8 takes
 * the setting only at startup, so the CLI re-runs itself with it once.
 */
const SEMI_SPACE = '--max-semi-space-size=64';
if (!process.execArgv.some((a) => a.startsWith('--max-semi-space-size')) && process.env.TOKENWATCH_GENERATE_NO_REEXEC !== '1') {
  const child = spawn(process.execPath, [...process.execArgv, SEMI_SPACE, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, TOKENWATCH_GENERATE_NO_REEXEC: '1' },
  });
  child.on('exit', (code, signal) => {
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
} else {
  main().catch((e: unknown) => {
    process.stderr.write(`generate: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
}

/** `tokenwatch scan`: wires inputs, rules and sinks for a batch run. */
import { printable } from '../sinks/printable.js';
import { accessSync, constants, existsSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import { Command, Option } from 'commander';
import type { Alert } from '../alerts/alert.js';
import { ADAPTERS } from '../formats/picker.js';
import { runScan, type Progress, type ScanSummary } from '../pipeline/scan.js';
import { alertToNdjson } from '../sinks/ndjson.js';
import { colorWanted, makeStyle } from '../sinks/style.js';
import { fmtBytes, renderSummary } from '../sinks/summary-text.js';
import { renderAlert } from '../sinks/terminal.js';
import { expandInputs, InputError, type InputFile } from '../sources/inputs.js';
import { collect, EXIT_ALERTS, EXIT_USAGE, readConfig, ruleSetFrom, UsageError } from './common.js';
import { parseDuration, type Config } from '../config/config.js';
import { DetectorSet } from '../detectors/detector-set.js';
import { DetectorState } from '../detectors/state.js';
import { subjectFromCorrelation, subjectFromDetector, subjectFromRule } from '../coverage/subjects.js';
import type { CoverageSubject } from '../coverage/report.js';
import { renderCoverage } from '../coverage/render-text.js';
import { defaultStatePath, StateStore, StateStoreError } from '../store/state-store.js';

interface ScanFlags {
  pipeline?: string[];
  detectors: boolean;
  state?: string;
  learning?: string;
  rules?: string[];
  builtin: boolean;
  disable?: string[];
  config?: string;
  format: 'text' | 'ndjson';
  group: boolean;
  summaryJson?: string;
  strict?: boolean;
  failOnAlert?: boolean;
  inputFormat?: string;
  cluster?: string;
  color?: boolean;
  quiet?: boolean;
  progress: boolean;
  prefilter: boolean;
  workers?: string;
  coverage: boolean;
  coverageGap?: string;
}

export function registerScan(program: Command): void {
  program
    .command('scan')
    .description('Scan audit logs (files, folders, .gz, - for stdin) and report token abuse')
    .argument('<paths...>', 'log files or folders; - reads standard input')
    .option('-r, --rules <dir>', 'add a folder (or file) of Sigma rules, filters and correlations; repeatable', collect)
    .option('--pipeline <file>', 'a pySigma processing pipeline (field name mapping, prefix) applied to the rules; repeatable', collect)
    .option('--no-builtin', 'do not load the built-in rules')
    .option('--disable <id>', 'leave out a rule by id; repeatable', collect)
    .option('-c, --config <file>', 'tokenwatch.yaml with allow-lists, filters and rule settings')
    .addOption(new Option('-f, --format <format>', 'alert output on stdout').choices(['text', 'ndjson']).default('text'))
    .option('--no-group', 'one alert per matching request instead of grouping repeats within the rule window')
    .option('--summary-json <file>', 'write the run totals as JSON to this file')
    .option('--strict', 'treat any rejected record or unreadable input as an error (exit 2)')
    .option('--fail-on-alert', 'exit 1 when there were alerts')
    .addOption(new Option('--input-format <name>', 'skip detection and read every record as this format').choices(ADAPTERS.map((a) => a.name)))
    .option('--cluster <name>', 'cluster name for events whose format does not name one')
    .option('--no-detectors', 'run only the Sigma rules, not the stateful detectors (token lineage, new sources, off-node use, token Secret reads)')
    .option('--state <file>', `detector state (baselines, minted tokens, pods) kept between runs; "none" keeps it in memory (default ${defaultStatePath()})`)
    .option('--learning <duration>', 'how long, from the first event ever seen, baselines only learn (default 60m; also detectors.learning in the config)')
    .option('--color', 'force coloured output')
    .option('--no-color', 'never colour output')
    .option('-q, --quiet', 'print alerts only, no totals on stderr')
    .option('--no-progress', 'no progress line on stderr')
    .option('--workers <n>', `threads reading large files by byte ranges (default: the number of cores, at most ${MAX_WORKERS}; 1 = this thread only)`)
    .option('--no-prefilter', 'parse every line (the unoptimised reference path; same alerts, slower)')
    .option('--coverage-gap <duration>', 'report spans of at least this long without any event as gaps in the coverage section (default 15m)')
    .option('--no-coverage', 'no coverage section (what the logs could show, and whether each rule could have fired)')
    .addHelpText(
      'after',
      `
Formats are detected per record: raw audit.k8s.io Events (JSON lines, arrays,
EventList), EKS CloudWatch, AKS diagnostic records, GKE Cloud Audit Logs and
Elastic ECS documents. Token values are redacted before any rule or output
sees them.

Every scan ends with a coverage section (on stderr, and under "coverage" in
--summary-json): per cluster or file, the time covered and its gaps, the audit
levels, stages, verbs and resources seen, credential ids and binding extras,
and for each rule, correlation and detector whether it could have fired on
this input, and if not, why. See docs/coverage.md.

Stateful detectors (minted-token-used, token-replay-new-source,
bound-token-off-node, token-secret-read) remember what they learn in the
state file, so a second scan continues from the first.

Exit status: 0 the scan ran; 1 alerts were found and --fail-on-alert was given;
2 usage, rule or input errors (with --strict, also rejected records).

Examples:
  tokenwatch scan audit.log
  tokenwatch scan --format ndjson --summary-json totals.json /var/log/kube-audit/
  zcat audit.log.gz | tokenwatch scan -
  tokenwatch scan --config tokenwatch.yaml --rules ./team-rules logs/`,
    )
    .action(async (paths: string[], flags: ScanFlags) => {
      process.exitCode = await scanCommand(paths, flags);
    });
}

async function scanCommand(paths: string[], flags: ScanFlags): Promise<number> {
  try {
    // a totals file that cannot be written is found before the scan, not after an hour of it
    if (flags.summaryJson) checkWritable(flags.summaryJson, '--summary-json');
    const cfg = readConfig(flags.config);
    // a scan only matches: the rules' embedded tests are not even parsed
    const set = ruleSetFrom(flags, cfg, false, undefined, false);
    let inputs;
    const notLogs: string[] = [];
    try {
      inputs = await expandInputs(paths, notLogs);
    } catch (e) {
      if (e instanceof InputError) throw new UsageError(e.message);
      throw e;
    }
    if (notLogs.length > 0 && !flags.quiet) {
      const shown = printable(notLogs.slice(0, 5).join(', ')) + (notLogs.length > 5 ? `, and ${notLogs.length - 5} more` : '');
      process.stderr.write(`skipped ${notLogs.length} file(s) in the folders that are no logs by their name: ${shown} (name a file to scan it anyway)\n`);
    }
    if (inputs.length === 0) throw new UsageError(`no input files found in ${paths.join(', ')}${notLogs.length ? ` (${notLogs.length} skipped as no logs by their name)` : ''}`);
    const out = process.stdout;
    const st = makeStyle(colorWanted(out, flags.color));
    const errSt = makeStyle(colorWanted(process.stderr, flags.color));
    const { detectors, store, loaded } = openDetectors(flags, cfg, set.disabledDetectors, inputs);
    const showProgress = flags.progress && !flags.quiet && Boolean(process.stderr.isTTY);
    let progressShown = false;
    const alerts: Alert[] = [];
    let coverageGapMs: number | undefined;
    if (flags.coverageGap !== undefined) {
      coverageGapMs = parseDuration(flags.coverageGap);
      if (coverageGapMs === undefined || coverageGapMs < 60_000) throw new UsageError(`--coverage-gap "${flags.coverageGap}" is not a duration of a minute or more, like 15m or 2h`);
    }
    const summary = await runScan({
      coverage: flags.coverage ? { gapMs: coverageGapMs, subjects: coverageSubjects(set, detectors) } : undefined,
      inputs,
      rules: set.rules,
      decode: { format: flags.inputFormat, cluster: flags.cluster ?? cfg.cluster },
      noGroup: !flags.group,
      longLivedSeconds: cfg.long_lived_seconds,
      detectors,
      detectorFilters: set.detectorFilters,
      prefilter: flags.prefilter,
      workers: workerCount(flags.workers),
      correlations: set.correlations,
      correlationRefs: set.correlationRefs,
      silent: set.silent,
      onAlert: (a) => {
        if (flags.format === 'ndjson') out.write(alertToNdjson(a));
        else alerts.push(a);
      },
      onProgress: showProgress
        ? (p: Progress) => {
            if (p.elapsedMs < 2000) return;
            progressShown = true;
            const pct = p.bytesTotal ? ` ${Math.min(100, Math.round((p.bytesRead / p.bytesTotal) * 100))}%` : '';
            process.stderr.write(`\r\x1b[K${errSt.dim(`scanning ${p.fileIndex + 1}/${p.files} ${printable(p.file)}${pct} · ${fmtBytes(p.bytesRead)} · ${p.events.toLocaleString('en-US')} events · ${p.alerts} alerts`)}`);
          }
        : undefined,
    });
    if (progressShown) process.stderr.write('\r\x1b[K');
    if (store && detectors) {
      const saved = store.save(detectors.state);
      store.close();
      if (!flags.quiet) process.stderr.write(errSt.dim(`state: ${store.path} (${loaded} entries loaded, ${saved} saved)\n`));
    }
    if (detectors) summary.state_evictions = detectors.state.evictions();
    if (store && detectors && detectors.overlapEvents > 0) {
      // the detectors learned from this time already: a second scan of a log is not judged as the first was
      const k = detectors.known!;
      const from = new Date(k.firstEventMs!).toISOString();
      const to = new Date(k.lastEventMs!).toISOString();
      summary.state_overlap = { events: detectors.overlapEvents, state_from: from, state_to: to };
      process.stderr.write(
        errSt.yellow(
          `warning: ${detectors.overlapEvents.toLocaleString('en-US')} event(s) fall within ${from} → ${to}, which the saved state (${store.path}) had already learned from: ` +
            `an address or client seen before counts as known, so the detectors' alerts may differ from a first scan of this log. ` +
            `Use --state none to judge it afresh, or --state FILE for a state of its own.\n`,
        ),
      );
    }
    if (flags.format === 'text') {
      alerts.sort((a, b) => (a.first_seen ?? '').localeCompare(b.first_seen ?? ''));
      for (const a of alerts) out.write(renderAlert(a, st) + '\n\n');
      if (alerts.length === 0 && !flags.quiet) out.write(st.green('No alerts.') + '\n');
    }
    if (!flags.quiet) process.stderr.write(renderSummary(summary, errSt, 5) + '\n');
    if (!flags.quiet && summary.coverage) process.stderr.write(renderCoverage(summary.coverage, errSt) + '\n');
    if (flags.summaryJson) {
      try {
        writeFileSync(flags.summaryJson, JSON.stringify(summaryJson(summary), null, 2) + '\n');
      } catch (e) {
        throw new UsageError(`--summary-json ${flags.summaryJson}: ${(e as NodeJS.ErrnoException).code ?? ''} ${(e as Error).message}`.trim());
      }
    }
    if (flags.strict && (summary.rejected > 0 || summary.input_errors.length > 0)) {
      process.stderr.write(`tokenwatch: --strict: ${summary.rejected} rejected record(s), ${summary.input_errors.length} input error(s)\n`);
      return EXIT_USAGE;
    }
    if (flags.failOnAlert && summary.alerts > 0) return EXIT_ALERTS;
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`tokenwatch: ${e.message}\n`);
      return EXIT_USAGE;
    }
    throw e;
  }
}

/** What the coverage report judges: every rule that can alert or feeds a correlation, each correlation, each detector. */
function coverageSubjects(set: ReturnType<typeof ruleSetFrom>, detectors: DetectorSet | undefined): CoverageSubject[] {
  const byRule = new Map(set.rules.map((r) => [r.sigma, subjectFromRule(r)]));
  return [...byRule.values(), ...set.correlations.map((c) => subjectFromCorrelation(c, (r) => byRule.get(r))), ...(detectors?.detectors ?? []).map((d) => subjectFromDetector(d))];
}

/** At most this many threads by default: the scan is limited by memory bandwidth and the main thread beyond it. */
const MAX_WORKERS = 2;

function workerCount(flag: string | undefined): number {
  if (flag === undefined) return Math.max(1, Math.min(MAX_WORKERS, availableParallelism()));
  const n = Number(flag);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new UsageError(`--workers "${flag}" is not a number of threads from 1 to 64`);
  return n;
}

export function summaryJson(s: ScanSummary): Record<string, unknown> {
  return {
    records: s.records,
    events: s.events,
    rejected: s.rejected,
    alerts: s.alerts,
    by_rule: s.by_rule,
    by_format: s.by_format,
    suppressed: s.suppressed,
    files: s.files,
    bytes: s.bytes,
    empty_records: s.empty,
    redacted_values: s.redacted_values,
    duplicate_stages: s.duplicate_stages,
    ...(s.lazy_unreadable ? { lazy_unreadable: s.lazy_unreadable } : {}),
    input_errors: s.input_errors,
    rejections: s.rejections,
    duration_ms: s.duration_ms,
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    ...(s.state_evictions ? { state_evictions: s.state_evictions } : {}),
    ...(s.state_overlap ? { state_overlap: s.state_overlap } : {}),
    ...(s.correlation_stats ? { correlations: s.correlation_stats } : {}),
    ...(s.engine ? { engine: s.engine } : {}),
    ...(s.coverage ? { coverage: s.coverage } : {}),
  };
}

/** Throws a usage error when `file` could not be written (its folder missing or read-only, or it is read-only). */
function checkWritable(file: string, option: string): void {
  const dir = dirname(resolve(file));
  if (!existsSync(dir)) throw new UsageError(`${option} ${file}: the folder ${dir} does not exist`);
  const exists = existsSync(file);
  try {
    accessSync(exists ? file : dir, constants.W_OK);
  } catch {
    throw new UsageError(`${option} ${file}: ${exists ? 'the file' : `the folder ${dir}`} is not writable`);
  }
}

function openDetectors(flags: ScanFlags, cfg: Config, disabled: string[], inputs: InputFile[]): { detectors?: DetectorSet; store?: StateStore; loaded: number } {
  if (!flags.detectors) return { loaded: 0 };
  const dc = cfg.detectors ?? {};
  const learning = flags.learning ?? dc.learning;
  const learningMs = learning === undefined ? undefined : parseDuration(learning);
  if (learning !== undefined && learningMs === undefined) throw new UsageError(`--learning "${learning}" is not a duration like 30m or 2h`);
  const state = new DetectorState();
  const detectors = new DetectorSet(state, {
    learningMs,
    disable: disabled,
    fallbackWindowMs: dc.fallback_window ? parseDuration(dc.fallback_window) : undefined,
    deletionGraceMs: dc.deletion_grace ? parseDuration(dc.deletion_grace) : undefined,
    controllers: dc.secret_readers,
    // One API server writes its log in order, and a token is used only after its mint's response: in one file the
    // mint comes first. Several files (replicas, streams, rotations) or standard input (often files concatenated)
    // may hold a use before its mint, so uses then wait for a mint that comes later; one file spares that cost
    earlyIds: inputs.length === 1 && inputs[0]!.name !== '-' ? 0 : undefined,
  });
  if (flags.state === 'none') return { detectors, loaded: 0 };
  try {
    const store = new StateStore(flags.state ?? defaultStatePath());
    const loaded = store.load(state);
    return { detectors, store, loaded };
  } catch (e) {
    if (e instanceof StateStoreError) throw new UsageError(e.message);
    throw e;
  }
}

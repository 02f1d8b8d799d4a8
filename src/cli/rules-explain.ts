/**
 * `tokenwatch rules explain --rule ID FILE[:LINE]`: why a rule did or did not
 * fire on one record of a log. The record is read and decoded exactly as
 * `scan` reads it (record splitter, format detection, redaction), so only
 * redacted values are ever shown; the walk itself is src/sigma/explain.ts,
 * which runs the rule's own compiled predicates.
 */
import { printable } from '../sinks/printable.js';
import { existsSync } from 'node:fs';
import { Command, Option } from 'commander';
import type { EventRecord, Place, Rejection } from '../event/types.js';
import { ADAPTERS } from '../formats/picker.js';
import { decodeInto, newCounters } from '../pipeline/evaluate.js';
import type { RuleSpec } from '../ruleset/rule-spec.js';
import { explainRule } from '../sigma/index.js';
import type { ConditionExplanation, ItemExplanation, MapExplanation, RuleExplanation, SelectionExplanation } from '../sigma/index.js';
import { colorWanted, makeStyle, type Style } from '../sinks/style.js';
import { openInput } from '../sources/inputs.js';
import { RecordSplitter, type SplitRecord } from '../sources/record-splitter.js';
import { collect, EXIT_USAGE, readConfig, ruleSetFrom, UsageError, type RuleOptions } from './common.js';
import { DETECTOR_IDS } from '../detectors/detector-set.js';

export interface ExplainOptions extends RuleOptions {
  rule: string;
  json?: boolean;
  inputFormat?: string;
  cluster?: string;
  color?: boolean;
}

/** `FILE:LINE` → file and line; a name that exists as written wins (a file may contain a colon). */
export function parseTarget(target: string): { file: string; line?: number } {
  const m = /^(.*):([1-9][0-9]*)$/.exec(target);
  if (m && !existsSync(target)) return { file: m[1]!, line: Number(m[2]) };
  return { file: target };
}

/** The records that start at `line` of the file (the first record when no line is given), read as scan reads them. */
export async function recordsAt(file: string, line: number | undefined): Promise<{ records: SplitRecord[]; problems: Rejection[]; firstLines: number[] }> {
  const records: SplitRecord[] = [];
  const problems: Rejection[] = [];
  const firstLines: number[] = [];
  let want = line;
  let done = false;
  const opened = await openInput({ name: file });
  const splitter = new RecordSplitter(
    { file },
    {
      record: (r) => {
        if (done) return;
        if (firstLines.length < 5 && !firstLines.includes(r.place.line)) firstLines.push(r.place.line);
        if (want === undefined) want = r.place.line;
        if (r.place.line === want) records.push(r);
        else if (r.place.line > want) done = true;
      },
      problem: (place: Place, reason: string) => {
        if (!done && (want === undefined || place.line === want)) problems.push({ place, reason });
      },
    },
  );
  for await (const chunk of opened.stream) {
    splitter.push(chunk);
    if (done) break;
  }
  if (!done) splitter.end();
  return { records, problems, firstLines };
}

function findRule(rules: readonly RuleSpec[], id: string): RuleSpec {
  const r = rules.find((s) => s.id === id || s.sigma.id === id || s.sigma.name === id);
  if (r) return r;
  if (DETECTOR_IDS.includes(id)) {
    throw new UsageError(
      `${id} is a stateful detector, not a Sigma rule: it judges a request by what it learned from the whole log before it, which one event cannot show. ` +
        `Scan the log and read the alert's notes, or follow the account or token with tokenwatch trace (docs/detectors.md says how each detector decides)`,
    );
  }
  const near = rules.filter((s) => s.id.includes(id) || id.includes(s.id)).map((s) => s.id);
  throw new UsageError(`no loaded rule has the id or name "${id}"${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}; see tokenwatch rules list`);
}

const MAX_SHOWN = 120;

/** A value the event holds, as printed (printable: it is the requester's text). */
function show(v: unknown): string {
  const s = printable(typeof v === 'string' ? `'${v}'` : JSON.stringify(v) ?? String(v));
  return s.length > MAX_SHOWN ? `${s.slice(0, MAX_SHOWN - 1)}…` : s;
}

function verdictText(x: RuleExplanation, st: Style): string {
  if (x.fires) return st.green('FIRES: the detection matches and no filter suppresses it');
  if (x.matched) return st.yellow(`does not fire: the detection matches, but ${x.suppressedBy.length === 1 ? 'the filter' : 'the filters'} ${x.suppressedBy.join(', ')} suppress${x.suppressedBy.length === 1 ? 'es' : ''} it`);
  return st.red('does not fire: the detection does not match');
}

const yes = (b: boolean, st: Style): string => (b ? st.green('true') : st.red('false'));

function renderCondition(c: ConditionExplanation, st: Style, depth: number, out: string[]): void {
  const pad = '  '.repeat(depth);
  out.push(`${pad}${c.text} → ${yes(c.matched, st)}`);
  for (const a of c.args ?? []) if (a.op !== 'selection' || depth < 6) renderCondition(a, st, depth + 1, out);
  if (c.op === 'of' && c.selections) out.push(`${pad}  ${st.dim(`(${c.selections.join(', ')})`)}`);
}

function renderItem(it: ItemExplanation, st: Style, pad: string, out: string[]): void {
  const where = it.line !== undefined ? st.dim(` (line ${it.line})`) : '';
  const head = it.kind === 'field' ? `${it.key}${it.paths && (it.paths.length > 1 || it.paths[0] !== it.field) ? st.dim(` → ${it.paths.join(', ')}`) : ''}` : `keywords${it.key ? ` ${it.key}` : ''}`;
  out.push(`${pad}${head}: ${it.matched ? st.green('match') : st.red('no match')}${where}`);
  if (it.kind === 'field') out.push(`${pad}  seen: ${it.seen && it.seen.length > 0 ? it.seen.map(show).join(', ') : st.dim('(absent)')}`);
  else out.push(`${pad}  ${st.dim('searched: every string value of the event')}`);
  if (it.modifiers.length) out.push(`${pad}  modifiers: ${it.modifiers.join(', ')}`);
  const label = it.values.length === 1 ? 'expected' : it.combine === 'all' ? 'expected all of' : 'expected one of';
  out.push(`${pad}  ${label}:`);
  for (const v of it.values) {
    const hit = v.matchedValues && v.matchedValues.length > 0 && it.kind === 'field' ? ` ${st.dim(`(by ${v.matchedValues.map(show).join(', ')})`)}` : '';
    out.push(`${pad}    ${v.matched ? st.green('✓') : st.red('✗')} ${printable(v.expected)}${hit}`);
  }
}

function renderSelection(s: SelectionExplanation, st: Style, pad: string, out: string[]): void {
  out.push(`${pad}${st.bold(s.name)}: ${s.matched ? st.green('matches') : st.red('does not match')}${s.line !== undefined ? st.dim(` (line ${s.line})`) : ''}${s.shape === 'list' ? st.dim(' — a list: one alternative must match') : ''}`);
  s.alternatives.forEach((a, i) => {
    const p = s.shape === 'list' ? `${pad}  ` : `${pad}  `;
    if (s.shape === 'list') out.push(`${p}alternative ${i + 1}: ${a.matched ? st.green('matches') : st.red('does not match')}`);
    const inner = s.shape === 'list' ? `${p}  ` : p;
    if ((a as MapExplanation).kind === 'map') for (const it of (a as MapExplanation).items) renderItem(it, st, inner, out);
    else renderItem(a as ItemExplanation, st, inner, out);
  });
}

/** The text form of one explanation. */
export function renderExplanation(x: RuleExplanation, rec: EventRecord, st: Style): string {
  const out: string[] = [];
  const src = rec.source;
  const ev = rec.event;
  out.push(`${st.bold('rule')} ${x.rule.name ?? x.rule.id}: ${x.rule.title} ${st.dim(`(${x.rule.file}:${x.rule.line})`)}`);
  out.push(
    `${st.bold('event')} ${printable(`${src.file}:${src.line}${src.index !== undefined ? ` [${src.index}]` : ''}`)} ${st.dim(printable(`(${src.format}${ev.auditID ? `, auditID ${ev.auditID}` : ''}${ev.stage ? `, stage ${ev.stage}` : ''})`))}`,
  );
  out.push(`${st.bold('verdict')} ${verdictText(x, st)}`);
  if (x.detection) {
    out.push('');
    out.push(st.bold(x.detection.conditions.length > 1 ? 'conditions (any one suffices)' : 'condition'));
    for (const c of x.detection.conditions) renderCondition(c, st, 1, out);
    out.push('');
    out.push(st.bold('selections'));
    for (const s of x.detection.selections) renderSelection(s, st, '  ', out);
  }
  out.push('');
  if (x.filters.length === 0) out.push(`${st.bold('filters')} ${st.dim('none apply to this rule')}`);
  else {
    out.push(st.bold('filters'));
    for (const f of x.filters) {
      out.push(`  ${st.bold(f.name ?? f.id)}: ${f.suppresses ? st.yellow('suppresses the match') : 'does not suppress'} ${st.dim(`(${f.file}${f.line ? `:${f.line}` : ''})`)}`);
      if (f.detection) {
        for (const c of f.detection.conditions) renderCondition(c, st, 2, out);
        for (const s of f.detection.selections) renderSelection(s, st, '    ', out);
      }
    }
  }
  return out.join('\n') + '\n';
}

/** Runs the command; returns the exit status (0 explained, 2 usage or input error). */
export async function explainCommand(target: string, o: ExplainOptions, write: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  const set = ruleSetFrom(o, readConfig(o.config), true);
  const spec = findRule(set.rules, o.rule);
  const { file, line } = parseTarget(target);
  if (!existsSync(file)) throw new UsageError(`${file}: no such file`);
  const { records, problems, firstLines } = await recordsAt(file, line);
  if (records.length === 0) {
    const why = problems[0] ? `: ${problems[0].reason}` : firstLines.length ? ` (records start at lines ${firstLines.join(', ')}, …)` : ' (the file holds no record)';
    throw new UsageError(`no record starts at ${file}${line !== undefined ? `:${line}` : ''}${why}`);
  }
  const events: EventRecord[] = [];
  const rejected: Rejection[] = [...problems];
  const pick: { format?: string; cluster?: string } = {};
  if (o.inputFormat) pick.format = o.inputFormat;
  if (o.cluster) pick.cluster = o.cluster;
  for (const r of records) decodeInto(r, newCounters(), { event: (e) => events.push(e), reject: (x) => rejected.push(x) }, pick);
  if (events.length === 0) throw new UsageError(`the record at ${file}:${records[0]!.place.line} holds no audit event${rejected[0] ? `: ${rejected[0].reason}` : ''}`);
  const results = events.map((rec) => ({ rec, x: explainRule(spec.sigma, rec.event, spec.filters) }));
  if (o.json) {
    write(JSON.stringify(results.map(({ rec, x }) => ({ event: { place: rec.source, auditID: rec.event.auditID ?? null, stage: rec.event.stage ?? null }, ...x })), null, 2) + '\n');
  } else {
    const st = makeStyle(colorWanted(process.stdout, o.color));
    write(results.map(({ rec, x }) => renderExplanation(x, rec, st)).join('\n'));
    for (const r of rejected) process.stderr.write(`note: ${r.place.file}:${r.place.line}: ${r.reason}\n`);
  }
  return 0;
}

/** Adds `explain` to the `rules` command. */
export function registerExplain(rulesCommand: Command): void {
  rulesCommand
    .command('explain')
    .description('Why a rule did or did not fire on one event: each selection, field, value, modifier, the condition and the filters')
    .argument('[rule]', 'the rule to explain (id or name, as in tokenwatch rules list), or give it with --rule')
    .argument('[file[:line]]', 'a log file and the line where the record starts (default: the first record)')
    .option('--rule <id>', 'the rule to explain (instead of the first argument)')
    .option('-r, --rules <dir>', 'add a folder (or file) of Sigma rules; repeatable', collect)
    .option('--no-builtin', 'leave out the built-in rules')
    .option('--disable <id>', 'leave out a rule by id; repeatable', collect)
    .option('-c, --config <file>', 'tokenwatch.yaml (filters, overrides)')
    .addOption(new Option('--input-format <name>', 'read the record as this format instead of detecting it').choices(ADAPTERS.map((a) => a.name)))
    .option('--cluster <name>', 'cluster name for events whose format does not name one')
    .option('--json', 'machine-readable output')
    .option('--color', 'force coloured output')
    .option('--no-color', 'never colour output')
    .addHelpText(
      'after',
      `
Values shown are those of the decoded event, after token values were redacted.

Examples:
  tokenwatch rules explain tokenrequest-non-system audit.log:1042
  tokenwatch rules explain --rule tokenrequest-non-system audit.log:1042
  tokenwatch rules explain --rule long-lived-token-created --config tokenwatch.yaml --json events.json`,
    )
    .action(async (first: string | undefined, second: string | undefined, o: ExplainOptions) => {
      try {
        // `explain RULE FILE`, or `explain --rule RULE FILE` (commander fills the optional first argument first)
        if (first === undefined) throw new UsageError('which rule, and which event? tokenwatch rules explain RULE FILE[:LINE] (ids in tokenwatch rules list)');
        const target = second ?? first;
        if (second !== undefined && o.rule !== undefined) throw new UsageError(`give the rule once: "${first}" and --rule ${o.rule}`);
        const rule = second !== undefined ? first! : o.rule;
        if (rule === undefined) throw new UsageError('which rule? tokenwatch rules explain RULE FILE[:LINE] (ids in tokenwatch rules list)');
        process.exitCode = await explainCommand(target, { ...o, rule });
      } catch (e) {
        if (e instanceof UsageError) {
          process.stderr.write(`tokenwatch: ${e.message}\n`);
          process.exitCode = EXIT_USAGE;
          return;
        }
        throw e;
      }
    });
}

/** `tokenwatch rules list|test`: what the rules are, and whether they still do what their tests say. */
import { printable } from '../sinks/printable.js';
import { Command } from 'commander';
import { runRuleTests } from '../ruleset/rule-tests.js';
import { runCorrelationTests } from '../ruleset/correlation-tests.js';
import { registerExplain } from './rules-explain.js';
import { colorWanted, makeStyle } from '../sinks/style.js';
import { DetectorSet } from '../detectors/detector-set.js';
import { DetectorState } from '../detectors/state.js';
import { collect, EXIT_USAGE, readConfig, ruleSetFrom, UsageError, type RuleOptions } from './common.js';

function ruleOptions(cmd: Command): Command {
  return cmd
    .option('-r, --rules <dir>', 'add a folder (or file) of Sigma rules; repeatable', collect)
    .option('--pipeline <file>', 'a pySigma processing pipeline (field name mapping, prefix); repeatable', collect)
    .option('--no-builtin', 'leave out the built-in rules')
    .option('--disable <id>', 'leave out a rule by id; repeatable', collect)
    .option('-c, --config <file>', 'tokenwatch.yaml (filters, overrides)');
}

export function registerRules(program: Command): void {
  const rules = program.command('rules').description('List and test detection rules');
  ruleOptions(rules.command('list').description('Show every loaded rule: id, level, ATT&CK tags, author, filters'))
    .option('--json', 'machine-readable output')
    .action((o: RuleOptions & { json?: boolean }) => {
      process.exitCode = guard(() => list(o));
    });
  ruleOptions(rules.command('test').description("Run every rule's embedded tests (tokenwatch.tests); exit 1 on any failure"))
    .option('-v, --verbose', 'show passing tests too')
    .action((o: RuleOptions & { verbose?: boolean }) => {
      process.exitCode = guard(() => test(o));
    });
  registerExplain(rules);
}

function guard(f: () => number): number {
  try {
    return f();
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`tokenwatch: ${e.message}\n`);
      return EXIT_USAGE;
    }
    throw e;
  }
}

/** ATT&CK techniques of the tags (T1552.007), else their tactics (credential-access), else '-'. */
function attackOf(tags: readonly string[]): string {
  const techniques = tags.filter((t) => /^attack\.t\d/i.test(t)).map((t) => t.slice(7).toUpperCase());
  if (techniques.length) return techniques.join(', ');
  const tactics = tags.filter((t) => /^attack\.[a-z]+(-[a-z]+)*$/i.test(t) && !/^attack\.[gs]\d/i.test(t)).map((t) => t.slice(7));
  return tactics.length ? tactics.join(', ') : '-';
}

function list(o: RuleOptions & { json?: boolean }): number {
  const set = ruleSetFrom(o, readConfig(o.config), true);
  // the stateful detectors run beside the rules (scan --no-detectors leaves them out); not Sigma, so no tests here
  const detectors = new DetectorSet(new DetectorState(), { disable: set.disabledDetectors }).detectors.map((d) => d.ref);
  if (o.json) {
    const rows: Record<string, unknown>[] = set.rules.map((r) => ({
      id: r.id,
      sigma_id: r.sigma.id,
      title: r.ref.title,
      level: r.ref.severity,
      tags: r.ref.tags,
      author: r.ref.author ?? null,
      origin: r.ref.origin,
      tests: r.tests.length,
      filters: r.filters.map((f) => f.name ?? f.id),
      feeds_correlations_only: set.silent.has(r.id) || set.silent.has(r.sigma.id),
    }));
    for (const c of set.correlations) {
      const ref = set.correlationRefs.get(c)!;
      rows.push({ id: ref.id, sigma_id: c.id, title: ref.title, level: ref.severity, tags: ref.tags, author: ref.author ?? null, origin: ref.origin, correlation: { type: c.type, rules: c.refs.map((x) => x.name), timespan: c.timespan } });
    }
    for (const d of detectors) rows.push({ id: d.id, title: d.title, level: d.severity, tags: d.tags, author: d.author ?? null, origin: d.origin, detector: true });
    process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    return set.errors.length ? EXIT_USAGE : 0;
  }
  const st = makeStyle(colorWanted(process.stdout));
  for (const r of set.rules) {
    const feedsOnly = set.silent.has(r.id) || set.silent.has(r.sigma.id);
    process.stdout.write(`${st.bold(printable(r.id))}  ${st.severity(r.ref.severity, r.ref.severity)}  ${printable(r.ref.title)}\n`);
    process.stdout.write(`    ${st.dim(`ATT&CK ${attackOf(r.ref.tags)} · ${r.tests.length} test(s) · ${r.builtin ? 'built-in' : r.ref.origin}${r.ref.author ? ` · author: ${printable(r.ref.author)}` : ''}${feedsOnly ? ' · feeds correlations only' : ''}`)}\n`);
    if (r.filters.length) process.stdout.write(`    ${st.dim(`filters: ${r.filters.map((f) => f.name ?? f.id).join(', ')}`)}\n`);
  }
  for (const c of set.correlations) {
    const ref = set.correlationRefs.get(c)!;
    process.stdout.write(`${st.bold(printable(ref.id))}  ${st.severity(ref.severity, ref.severity)}  ${printable(ref.title)}\n`);
    process.stdout.write(`    ${st.dim(`correlation ${c.type} of ${c.refs.map((x) => x.name).join(', ')} within ${c.timespan} · ${ref.origin === 'builtin' ? 'built-in' : ref.origin}${ref.author ? ` · author: ${printable(ref.author)}` : ''}`)}\n`);
  }
  for (const d of detectors) {
    process.stdout.write(`${st.bold(d.id)}  ${st.severity(d.severity, d.severity)}  ${d.title}\n`);
    process.stdout.write(`    ${st.dim(`ATT&CK ${attackOf(d.tags)} · stateful detector, built-in (docs/detectors.md; scan --no-detectors leaves it out)`)}\n`);
  }
  process.stdout.write(`${set.rules.length} rule(s), ${set.correlations.length} correlation(s), ${detectors.length} detector(s)${set.errors.length ? `, ${set.errors.length} error(s)` : ''}\n`);
  return set.errors.length ? EXIT_USAGE : 0;
}

function test(o: RuleOptions & { verbose?: boolean }): number {
  const set = ruleSetFrom(o, readConfig(o.config));
  const st = makeStyle(colorWanted(process.stdout));
  let passed = 0;
  let failed = 0;
  let untested = 0;
  for (const r of set.rules) {
    if (r.tests.length === 0) {
      untested++;
      continue;
    }
    for (const t of runRuleTests(r)) {
      if (t.ok) {
        passed++;
        if (o.verbose) process.stdout.write(`${st.green('ok')}    ${r.id}: ${t.name}\n`);
      } else {
        failed++;
        const why = t.problem ?? `expected ${t.expect ? 'a match' : 'no match'}, got ${t.actual ? 'a match' : 'none'}`;
        process.stdout.write(`${st.red('FAIL')}  ${printable(`${r.id}: ${t.name} — ${why}`)}\n`);
      }
    }
  }
  for (const c of set.correlations) {
    const id = set.correlationRefs.get(c)!.id;
    for (const t of runCorrelationTests(c, set.rules)) {
      if (t.ok) {
        passed++;
        if (o.verbose) process.stdout.write(`${st.green('ok')}    ${id}: ${t.name}\n`);
      } else {
        failed++;
        process.stdout.write(`${st.red('FAIL')}  ${id}: ${t.name} — ${t.problem ?? 'unexpected result'}\n`);
      }
    }
  }
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  if (untested) process.stderr.write(`${untested} rule(s) carry no tests\n`);
  return failed > 0 ? 1 : 0;
}

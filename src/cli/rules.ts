/** `tokenwatch rules list|test`: what the rules are, and whether they still do what their tests say. */
import { Command } from 'commander';
import { runRuleTests } from '../ruleset/rule-tests.js';
import { colorWanted, makeStyle } from '../sinks/style.js';
import { collect, EXIT_USAGE, readConfig, ruleSetFrom, UsageError, type RuleOptions } from './common.js';

function ruleOptions(cmd: Command): Command {
  return cmd
    .option('-r, --rules <dir>', 'add a folder (or file) of Sigma rules; repeatable', collect)
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

function list(o: RuleOptions & { json?: boolean }): number {
  const set = ruleSetFrom(o, readConfig(o.config), true);
  if (o.json) {
    const rows = set.rules.map((r) => ({
      id: r.id,
      sigma_id: r.sigma.id,
      title: r.ref.title,
      level: r.ref.severity,
      tags: r.ref.tags,
      author: r.ref.author ?? null,
      origin: r.ref.origin,
      tests: r.tests.length,
      filters: r.filters.map((f) => f.name ?? f.id),
    }));
    process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    return set.errors.length ? EXIT_USAGE : 0;
  }
  const st = makeStyle(colorWanted(process.stdout));
  for (const r of set.rules) {
    const attack = r.ref.tags.filter((t) => /^attack\.t\d/i.test(t)).map((t) => t.slice(7).toUpperCase());
    process.stdout.write(`${st.bold(r.id)}  ${st.severity(r.ref.severity, r.ref.severity)}  ${r.ref.title}\n`);
    process.stdout.write(`    ${st.dim(`ATT&CK ${attack.join(', ') || '-'} · ${r.tests.length} test(s) · ${r.builtin ? 'built-in' : r.ref.origin}${r.ref.author ? ` · author: ${r.ref.author}` : ''}`)}\n`);
    if (r.filters.length) process.stdout.write(`    ${st.dim(`filters: ${r.filters.map((f) => f.name ?? f.id).join(', ')}`)}\n`);
  }
  process.stdout.write(`${set.rules.length} rule(s)${set.errors.length ? `, ${set.errors.length} error(s)` : ''}\n`);
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
        process.stdout.write(`${st.red('FAIL')}  ${r.id}: ${t.name} — ${why}\n`);
      }
    }
  }
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  if (untested) process.stderr.write(`${untested} rule(s) carry no tests\n`);
  return failed > 0 ? 1 : 0;
}

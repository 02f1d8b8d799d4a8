/** The `tokenwatch` command: one subcommand per file in this folder. */
import { printable } from '../sinks/printable.js';
import { Command } from 'commander';
import { registerRules } from './rules.js';
import { registerScan } from './scan.js';
import { registerTrace } from './trace.js';
import { registerPolicy } from './policy.js';
import { VERSION } from './version.js';
import { EXIT_USAGE } from './common.js';

// A reader that stops early (`tokenwatch scan … | head`) closes the pipe: that is not an error
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

const program = new Command();
program
  .name('tokenwatch')
  .description('Detects Kubernetes service-account token abuse in API-server audit logs.')
  .version(VERSION)
  .showHelpAfterError('(run with --help for usage)')
  // commander exits 1 on a usage error, which our exit status reserves for "alerts found" (--fail-on-alert);
  // set before the subcommands are registered, which inherit it
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : EXIT_USAGE))
  .addHelpText(
    'after',
    `
Examples:
  tokenwatch scan /var/log/kubernetes/audit/            scan a folder (recursive, .gz too)
  kubectl logs ... | tokenwatch scan -                    scan standard input
  tokenwatch scan --format ndjson audit.log > alerts.ndjson
  tokenwatch rules list                                   the built-in rules
  tokenwatch rules test --rules ./my-rules                run every rule's embedded tests
  tokenwatch trace --account production/payments-admin logs/   one account's timeline`,
  );
registerScan(program);
registerRules(program);
registerTrace(program);
registerPolicy(program);

// `tokenwatch nosuch --help` would print the general help and exit 0, as if the command existed
const first = process.argv[2];
const commands = program.commands.map((c) => c.name());
if (first !== undefined && !first.startsWith('-') && first !== 'help' && !commands.includes(first)) {
  process.stderr.write(`tokenwatch: unknown command '${printable(first)}' (commands: ${commands.join(', ')}; tokenwatch --help)\n`);
  process.exit(EXIT_USAGE);
}

program.parseAsync(process.argv).catch((e: unknown) => {
  // (a message may quote a file name or a record)
  process.stderr.write(`tokenwatch: ${printable(e instanceof Error ? e.message : String(e))}\n`);
  process.exitCode = 2;
});

/** `tokenwatch trace`: the timeline of one service account or token across the input. */
import { Command } from 'commander';
import { StageJudge } from '../pipeline/stage-judge.js';
import { decodeInto, newCounters } from '../pipeline/evaluate.js';
import { Tracer } from '../pipeline/trace.js';
import { renderTrace } from '../sinks/trace-text.js';
import { colorWanted, makeStyle } from '../sinks/style.js';
import { expandInputs, InputError, openInput } from '../sources/inputs.js';
import { RecordSplitter } from '../sources/record-splitter.js';
import { EXIT_USAGE } from './common.js';

export function registerTrace(program: Command): void {
  program
    .command('trace')
    .description('Timeline of one service account or token: mints, token Secrets, requests grouped by source and client')
    .argument('<paths...>', 'log files or folders; - reads standard input')
    .option('-a, --account <ns/name>', 'the service account, NAMESPACE/NAME')
    .option('--credential-id <id>', 'one token: JTI=<uuid> (as in user.extra credential-id and the issued-credential-id annotation)')
    .option('--cluster <name>', 'cluster name for events whose format does not name one')
    .option('--json', 'machine-readable output')
    .addHelpText('after', `
Examples:
  tokenwatch trace --account production/payments-admin logs/
  tokenwatch trace --credential-id JTI=9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d logs/`)
    .action(async (paths: string[], o: { account?: string; credentialId?: string; cluster?: string; json?: boolean }) => {
      if (!o.account && !o.credentialId) {
        process.stderr.write('tokenwatch: trace needs --account NS/NAME or --credential-id JTI=...\n');
        process.exitCode = EXIT_USAGE;
        return;
      }
      let tracer: Tracer;
      try {
        tracer = new Tracer({ account: o.account, credentialId: o.credentialId });
      } catch (e) {
        process.stderr.write(`tokenwatch: ${(e as Error).message}\n`);
        process.exitCode = EXIT_USAGE;
        return;
      }
      let inputs;
      try {
        inputs = await expandInputs(paths);
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        process.stderr.write(`tokenwatch: ${e.message}\n`);
        process.exitCode = EXIT_USAGE;
        return;
      }
      const judge = new StageJudge<null[]>({ judge: (rec) => tracer.observe(rec) });
      const counters = newCounters();
      let rejected = 0;
      for (const file of inputs) {
        const opened = await openInput(file);
        const splitter = new RecordSplitter({ file: file.name }, {
          record: (r) => decodeInto(r, counters, { event: (rec) => judge.offer(rec, []), reject: () => rejected++ }, { cluster: o.cluster }),
          problem: () => rejected++,
        });
        try {
          for await (const chunk of opened.stream) splitter.push(chunk as Buffer);
        } catch (e) {
          process.stderr.write(`tokenwatch: ${file.name}: ${(e as Error).message}\n`);
        }
        splitter.end();
      }
      judge.flush();
      const r = tracer.result();
      if (o.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
      else process.stdout.write(renderTrace(r, makeStyle(colorWanted(process.stdout))) + '\n');
      process.stderr.write(`tokenwatch: ${counters.events} events read${rejected ? `, ${rejected} rejected` : ''}\n`);
    });
}

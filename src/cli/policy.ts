/** `tokenwatch policy`: prints the recommended audit Policy, or what a managed provider lets one choose. */
import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { renderPolicy } from '../policy/render.js';
import { PROVIDERS, renderProviderNotes, type Provider } from '../policy/providers.js';

interface PolicyFlags {
  provider?: Provider;
  output?: string;
  comments: boolean;
}

export function registerPolicy(program: Command): void {
  program
    .command('policy')
    .description('Print the audit Policy tokenwatch recommends for the API server, or what EKS, AKS or GKE let you choose')
    .addOption(new Option('--provider <name>', 'a managed service: what it lets you choose and what stays invisible').choices(PROVIDERS))
    .option('-o, --output <file>', 'write to this file instead of standard output')
    .option('--no-comments', 'the policy without the explanation of each rule')
    .addHelpText(
      'after',
      `
The policy logs every TokenRequest at Request level (lifetime, audiences and
bound object visible; the minted token, which is in the response, is not),
keeps Secrets, ConfigMaps and TokenReviews at Metadata, logs RBAC, pod and
service-account changes with their bodies, and drops events, leases and
health checks. Each rule is commented with why it is there and its volume.

Examples:
  tokenwatch policy > /etc/kubernetes/audit-policy.yaml
  tokenwatch policy --provider aks`,
    )
    .action((flags: PolicyFlags) => {
      const text = flags.provider ? renderProviderNotes(flags.provider) : flags.comments ? renderPolicy() : renderPolicy(undefined, null, []);
      if (flags.output) writeFileSync(flags.output, text);
      else process.stdout.write(text);
    });
}

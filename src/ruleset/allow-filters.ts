/**
 * Turns tokenwatch.yaml allow-lists into Sigma filter documents, one per list,
 * so each exclusion is a filter of its own (whose condition names what it
 * suppresses, as in the Sigma filters specification's example) and its suppressions are counted
 * under its name. Source addresses are compared with the last sourceIPs entry
 * (tokenwatch.client_ip): the others can be set by the client (X-Forwarded-For).
 */
import type { AllowList, Config } from '../config/config.js';

export interface GeneratedFilter {
  doc: Record<string, unknown>;
  where: string;
}

const FIELDS: Record<keyof AllowList, string> = {
  users: 'user.username',
  source_ips: 'tokenwatch.client_ip|cidr',
  user_agents: 'userAgent',
  namespaces: 'objectRef.namespace',
};

function cidrOf(ip: string): string {
  if (ip.includes('/')) return ip;
  return ip.includes(':') ? `${ip}/128` : `${ip}/32`;
}

function filtersFor(allow: AllowList | undefined, rules: string[], where: string): GeneratedFilter[] {
  const out: GeneratedFilter[] = [];
  if (!allow || rules.length === 0) return out;
  for (const key of Object.keys(FIELDS) as (keyof AllowList)[]) {
    const values = allow[key];
    if (!values || values.length === 0) continue;
    const name = `${where}.${key}`;
    out.push({
      where: name,
      doc: {
        title: `tokenwatch.yaml ${name}`,
        name: `config:${name}`,
        id: `config:${name}`,
        description: `Allow-list from tokenwatch.yaml: ${name}`,
        logsource: { product: 'kubernetes', service: 'audit' },
        filter: {
          rules,
          selection: { [FIELDS[key]]: key === 'source_ips' ? values.map(cidrOf) : values },
          condition: 'selection',
        },
      },
    });
  }
  return out;
}

export function allowListFilters(cfg: Config, ruleIds: string[]): GeneratedFilter[] {
  const out = filtersFor(cfg.allow, ruleIds, 'allow');
  for (const [id, rc] of Object.entries(cfg.rules ?? {})) {
    if (ruleIds.includes(id)) out.push(...filtersFor(rc.allow, [id], `rules.${id}.allow`));
  }
  return out;
}

/** Readable alerts for a person at a terminal: what happened first, then the facts to act on. */
import type { Alert } from '../alerts/alert.js';
import { formatDuration } from '../alerts/context.js';
import { expirationSeconds, issuedCredentialId } from '../event/derived.js';
import { printable, printableDeep } from './printable.js';
import type { Style } from './style.js';

/** The distinct tokens a grouped TokenRequest alert's events issued, with their lifetimes ('JTI=… (365 d)'). */
function tokensOf(a: Alert): string[] {
  const seen = new Set<string>();
  for (const e of a.events) {
    const id = issuedCredentialId(e.event);
    const exp = expirationSeconds(e.event);
    const code = e.event.responseStatus?.code;
    const life = exp !== undefined ? formatDuration(exp) : undefined;
    // a refused or failed request issued nothing: what it asked for
    const text =
      typeof code === 'number' && (code < 200 || code >= 300)
        ? `none (${code}${life ? `, asked ${life}` : ''})`
        : `${id ?? 'no credential id logged'}${life ? ` (${life})` : ''}`;
    seen.add(text);
  }
  return [...seen].map(printable);
}

function placeOf(a: Alert['events'][number]['source']): string {
  return printable(`${a.file}:${a.line}${a.index !== undefined ? ` #${a.index}` : ''} (${a.format}${a.cluster ? `, cluster ${a.cluster}` : ''})`);
}

export function renderAlert(alert: Alert, st: Style): string {
  // what the log and the rule files say, made printable before tokenwatch adds its own styling
  const a = { ...alert, rule: printableDeep(alert.rule), summary: printable(alert.summary), notes: alert.notes.map(printable), context: printableDeep(alert.context) };
  const c = a.context;
  const lines: string[] = [];
  const sev = st.severity(a.severity, a.severity.toUpperCase().padEnd(13));
  lines.push(`${sev} ${st.bold(a.rule.title)} ${st.dim(`[${a.rule.id}]`)}`);
  lines.push(`  ${a.summary}`);
  const row = (k: string, v: string | undefined) => {
    if (v) lines.push(`  ${st.dim(k.padEnd(9))}${v}`);
  };
  row('who', c.user ? `${c.user}${c.impersonated_user ? ` acting as ${c.impersonated_user}` : ''}${c.groups ? st.dim(` (${c.groups.join(', ')})`) : ''}` : undefined);
  const ips = c.source_ips && c.source_ips.length > 1 ? `${c.client_ip} ${st.dim(`(sourceIPs ${c.source_ips.join(', ')}; only the last is trustworthy)`)}` : c.client_ip;
  row('from', [ips, c.user_agent].filter(Boolean).join('  '));
  const what = [c.verb, [c.resource, c.subresource].filter(Boolean).join('/')].filter(Boolean).join(' ');
  row('target', [what, c.namespace ? `${c.namespace}/${c.name ?? ''}` : c.name].filter(Boolean).join(' '));
  if (c.response_code !== undefined || c.decision) row('outcome', [c.response_code, c.decision ? `(${c.decision})` : ''].filter((x) => x !== undefined && x !== '').join(' '));
  const when = a.count > 1 ? `${a.first_seen} … ${a.last_seen} (${a.count} times)` : a.first_seen;
  row('when', when ?? 'time unknown');
  row('cluster', c.cluster);
  // repeats grouped into one alert may be different tokens: each is named, with its lifetime
  const tokens = a.count > 1 && c.subresource === 'token' ? tokensOf(a) : [];
  if (tokens.length > 1) row('tokens', `${tokens.join(', ')}${a.count > a.events.length ? st.dim(` (of the ${a.events.length} events kept)`) : ''}`);
  else {
    if (c.issued_credential_id) row('token', `issued ${c.issued_credential_id}`);
    if (c.expiration_seconds !== undefined) row('lifetime', `${formatDuration(c.expiration_seconds)}${c.long_lived ? st.red(' long-lived') : ''}`);
  }
  if (c.credential_id) row('token', `used ${c.credential_id}`);
  for (const n of a.notes) row('note', st.yellow(n));
  if (a.rule.author && a.rule.origin !== 'builtin') row('author', a.rule.author);
  row('at', placeOf(a.events[0]!.source) + (a.count > 1 ? st.dim(` and ${a.count - 1} more`) : ''));
  // (the runbook's lines are split before its text is made printable, which would show its newlines)
  const next = alert.rule.runbook?.split('\n').find((l) => l.trim() !== '');
  row('next', next === undefined ? undefined : printable(next.trim()));
  return lines.join('\n');
}

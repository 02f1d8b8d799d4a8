/** The trace timeline as a person reads it. */
import { formatDuration } from '../alerts/context.js';
import type { TraceResult } from '../pipeline/trace.js';
import { printableDeep } from './printable.js';
import type { Style } from './style.js';

export function renderTrace(result: TraceResult, st: Style): string {
  // every name, address and client in it is the log's: printable before styling
  const r = printableDeep(result);
  const out: string[] = [];
  const subject = [r.account, r.query.credentialId].filter(Boolean).join(' with token ');
  out.push(st.bold(`Trace of ${subject}`));
  out.push(`  seen ${r.first_seen ?? '-'} … ${r.last_seen ?? '-'}; ${r.mints.length} mint(s), ${r.secrets.length} token Secret change(s), ${r.uses_total} request(s) from ${r.uses.length} source(s)`);
  if (r.mints.length) {
    out.push(st.bold('\nMinted'));
    for (const m of r.mints) {
      const life = m.expiration_seconds !== undefined ? ` lifetime ${formatDuration(m.expiration_seconds)}` : ' lifetime not logged';
      out.push(`  ${m.time ?? '?'}  ${m.minter ?? '?'} from ${m.client_ip ?? '?'} (${m.user_agent ?? '?'}) for ${m.target ?? '?'} → ${m.response_code ?? '?'}${life}${m.issued_credential_id ? `  ${m.issued_credential_id}` : ''}  ${st.dim(m.place)}`);
    }
  }
  if (r.secrets.length) {
    out.push(st.bold('\nToken Secrets'));
    for (const s of r.secrets) out.push(`  ${s.time ?? '?'}  ${s.user ?? '?'} ${s.verb} ${s.name}  ${st.dim(s.place)}`);
  }
  if (r.account_changes.length) {
    out.push(st.bold('\nThe account itself'));
    for (const s of r.account_changes) out.push(`  ${s.time ?? '?'}  ${s.user ?? '?'} ${s.verb}  ${st.dim(s.place)}`);
  }
  if (r.uses.length) {
    out.push(st.bold('\nRequests, by source address and client'));
    for (const g of r.uses) {
      out.push(`  ${st.bold(g.client_ip || '?')}  ${g.user_agent || '?'}  ${g.count}×  ${g.first_seen ?? '?'} … ${g.last_seen ?? '?'}  ${st.dim(`first at ${g.first_place}`)}`);
      const acts = Object.entries(g.actions).sort((a, b) => b[1] - a[1]).slice(0, 6).map(([k, v]) => `${k} ×${v}`).join(', ');
      out.push(`      ${acts}`);
      const codes = Object.entries(g.response_codes).map(([k, v]) => `${k} ×${v}`).join(', ');
      out.push(st.dim(`      responses ${codes}${g.pods.length ? `; pods ${g.pods.join(', ')}` : ''}${g.credential_ids.length ? `; credentials ${g.credential_ids.slice(0, 3).join(', ')}${g.credential_ids.length > 3 ? ', …' : ''}` : ''}`));
    }
  }
  if (r.truncated) out.push(st.yellow(`\n(${r.truncated} entries beyond the listing caps were counted but not listed)`));
  if (!r.mints.length && !r.uses.length && !r.secrets.length) out.push(st.yellow('\nNothing in the input concerns this account or token.'));
  return out.join('\n');
}

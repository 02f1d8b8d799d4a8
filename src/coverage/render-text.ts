/**
 * The coverage section printed after a scan: per source what the log shows,
 * credential warnings, then one line per rule and detector saying whether it
 * could have fired. The style is injected (src/sinks/style.ts fits).
 */
import { printableDeep } from '../sinks/printable.js';
import type { CoverageReport, SourceCoverage, SubjectCoverage } from './report.js';

export interface CoverageStyle {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
}

export interface RenderOptions {
  /** list every subject, also those that could fire (default true) */
  all?: boolean;
  /** sources shown in detail; the rest are summed up in one line (default 10) */
  maxSources?: number;
}

const n = (x: number) => x.toLocaleString('en-US');

function pct(part: number, whole: number): string {
  if (whole === 0) return '0%';
  const p = (part / whole) * 100;
  if (p > 0 && p < 1) return '<1%';
  if (p < 100 && p > 99) return '>99%';
  return `${Math.round(p)}%`;
}

function shares(rec: Record<string, number>, total: number, limit = 8): string {
  const e = Object.entries(rec);
  const shown = e.slice(0, limit).map(([k, v]) => `${k} ${pct(v, total)}`);
  if (e.length > limit) shown.push(`${e.length - limit} more`);
  return shown.join(', ') || 'none';
}

function time(t: string | undefined): string {
  return t ? t.replace('T', ' ') : '?';
}

function minutes(m: number): string {
  if (m < 120) return `${m} min`;
  if (m < 2880) return `${(m / 60).toFixed(1)} h`;
  return `${(m / 1440).toFixed(1)} d`;
}

function renderSource(s: SourceCoverage, gapMinutes: number, st: CoverageStyle): string[] {
  const out: string[] = [];
  const what = s.keyed_by === 'cluster' ? `cluster ${s.source}` : s.keyed_by === 'file' ? s.source : s.source;
  const fmts = Object.keys(s.formats).join(', ');
  out.push(`  ${st.bold(what)} ${st.dim(`(${fmts || 'no format'}, ${n(s.events)} events)`)}`);
  const row = (k: string, v: string) => out.push(`    ${st.dim(k.padEnd(10))}${v}`);
  const t = s.time;
  let span = t.first ? `${time(t.first)} → ${time(t.last)}` : 'no timestamps';
  if (t.untimed) span += st.dim(` (${n(t.untimed)} events without a time)`);
  row('time', span);
  if (t.gap_count) {
    const list = t.gaps.slice(0, 3).map((g) => `${time(g.from)} → ${time(g.to)} (${minutes(g.minutes)})`).join('; ');
    const more = t.gap_count > 3 ? `; ${t.gap_count - 3} more` : '';
    row('gaps', st.yellow(`${t.gap_count} span(s) of ${gapMinutes} min or more without events, ${minutes(t.gap_minutes_total)} in all: ${list}${more}`));
  } else if (t.first) row('gaps', `none of ${gapMinutes} min or more`);
  row('levels', shares(s.levels, s.events));
  row('stages', shares(s.stages, s.events));
  row('verbs', shares(s.verbs, s.events));
  const res = Object.keys(s.resources).slice(0, 8).join(', ');
  row('resources', `${s.resource_kinds} kinds: ${res}${s.resource_kinds > 8 ? ', …' : ''}`);
  const c = s.credential_ids;
  if (c.service_account_requests === 0) row('tokens', 'no service-account requests');
  else {
    const ids = c.with_jti ? `credential ids (JTI) on ${pct(c.with_jti, c.service_account_requests)}` : st.yellow('no credential ids (JTI)');
    const bind = c.with_pod_name || c.with_node_name ? `pod binding on ${pct(c.with_pod_name, c.service_account_requests)}, node on ${pct(c.with_node_name, c.service_account_requests)}` : st.yellow('no pod/node binding extras');
    row('tokens', `${n(c.service_account_requests)} service-account requests: ${ids}; ${bind}`);
  }
  const tr = s.token_requests;
  if (tr.count === 0) row('mints', st.yellow('no TokenRequests (create serviceaccounts/token)'));
  else {
    const lv = Object.keys(tr.levels).join(', ');
    const body = tr.with_body ? `request body on ${pct(tr.with_body, tr.requests)}` : st.yellow('no request body (lifetime not visible)');
    const issued = tr.with_issued_credential_id ? `, issued credential id on ${pct(tr.with_issued_credential_id, tr.requests)}` : st.yellow(', no issued credential ids');
    row('mints', `${n(tr.requests)} TokenRequests at ${lv}; ${body}${issued}`);
  }
  const r = s.reads;
  row('reads', r.get + r.list + r.watch === 0 ? st.yellow('no get, list or watch at all') : `get ${n(r.get)}, list ${n(r.list)}, watch ${n(r.watch)}`);
  for (const w of s.warnings) out.push(`    ${st.red('! ' + w)}`);
  return out;
}

const MARK: Record<SubjectCoverage['could_fire'], string> = { yes: 'could fire', partial: 'partially', no: 'could not' };

function renderSubject(x: SubjectCoverage, width: number, st: CoverageStyle): string {
  const color = x.could_fire === 'yes' ? st.green : x.could_fire === 'partial' ? st.yellow : st.red;
  const label = color(MARK[x.could_fire].padEnd(11));
  const kind = x.kind === 'detector' ? st.dim(' (detector)') : x.needs_from === 'derived' ? st.dim(' (needs derived)') : '';
  return `  ${label}${x.id.padEnd(width)}${x.reason ? ` ${x.reason}` : ''}${kind}`;
}

export function renderCoverage(report: CoverageReport, st: CoverageStyle, opts: RenderOptions = {}): string {
  // resource names, verbs and sources come from the log: printable before styling
  const r = printableDeep(report);
  const out: string[] = [];
  out.push(st.bold(`coverage: what ${r.sources.length === 1 ? 'this log shows' : `these ${r.sources.length} sources show`}`));
  if (r.sources.length === 0) out.push('  no events were read');
  const maxSources = opts.maxSources ?? 10;
  for (const s of r.sources.slice(0, maxSources)) out.push(...renderSource(s, r.gap_minutes, st));
  if (r.sources.length > maxSources) {
    const rest = r.sources.slice(maxSources);
    const warned = rest.filter((s) => s.warnings.length > 0).length;
    out.push(st.dim(`  and ${rest.length} more sources (${n(rest.reduce((a, s) => a + s.events, 0))} events${warned ? `, ${warned} with credential warnings` : ''}): the summary JSON has them all`));
    for (const s of rest) for (const w of s.warnings) out.push(`    ${st.red(`! ${s.source}: ${w}`)}`);
  }
  if (r.subjects.length) {
    out.push(st.bold('could each rule and detector have fired on this input?'));
    const subjects = opts.all === false ? r.subjects.filter((x) => x.could_fire !== 'yes') : r.subjects;
    const width = Math.min(40, Math.max(...subjects.map((x) => x.id.length), 0) + 2);
    const order: Record<string, number> = { no: 0, partial: 1, yes: 2 };
    for (const x of [...subjects].sort((a, b) => order[a.could_fire]! - order[b.could_fire]! || a.id.localeCompare(b.id))) out.push(renderSubject(x, width, st));
    if (opts.all === false && subjects.length < r.subjects.length) out.push(st.dim(`  and ${r.subjects.length - subjects.length} more that could fire`));
  }
  return out.join('\n');
}

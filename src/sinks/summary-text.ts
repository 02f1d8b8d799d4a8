/** The totals printed on stderr after a scan. */
import type { ScanSummary } from '../pipeline/scan.js';
import { printableDeep } from './printable.js';
import type { Style } from './style.js';

export function renderSummary(summary: ScanSummary, st: Style, shownRejections: number): string {
  // file names, rule ids and rejection reasons may hold what a file name or the log does: printable before styling
  const s = printableDeep(summary);
  const out: string[] = [];
  const secs = s.duration_ms / 1000;
  const rate = secs > 0 ? ` (${Math.round(s.events / secs).toLocaleString('en-US')} events/s)` : '';
  out.push(st.bold(`tokenwatch: ${s.files} file(s), ${fmtBytes(s.bytes)}, ${s.records} records, ${s.events} events, ${s.rejected} rejected, ${s.alerts} alert(s) in ${secs.toFixed(2)} s${rate}`));
  const fm = Object.entries(s.by_format).map(([k, v]) => `${k} ${v}`).join(', ');
  if (fm) out.push(`  formats: ${fm}`);
  const br = Object.entries(s.by_rule).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ');
  if (br) out.push(`  alerts by rule: ${br}`);
  const sup = Object.entries(s.suppressed).map(([k, v]) => `${k} ${v}`).join(', ');
  if (sup) out.push(`  suppressed by filters: ${sup}`);
  if (s.redacted_values) out.push(`  redacted credential values: ${s.redacted_values}`);
  // (a log with every stage of its requests has none: a count here means events read twice, or merged logs)
  if (s.duplicate_stages) out.push(`  stages of requests already judged, ignored: ${s.duplicate_stages} (the same event again, as from overlapping files or a resent batch, or a stage after its request's final one)`);
  if (s.empty) out.push(`  records without audit events (control messages, empty envelopes): ${s.empty}`);
  if (s.lazy_unreadable) out.push(st.yellow(`  ${s.lazy_unreadable} held preliminary stage(s) could not be read again (the file changed during the scan, or the line is not valid JSON): the detectors did not see them`));
  for (const e of s.input_errors) out.push(st.red(`  input error: ${e.file}: ${e.reason}`));
  if (s.rejected) {
    const shown = s.rejections.slice(0, shownRejections);
    out.push(st.yellow(`  rejected ${s.rejected} record(s):`));
    for (const r of shown) out.push(`    ${r.place.file}:${r.place.line}${r.place.index !== undefined ? ` #${r.place.index}` : ''}: ${r.reason}`);
    if (s.rejected > shown.length) out.push(`    … and ${s.rejected - shown.length} more`);
  }
  return out.join('\n');
}

export function fmtBytes(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(2)} GiB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} B`;
}

/** ANSI styling for terminals; plain text when colour is off. */
import type { Severity } from '../alerts/alert.js';

export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  severity(sev: Severity, s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
}

const wrap = (on: boolean, open: string, s: string) => (on ? `\x1b[${open}m${s}\x1b[0m` : s);
const SEV: Record<Severity, string> = { informational: '36', low: '34', medium: '33', high: '31', critical: '1;37;41' };

export function makeStyle(color: boolean): Style {
  return {
    bold: (s) => wrap(color, '1', s),
    dim: (s) => wrap(color, '2', s),
    severity: (sev, s) => wrap(color, SEV[sev], s),
    red: (s) => wrap(color, '31', s),
    yellow: (s) => wrap(color, '33', s),
    green: (s) => wrap(color, '32', s),
  };
}

/** NO_COLOR (no-color.org) and FORCE_COLOR win over the terminal check. */
export function colorWanted(stream: NodeJS.WriteStream, flag?: boolean): boolean {
  if (flag !== undefined) return flag;
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY) && process.env.TERM !== 'dumb';
}

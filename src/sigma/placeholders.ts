/**
 * Placeholders (spec: sigma-rules-specification.md §Placeholders): replaced
 * only under the `expand` modifier, from the values the caller configured.
 */
import { SigmaCompileError } from './errors.js';
import type { Pos } from './errors.js';

/** Placeholder expansion (spec: sigma-rules-specification.md §Placeholders): `%name%` → each configured value; `\%` is a plain `%`. */
export function expandPlaceholders(raw: string, placeholders: Record<string, string[]> | undefined, pos: Pos | undefined): string[] {
  let outs = [''];
  let i = 0;
  const add = (s: string): void => {
    outs = outs.map((o) => o + s);
  };
  while (i < raw.length) {
    const c = raw[i]!;
    if (c === '\\' && (raw[i + 1] === '\\' || raw[i + 1] === '%')) {
      add(raw[i + 1] === '%' ? '%' : '\\\\');
      i += 2;
      continue;
    }
    if (c === '%') {
      const j = raw.indexOf('%', i + 1);
      const name = j < 0 ? '' : raw.slice(i + 1, j);
      // Only a name-like run between two percent signs is a placeholder; `50% or 20%` is text.
      if (j < 0 || !/^[A-Za-z0-9_.-]+$/.test(name)) {
        add('%');
        i++;
        continue;
      }
      const vals = placeholders && Object.prototype.hasOwnProperty.call(placeholders, name) ? placeholders[name] : undefined;
      if (!vals) {
        const known = placeholders ? Object.keys(placeholders) : [];
        throw new SigmaCompileError(
          `unknown placeholder %${name}% (known: ${known.length ? known.map((k) => `%${k}%`).join(', ') : 'none; set LoadOptions.placeholders'})`,
          pos,
        );
      }
      if (vals.length === 0) throw new SigmaCompileError(`placeholder %${name}% has no values`, pos);
      if (outs.length * vals.length > 4096) throw new SigmaCompileError(`placeholders in '${raw}' expand to more than 4096 values`, pos);
      const next: string[] = [];
      for (const o of outs) for (const v of vals) next.push(o + v);
      outs = next;
      i = j + 1;
      continue;
    }
    add(c);
    i++;
  }
  return outs;
}

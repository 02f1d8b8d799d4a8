/**
 * Files and folders → rules, filters and errors. Each YAML document is
 * dispatched on its kind (rule, filter, correlation, ...) through one table,
 * so a new kind is one new entry.
 */
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { compileDetection } from './compile.js';
import { Diagnostics } from './errors.js';
import type { Pos, SigmaError } from './errors.js';
import { buildFilter } from './filters.js';
import { register } from './registry.js';
import { buildRuleModel, documentKind } from './rule-model.js';
import type { DocumentKind } from './rule-model.js';
import type { LoadOptions, LoadResult, SigmaFilter, SigmaRule } from './types.js';
import { parseYamlDocuments } from './yaml-source.js';
import type { SEntry, SMap } from './yaml-source.js';

interface DocContext {
  map: SMap;
  data: Record<string, unknown>;
  file: string;
  pos: Pos;
  at?: SEntry;
  diag: Diagnostics;
  opts: LoadOptions;
  out: LoadResult;
}

function buildRule(c: DocContext): void {
  const model = buildRuleModel(c.map, c.diag);
  if (!model) return;
  const det = compileDetection(model.detection, c.diag, c.opts);
  if (!det) return;
  const { detection: _detection, ...meta } = model;
  const rule: SigmaRule = {
    ...meta,
    id: model.id ?? `${c.file}:${c.pos.line}`,
    fields: det.fields,
    file: c.file,
    line: c.pos.line,
    doc: c.data,
    match: det.test,
  };
  c.out.rules.push(register(rule, det));
}

const HANDLERS: Record<DocumentKind, (c: DocContext) => void> = {
  rule: buildRule,
  filter: (c) => {
    const f = buildFilter(c.map, c.data, c.file, c.pos, c.diag, c.opts);
    if (f) c.out.filters.push(f);
  },
  correlation: (c) => c.diag.error('correlation rules are not supported yet', c.at?.keyPos ?? c.pos),
  collection: (c) =>
    c.diag.error(
      "rule collections ('action: global', 'reset', 'repeat') belong to Sigma 1.x and are not part of Sigma 2.1; write each rule as a complete document",
      c.at?.keyPos ?? c.pos,
    ),
  unknown: (c) => c.diag.error("not a Sigma document: it has no 'detection' (rule), 'filter' (filter) or 'correlation' section", c.pos),
};

/** Parses one file's text (any number of `---` separated documents). */
export function parseSigmaText(text: string, file: string, opts: LoadOptions = {}): LoadResult {
  const out: LoadResult = { rules: [], filters: [], errors: [] };
  parseInto(text, file, opts, out);
  return dedupe(out);
}

function parseInto(text: string, file: string, opts: LoadOptions, out: LoadResult): void {
  const diag = new Diagnostics(file);
  for (const doc of parseYamlDocuments(text, diag)) {
    if (!doc.root || doc.root.kind !== 'map') {
      diag.error('a Sigma document must be a map of attributes', doc.pos);
      continue;
    }
    const { kind, at } = documentKind(doc.root);
    const data = doc.data as Record<string, unknown>;
    const c: DocContext = { map: doc.root, data, file, pos: doc.pos, diag, opts, out };
    if (at) c.at = at;
    HANDLERS[kind](c);
  }
  out.errors.push(...diag.errors);
}

/** Ids and names must be unique (spec: sigma-rules-specification.md §Identification, §Name): later duplicates are errors. */
function dedupe(r: LoadResult): LoadResult {
  const keep = <T extends SigmaRule | SigmaFilter>(items: T[], what: string): T[] => {
    const ids = new Map<string, T>();
    const names = new Map<string, T>();
    const out: T[] = [];
    for (const it of items) {
      const prevId = ids.get(it.id);
      const prevName = it.name !== undefined ? names.get(it.name) : undefined;
      const prev = prevId ?? prevName;
      if (prev) {
        const which = prevId ? `id '${it.id}'` : `name '${it.name}'`;
        r.errors.push({ file: it.file, line: it.line, message: `duplicate ${what} ${which}, already used at ${prev.file}:${prev.line}` });
        continue;
      }
      ids.set(it.id, it);
      if (it.name !== undefined) names.set(it.name, it);
      out.push(it);
    }
    return out;
  };
  return { rules: keep(r.rules, 'rule'), filters: keep(r.filters, 'filter'), errors: r.errors };
}

function isSigmaFile(name: string): boolean {
  const l = name.toLowerCase();
  return l.endsWith('.yml') || l.endsWith('.yaml');
}

function walk(dir: string, out: string[], seen: Set<string>, errors: SigmaError[]): void {
  let real: string;
  try {
    real = realpathSync(dir);
  } catch (err) {
    errors.push({ file: dir, message: `cannot read folder: ${(err as Error).message}` });
    return;
  }
  if (seen.has(real)) return;
  seen.add(real);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    errors.push({ file: dir, message: `cannot read folder: ${(err as Error).message}` });
    return;
  }
  for (const name of names) {
    const p = join(dir, name);
    let st;
    try {
      st = statSync(p);
    } catch {
      continue; // a dangling symlink holds no rule
    }
    if (st.isDirectory()) walk(p, out, seen, errors);
    else if (st.isFile() && isSigmaFile(name)) out.push(p);
  }
}

/** Loads files and folders (recursively, `*.yml` / `*.yaml`, each folder's files in sorted path order). */
export function loadSigmaPaths(paths: string[], opts: LoadOptions = {}): LoadResult {
  const out: LoadResult = { rules: [], filters: [], errors: [] };
  for (const p of paths) {
    let files: string[];
    try {
      const st = statSync(p);
      if (st.isDirectory()) {
        files = [];
        walk(p, files, new Set(), out.errors);
        files.sort();
      } else files = [p];
    } catch (err) {
      out.errors.push({ file: p, message: `cannot read: ${(err as Error).message}` });
      continue;
    }
    for (const f of files) {
      let text: string;
      try {
        text = readFileSync(f, 'utf8');
      } catch (err) {
        out.errors.push({ file: f, message: `cannot read: ${(err as Error).message}` });
        continue;
      }
      parseInto(text, f, opts, out);
    }
  }
  return dedupe(out);
}

/**
 * Files and folders → rules, filters and errors. Each YAML document is
 * dispatched on its kind (rule, filter, correlation, ...) through one table,
 * so a new kind is one new entry.
 */
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { compileDetection } from './compile.js';
import { buildCorrelation, resolveCorrelations } from './correlation-model.js';
import type { SigmaCorrelation } from './correlation-model.js';
import { Diagnostics } from './errors.js';
import type { Pos, SigmaError } from './errors.js';
import { buildFilter } from './filters.js';
import { register } from './registry.js';
import { optionsForDocument, setRuleOptions } from './rule-options.js';
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
  setRuleOptions(rule, c.opts);
  c.out.rules.push(register(rule, det));
}

const HANDLERS: Record<DocumentKind, (c: DocContext) => void> = {
  rule: buildRule,
  filter: (c) => {
    const f = buildFilter(c.map, c.data, c.file, c.pos, c.diag, c.opts);
    if (f) c.out.filters.push(f);
  },
  correlation: (c) => {
    const corr = buildCorrelation(c.map, c.data, c.file, c.pos, c.diag);
    if (corr) c.out.correlations.push(corr);
  },
  collection: (c) =>
    c.diag.error(
      "rule collections ('action: global', 'reset', 'repeat') belong to Sigma 1.x and are not part of Sigma 2.1; write each rule as a complete document",
      c.at?.keyPos ?? c.pos,
    ),
  unknown: (c) => c.diag.error("not a Sigma document: it has no 'detection' (rule), 'filter' (filter) or 'correlation' section", c.pos),
};

/** Parses one file's text (any number of `---` separated documents). */
export function parseSigmaText(text: string, file: string, opts: LoadOptions = {}): LoadResult {
  const out: LoadResult = { rules: [], filters: [], correlations: [], errors: [] };
  parseInto(text, file, opts, out);
  return finish(out, opts);
}

/** Leaves out duplicates, then resolves correlations against what was loaded (and `opts.external`). */
function finish(out: LoadResult, opts: LoadOptions): LoadResult {
  const r = dedupe(out);
  r.correlations = resolveCorrelations(r, opts.external ?? {}, r.errors);
  return r;
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
    const c: DocContext = { map: doc.root, data, file, pos: doc.pos, diag, opts: optionsForDocument(opts, data), out };
    if (at) c.at = at;
    HANDLERS[kind](c);
  }
  out.errors.push(...diag.errors);
}

/**
 * Ids and names must be unique (spec: sigma-rules-specification.md §Identification, §Name): later duplicates are errors.
 * Rules and correlations share one namespace, since a correlation's `rules` may name either
 * (spec: sigma-correlation-rules-specification.md §Related rules).
 */
function dedupe(r: LoadResult): LoadResult {
  type Item = SigmaRule | SigmaFilter | SigmaCorrelation;
  const keep = <T extends Item>(items: T[], what: string, ids = new Map<string, Item>(), names = new Map<string, Item>()): T[] => {
    const out: T[] = [];
    for (const it of items) {
      const prevId = ids.get(it.id) ?? (it.name !== undefined ? ids.get(it.name) : undefined);
      const prevName = it.name !== undefined ? names.get(it.name) : names.get(it.id);
      const prev = prevId ?? prevName;
      if (prev) {
        const which = ids.get(it.id) || names.get(it.id) ? `id '${it.id}'` : `name '${it.name}'`;
        r.errors.push({ file: it.file, line: it.line, message: `duplicate ${what} ${which}, already used at ${prev.file}:${prev.line}` });
        continue;
      }
      ids.set(it.id, it);
      if (it.name !== undefined) names.set(it.name, it);
      out.push(it);
    }
    return out;
  };
  const ruleIds = new Map<string, Item>();
  const ruleNames = new Map<string, Item>();
  const rules = keep(r.rules, 'rule', ruleIds, ruleNames);
  const correlations = keep(r.correlations, 'rule or correlation', ruleIds, ruleNames);
  return { rules, filters: keep(r.filters, 'filter'), correlations, errors: r.errors };
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
  const out: LoadResult = { rules: [], filters: [], correlations: [], errors: [] };
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
        if (opts.textFilter) text = opts.textFilter(text);
      } catch (err) {
        out.errors.push({ file: f, message: `cannot read: ${(err as Error).message}` });
        continue;
      }
      parseInto(text, f, opts, out);
    }
  }
  return finish(out, opts);
}

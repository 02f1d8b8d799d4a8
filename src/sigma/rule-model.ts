/**
 * The document model: which kind of Sigma document a YAML document is, and
 * the checked metadata of rules and filters (spec:
 * sigma-rules-specification.md §Components, sigma-filters-specification.md
 * §Components). Detection content is only located here; compile.ts gives it
 * meaning.
 */
import type { Diagnostics, Pos } from './errors.js';
import { entry, kindName } from './yaml-source.js';
import type { SEntry, SMap, SNode, SScalar } from './yaml-source.js';

export type DocumentKind = 'rule' | 'filter' | 'correlation' | 'collection' | 'unknown';

/** Decides the kind from the keys that only that kind has. */
export function documentKind(map: SMap): { kind: DocumentKind; at?: SEntry } {
  const corr = entry(map, 'correlation');
  if (corr) return { kind: 'correlation', at: corr };
  const action = entry(map, 'action');
  if (action) return { kind: 'collection', at: action };
  const det = entry(map, 'detection');
  if (det) return { kind: 'rule', at: det };
  const filter = entry(map, 'filter');
  if (filter) return { kind: 'filter', at: filter };
  return { kind: 'unknown' };
}

export interface LogSource {
  product?: string;
  service?: string;
  category?: string;
  definition?: string;
}

/** A detection (or a filter's `filter:` section): search identifiers plus the condition(s). */
export interface DetectionModel {
  identifiers: SEntry[];
  /** One or more conditions; several are OR-ed (spec: sigma-rules-specification.md §Condition). */
  conditions: SScalar[];
  pos?: Pos;
}

export interface RuleMeta {
  title: string;
  id?: string;
  name?: string;
  status?: string;
  description?: string;
  author?: string;
  date?: string;
  modified?: string;
  level?: string;
  tags: string[];
  references: string[];
  falsepositives: string[];
  logsource: LogSource;
}

export interface RuleModel extends RuleMeta {
  detection: DetectionModel;
}

export interface FilterModel {
  title: string;
  id?: string;
  name?: string;
  description?: string;
  logsource: LogSource;
  rules: string[];
  detection: DetectionModel;
}

export const STATUS = ['stable', 'test', 'experimental', 'deprecated', 'unsupported'];
export const LEVELS = ['informational', 'low', 'medium', 'high', 'critical'];
const RELATED = ['correlation', 'derived', 'obsolete', 'merged', 'renamed', 'similar'];
const DATE = /^\d{4}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])$/;

/** Reads typed metadata, reporting every mismatch (and going on, so all are reported at once). */
export class Reader {
  constructor(
    readonly map: SMap,
    readonly diag: Diagnostics,
    readonly where: string,
  ) {}

  str(key: string, required = false): string | undefined {
    const e = entry(this.map, key);
    if (!e) {
      if (required) this.diag.error(`${this.where}: '${key}' is mandatory`, this.map.pos);
      return undefined;
    }
    const v = e.value;
    if (v.kind === 'scalar' && typeof v.value === 'string') return v.value;
    // A bare number or boolean is still text the author meant (`author: 1337`).
    if (v.kind === 'scalar' && (typeof v.value === 'number' || typeof v.value === 'boolean') && !required) return v.text;
    this.diag.error(`${this.where}: '${key}' must be a string, not ${kindName(v)}`, v.pos ?? e.keyPos);
    return undefined;
  }

  oneOf(key: string, allowed: string[], section: string): string | undefined {
    const v = this.str(key);
    if (v !== undefined && !allowed.includes(v)) {
      const e = entry(this.map, key)!;
      this.diag.error(`${this.where}: '${key}' must be one of ${allowed.join(', ')}, not '${v}' (spec: ${section})`, e.value.pos ?? e.keyPos);
    }
    return v;
  }

  date(key: string): string | undefined {
    const v = this.str(key);
    if (v !== undefined && !DATE.test(v)) {
      const e = entry(this.map, key)!;
      this.diag.error(`${this.where}: '${key}' must be an ISO 8601 date YYYY-MM-DD, not '${v}' (spec: sigma-rules-specification.md §Date)`, e.value.pos ?? e.keyPos);
    }
    return v;
  }

  list(key: string, allowScalar = false): string[] {
    const e = entry(this.map, key);
    if (!e) return [];
    const v = e.value;
    if (v.kind === 'scalar' && v.value === null) return [];
    if (allowScalar && v.kind === 'scalar' && typeof v.value === 'string') return [v.value];
    if (v.kind !== 'seq') {
      this.diag.error(`${this.where}: '${key}' must be a list of strings, not ${kindName(v)}`, v.pos ?? e.keyPos);
      return [];
    }
    const out: string[] = [];
    for (const it of v.items) {
      if (it.kind === 'scalar' && (typeof it.value === 'string' || typeof it.value === 'number')) out.push(it.text);
      else this.diag.error(`${this.where}: '${key}' must be a list of strings, found ${kindName(it)}`, it.pos ?? e.keyPos);
    }
    return out;
  }

  map_(key: string, required: boolean): { map: SMap; e: SEntry } | undefined {
    const e = entry(this.map, key);
    if (!e) {
      if (required) this.diag.error(`${this.where}: '${key}' is mandatory`, this.map.pos);
      return undefined;
    }
    if (e.value.kind !== 'map') {
      this.diag.error(`${this.where}: '${key}' must be a map, not ${kindName(e.value)}`, e.value.pos ?? e.keyPos);
      return undefined;
    }
    return { map: e.value, e };
  }
}

function readLogsource(r: Reader): LogSource | undefined {
  const ls = r.map_('logsource', true);
  if (!ls) return undefined;
  const sub = new Reader(ls.map, r.diag, `${r.where}: logsource`);
  const out: LogSource = {};
  for (const k of ['category', 'product', 'service', 'definition'] as const) {
    const v = sub.str(k);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

export function readRelated(r: Reader): void {
  const e = entry(r.map, 'related');
  if (!e) return;
  if (e.value.kind !== 'seq') {
    r.diag.error(`${r.where}: 'related' must be a list of {id, type} maps`, e.value.pos ?? e.keyPos);
    return;
  }
  for (const it of e.value.items) {
    if (it.kind !== 'map') {
      r.diag.error(`${r.where}: 'related' must be a list of {id, type} maps`, it.pos ?? e.keyPos);
      continue;
    }
    const sub = new Reader(it, r.diag, `${r.where}: related`);
    sub.str('id', true);
    if (sub.str('type', true) !== undefined) sub.oneOf('type', RELATED, 'sigma-rules-specification.md §Identification');
  }
}

/**
 * Locates search identifiers and the condition in a detection-like map.
 * `reserved` keys are not identifiers (`condition`, and `rules` in filters).
 */
export function readDetection(map: SMap, diag: Diagnostics, where: string, reserved: string[]): DetectionModel | undefined {
  const identifiers: SEntry[] = [];
  const conditions: SScalar[] = [];
  let ok = true;
  const cond = entry(map, 'condition');
  if (!cond) {
    diag.error(`${where}: 'condition' is mandatory (spec: sigma-rules-specification.md §Condition)`, map.pos);
    ok = false;
  } else {
    const v: SNode = cond.value;
    const items = v.kind === 'seq' ? v.items : [v];
    if (v.kind === 'seq' && v.items.length === 0) {
      diag.error(`${where}: 'condition' is an empty list`, v.pos ?? cond.keyPos);
      ok = false;
    }
    for (const it of items) {
      if (it.kind === 'scalar' && typeof it.value === 'string') conditions.push(it);
      else {
        diag.error(`${where}: 'condition' must be a string or a list of strings, not ${kindName(it)}`, it.pos ?? cond.keyPos);
        ok = false;
      }
    }
  }
  for (const e of map.entries) {
    if (e.key === 'condition' || reserved.includes(e.key)) continue;
    if (e.key === 'timeframe') {
      diag.error(`${where}: 'timeframe' in a detection belongs to Sigma 1.x aggregations; use a correlation rule`, e.keyPos);
      ok = false;
      continue;
    }
    identifiers.push(e);
  }
  if (identifiers.length === 0) {
    diag.error(`${where}: no search identifier is defined`, map.pos);
    ok = false;
  }
  return ok ? { identifiers, conditions, pos: map.pos } : undefined;
}

/** Checks a rule document's metadata and locates its detection. Undefined when anything is wrong. */
export function buildRuleModel(map: SMap, diag: Diagnostics): RuleModel | undefined {
  const before = diag.count;
  const r = new Reader(map, diag, 'rule');
  const title = r.str('title', true);
  if (title !== undefined && title.length > 256) diag.error('rule: \'title\' is longer than 256 characters (spec: sigma-rules-specification.md §Title)', entry(map, 'title')!.value.pos);
  const id = r.str('id');
  const name = r.str('name');
  const status = r.oneOf('status', STATUS, 'sigma-rules-specification.md §Status');
  const description = r.str('description');
  const author = r.str('author');
  const date = r.date('date');
  const modified = r.date('modified');
  const level = r.oneOf('level', LEVELS, 'sigma-rules-specification.md §Level');
  const tags = r.list('tags');
  const references = r.list('references');
  const falsepositives = r.list('falsepositives', true);
  r.list('fields');
  r.list('scope');
  r.str('taxonomy');
  r.str('license');
  readRelated(r);
  const logsource = readLogsource(r);
  const det = r.map_('detection', true);
  const detection = det ? readDetection(det.map, diag, 'detection', []) : undefined;
  if (diag.count > before || title === undefined || !logsource || !detection) return undefined;
  const out: RuleModel = { title, tags, references, falsepositives, logsource, detection };
  if (id !== undefined) out.id = id;
  if (name !== undefined) out.name = name;
  if (status !== undefined) out.status = status;
  if (description !== undefined) out.description = description;
  if (author !== undefined) out.author = author;
  if (date !== undefined) out.date = date;
  if (modified !== undefined) out.modified = modified;
  if (level !== undefined) out.level = level;
  return out;
}

/** Checks a filter document (spec: sigma-filters-specification.md §Components). */
export function buildFilterModel(map: SMap, diag: Diagnostics): FilterModel | undefined {
  const before = diag.count;
  const r = new Reader(map, diag, 'filter');
  const title = r.str('title', true);
  const id = r.str('id');
  const name = r.str('name');
  const description = r.str('description');
  r.date('date');
  r.date('modified');
  r.str('taxonomy');
  const logsource = readLogsource(r);
  const f = r.map_('filter', true);
  let rules: string[] = [];
  let detection: DetectionModel | undefined;
  if (f) {
    const fr = new Reader(f.map, diag, 'filter');
    const re = entry(f.map, 'rules');
    if (!re) diag.error("filter: 'rules' is mandatory: the ids or names of the rules the filter applies to (spec: sigma-filters-specification.md §Relative rules)", f.map.pos);
    else {
      rules = fr.list('rules');
      if (re.value.kind === 'seq' && re.value.items.length === 0) diag.error("filter: 'rules' must name at least one rule", re.value.pos ?? re.keyPos);
    }
    if (!entry(f.map, 'selection')) diag.error("filter: 'selection' is mandatory (spec: sigma-filters-specification.md §filter selection)", f.map.pos);
    detection = readDetection(f.map, diag, 'filter', ['rules']);
  }
  if (diag.count > before || title === undefined || !logsource || !detection) return undefined;
  const out: FilterModel = { title, logsource, rules, detection };
  if (id !== undefined) out.id = id;
  if (name !== undefined) out.name = name;
  if (description !== undefined) out.description = description;
  return out;
}

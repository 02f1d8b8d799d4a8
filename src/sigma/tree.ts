/**
 * The compiled form of a detection. It keeps the shape of the rule
 * (selections, maps, items, values, each with its source position) next to
 * the predicates, so `explain` and the prefilter can walk what actually runs
 * instead of re-reading the YAML.
 */
import type { AuditEvent } from '../event/types.js';
import type { Pos } from './errors.js';
import type { Network } from './ip.js';
import type { Compare, ModSet, TimePart } from './modifiers.js';
import type { PatternInfo } from './values.js';
import type { ScalarValue } from './yaml-source.js';

export interface CompileOptions {
  fieldMapping?: Record<string, string | string[]>;
  fieldPrefix?: string;
  placeholders?: Record<string, string[]>;
}

export type Pred = (ev: AuditEvent) => boolean;

/** One value of a detection item, as written, with its compiled test. */
export interface CValue {
  kind: 'pattern' | 'number' | 'boolean' | 'null' | 're' | 'cidr' | 'compare' | 'time' | 'exists' | 'fieldref' | 'neq';
  /** The value as written in the rule. */
  raw: ScalarValue;
  pos?: Pos;
  /** For `pattern`: the alternatives one written value became (expand, windash, base64offset). */
  patterns?: PatternInfo[];
  /** For `number`: the folded string forms that match (as written, and as printed). */
  forms?: string[];
  /** For `neq`: the equality it negates. */
  negated?: CValue;
  /** For `fieldref`: the referenced field and its event paths. */
  ref?: { field: string; paths: string[] };
  regex?: RegExp;
  network?: Network;
  compare?: { op: Compare | 'eq'; value: number; time?: TimePart };
  /** True when the value is judged per event value (so explain can say which one matched). */
  perValue: boolean;
  /** Test of a single event value (per-value kinds only). */
  one(v: unknown): boolean;
  /** Test of all values found at the field. */
  all(vals: unknown[], ev: AuditEvent): boolean;
  /** Readable form: `'kube-system'`, `re /^a/i`, `cidr 10.0.0.0/8`. */
  describe: string;
}

export interface CFieldItem {
  t: 'field';
  key: string;
  field: string;
  paths: string[];
  mods: ModSet;
  /** `any` (lists are OR, spec §Lists) unless `|all`. */
  combine: 'any' | 'all';
  values: CValue[];
  pos?: Pos;
  /** The values found at the field (all mapped paths) in an event. */
  read(ev: AuditEvent): unknown[];
  test: Pred;
}

export interface CKeywordItem {
  t: 'keyword';
  key?: string;
  mods?: ModSet;
  combine: 'any' | 'all';
  values: CValue[];
  pos?: Pos;
  test: Pred;
}

export type CItem = CFieldItem | CKeywordItem;

/** A map: all items must match (spec: sigma-rules-specification.md §Maps). */
export interface CMap {
  t: 'map';
  items: CItem[];
  pos?: Pos;
  test: Pred;
}

/** A list of maps and/or keywords: one must match (spec: sigma-rules-specification.md §Lists). */
export interface CList {
  t: 'list';
  alts: (CMap | CKeywordItem)[];
  pos?: Pos;
  test: Pred;
}

export type CBody = CMap | CList | CKeywordItem;

export interface CSelection {
  name: string;
  pos?: Pos;
  body: CBody;
  test: Pred;
}

export type CCond =
  | { t: 'and' | 'or'; args: CCond[]; pos?: Pos; test: Pred }
  | { t: 'not'; arg: CCond; pos?: Pos; test: Pred }
  | { t: 'ref'; name: string; sel: CSelection; pos?: Pos; test: Pred }
  | { t: 'of'; quant: 'one' | 'all'; pattern: string; sels: CSelection[]; pos?: Pos; test: Pred };

export interface CompiledDetection {
  selections: CSelection[];
  /** One per written condition; several are OR-ed. */
  conditions: CCond[];
  /** Event paths the detection reads, after mapping. */
  fields: string[];
  test: Pred;
}

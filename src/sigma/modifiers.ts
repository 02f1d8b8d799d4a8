/**
 * The `field|mod1|mod2` key syntax and the rules on which modifiers may be
 * combined (spec: sigma-appendix-modifiers.md, v2.1.0). Every combination the
 * appendix does not give a meaning is rejected here, with the column of the
 * offending modifier, instead of being guessed at in the compiler.
 */
import { SigmaCompileError, shift } from './errors.js';
import type { Pos } from './errors.js';

export type Shape = 'contains' | 'startswith' | 'endswith';
export type Compare = 'gt' | 'gte' | 'lt' | 'lte';
export type TimePart = 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year';
export type Encoding = 'utf16le' | 'utf16be' | 'utf16';
export type Transform = 'windash' | Encoding | 'base64' | 'base64offset';

export interface ModSet {
  /** The modifiers as written, in order. */
  names: string[];
  shape?: Shape;
  all: boolean;
  cased: boolean;
  /** `re` with its sub-modifier flags (`i`, `m`, `s`). */
  re?: { flags: string };
  cidr: boolean;
  exists: boolean;
  fieldref: boolean;
  neq: boolean;
  expand: boolean;
  compare?: Compare;
  time?: TimePart;
  /** Value transformations in the order they apply (`wide` is recorded as `utf16le`). */
  transforms: Transform[];
}

const SHAPES = new Set(['contains', 'startswith', 'endswith']);
const COMPARES = new Set(['gt', 'gte', 'lt', 'lte']);
const TIMES = new Set(['minute', 'hour', 'day', 'week', 'month', 'year']);
const ENCODINGS = new Set(['utf16le', 'utf16be', 'utf16', 'wide']);
const RE_FLAGS = new Set(['i', 'm', 's']);
const SIMPLE = new Set(['all', 'cased', 're', 'cidr', 'exists', 'fieldref', 'neq', 'expand', 'windash', 'base64', 'base64offset']);

export const KNOWN_MODIFIERS: readonly string[] = [
  ...SIMPLE,
  ...SHAPES,
  ...COMPARES,
  ...TIMES,
  ...ENCODINGS,
  ...RE_FLAGS,
].sort();

export interface ParsedKey {
  field: string;
  mods: ModSet;
}

/**
 * Splits and validates a detection key. `keyPos` is where the key starts and
 * `plain` says whether columns inside it can be computed.
 */
export function parseKey(key: string, keyPos: Pos | undefined, plain: boolean): ParsedKey {
  const parts = key.split('|');
  const field = parts[0]!;
  const offsets: number[] = [];
  let off = field.length + 1;
  for (let i = 1; i < parts.length; i++) {
    offsets.push(off);
    off += parts[i]!.length + 1;
  }
  const at = (i: number): Pos | undefined => (plain ? shift(keyPos, offsets[i]!) : keyPos);
  const fail = (i: number, msg: string): never => {
    throw new SigmaCompileError(msg, at(i));
  };
  const names = parts.slice(1);
  const m: ModSet = {
    names,
    all: false,
    cased: false,
    cidr: false,
    exists: false,
    fieldref: false,
    neq: false,
    expand: false,
    transforms: [],
  };
  const seen = new Set<string>();
  const firstIndex: Record<string, number> = {};
  let reIndex = -1;
  const transformAt: number[] = [];
  names.forEach((name, i) => {
    if (name === '') fail(i, `empty modifier in '${key}'`);
    const canon = name === 'wide' ? 'utf16le' : name;
    if (seen.has(canon)) fail(i, `modifier '${name}' given twice in '${key}'`);
    seen.add(canon);
    firstIndex[canon] = i;
    if (RE_FLAGS.has(name)) {
      if (reIndex < 0) fail(i, `modifier '${name}' is a sub-modifier of 're' and must follow it (spec: sigma-appendix-modifiers.md §Regular Expression)`);
      m.re!.flags += name;
      return;
    }
    if (SHAPES.has(name)) {
      if (m.shape) fail(i, `modifiers '${m.shape}' and '${name}' cannot be combined`);
      m.shape = name as Shape;
    } else if (COMPARES.has(name)) {
      if (m.compare) fail(i, `modifiers '${m.compare}' and '${name}' cannot be combined`);
      m.compare = name as Compare;
    } else if (TIMES.has(name)) {
      if (m.time) fail(i, `modifiers '${m.time}' and '${name}' cannot be combined`);
      m.time = name as TimePart;
    } else if (ENCODINGS.has(name)) {
      m.transforms.push(canon as Encoding);
      transformAt.push(i);
    } else if (name === 'windash' || name === 'base64' || name === 'base64offset') {
      m.transforms.push(name);
      transformAt.push(i);
    } else if (name === 're') {
      reIndex = i;
      m.re = { flags: '' };
    } else if (name === 'all') m.all = true;
    else if (name === 'cased') m.cased = true;
    else if (name === 'cidr') m.cidr = true;
    else if (name === 'exists') m.exists = true;
    else if (name === 'fieldref') m.fieldref = true;
    else if (name === 'neq') m.neq = true;
    else if (name === 'expand') m.expand = true;
    else fail(i, `unknown modifier '${name}' (known: ${KNOWN_MODIFIERS.join(', ')})`);
  });

  const idx = (n: string): number => firstIndex[n] ?? 0;
  const conflict = (a: string, b: string, why?: string): never =>
    fail(Math.max(idx(a), idx(b)), `modifiers '${a}' and '${b}' cannot be combined${why ? `: ${why}` : ''}`);
  const present = (n: string): boolean => seen.has(n);

  // Type modifiers decide what the value means; at most one of them.
  const types = ['re', 'cidr', 'exists', 'fieldref', 'neq', 'time', 'compare'].filter((t) =>
    t === 'time' ? m.time !== undefined : t === 'compare' ? m.compare !== undefined : present(t),
  );
  const typeName = (t: string): string => (t === 'time' ? m.time! : t === 'compare' ? m.compare! : t);
  if (types.length > 1) {
    // A time part followed by a comparison is meaningful: `field|hour|gte: 22`.
    const ok = types.length === 2 && types.includes('time') && types.includes('compare');
    if (!ok) conflict(typeName(types[0]!), typeName(types[1]!));
  }
  const type = types.includes('time') ? 'time' : types[0];
  const hasTransforms = m.transforms.length > 0;
  const firstTransform = (): string => names[transformAt[0]!]!;

  if (type && type !== 'fieldref') {
    if (m.shape) conflict(typeName(type), m.shape);
    if (hasTransforms) conflict(typeName(type), firstTransform());
  }
  if (type && m.expand) conflict(typeName(type), 'expand');
  if (type === 'exists' && m.all) conflict('exists', 'all');
  if (type === 'fieldref' && hasTransforms) conflict('fieldref', firstTransform());
  if (m.cased && type && type !== 'fieldref' && type !== 'neq') {
    conflict(typeName(type), 'cased', type === 're' ? "regular expressions are case-sensitive already; use 're|i' for case-insensitive" : 'cased applies to string matching');
  }

  // Encodings are sub-modifiers of base64 (appendix §Encoding) and must come before it.
  if (present('base64') && present('base64offset')) conflict('base64', 'base64offset');
  const b64 = Math.max(m.transforms.indexOf('base64'), m.transforms.indexOf('base64offset'));
  let encodings = 0;
  m.transforms.forEach((t, k) => {
    const at = transformAt[k]!;
    if (t === 'utf16le' || t === 'utf16be' || t === 'utf16') {
      if (++encodings > 1) fail(at, 'only one of utf16le, utf16be, utf16, wide may be given');
      if (b64 < k) fail(at, `modifier '${names[at]}' is a sub-modifier of base64 and must be followed by 'base64' or 'base64offset' (spec: sigma-appendix-modifiers.md §Encoding)`);
    }
    if (t === 'windash' && b64 >= 0 && k > b64) fail(at, `modifier 'windash' must come before '${m.transforms[b64]}'`);
  });
  // Encoding a value that already has wildcards around it means nothing, so the order matters there;
  // windash only swaps characters, which commutes with adding wildcards.
  const lastEncoding = transformAt.filter((_, k) => m.transforms[k] !== 'windash').pop();
  if (m.shape && lastEncoding !== undefined && idx(m.shape) < lastEncoding) {
    fail(idx(m.shape), `modifier '${m.shape}' must come after the encoding modifiers, which apply in the given order`);
  }
  if (present('base64offset') && m.shape !== 'contains' && field !== '') {
    fail(idx('base64offset'), "modifier 'base64offset' needs 'contains': its values are fragments of a longer Base64 string (spec: sigma-appendix-modifiers.md §Encoding)");
  }
  if (m.expand && hasTransforms && transformAt[0]! < idx('expand')) {
    fail(idx('expand'), "modifier 'expand' must come before any value transformation: placeholders are replaced first");
  }

  if (field === '') {
    // Keyword search with modifiers (spec: sigma-rules-specification.md §Keywords search): only what applies to free text.
    const bad = names.findIndex((n) => ['startswith', 'endswith', 'exists', 'cidr', 'fieldref', 'neq'].includes(n) || COMPARES.has(n) || TIMES.has(n));
    if (bad >= 0) fail(bad, `modifier '${names[bad]}' cannot be used on a keyword search (a key without a field name)`);
  }
  return { field, mods: m };
}

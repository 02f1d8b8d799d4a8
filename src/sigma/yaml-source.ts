/**
 * YAML text → a small positioned tree (SNode). The rest of the engine reads
 * this tree, never the `yaml` library's node types, for two reasons: every
 * key and value keeps the line and column a diagnostic must name, and a
 * tree built from plain data (filters generated from a config file) goes
 * through exactly the same code as one parsed from a file.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments } from 'yaml';
import type { Document, Node as YNode } from 'yaml';
import { shift } from './errors.js';
import type { Diagnostics, Pos } from './errors.js';

export type ScalarValue = string | number | boolean | null;

export interface SScalar {
  kind: 'scalar';
  value: ScalarValue;
  /** The text as written (`0x17` for the number 23); the value's string form for plain data. */
  text: string;
  /** How the scalar was written; `data` when built from plain data. */
  style: 'plain' | 'single' | 'double' | 'block' | 'data';
  /** True when the scalar's source sits on one line, so columns inside it can be computed. */
  oneLine: boolean;
  pos?: Pos;
}

export interface SEntry {
  key: string;
  keyPos?: Pos;
  /** True when the key is a one-line plain scalar, so a column inside it can be computed. */
  keyPlain: boolean;
  value: SNode;
}

export interface SMap {
  kind: 'map';
  entries: SEntry[];
  pos?: Pos;
}

export interface SSeq {
  kind: 'seq';
  items: SNode[];
  pos?: Pos;
}

export type SNode = SScalar | SMap | SSeq;

export interface SourceDocument {
  /** The document's root, or null for an empty document (a trailing `---`). */
  root: SNode | null;
  /** The document as plain data, exactly what `yaml` produces (dates stay strings: YAML 1.2 core schema). */
  data: unknown;
  /** Where the document's content starts. */
  pos: Pos;
}

const STYLE: Record<string, SScalar['style']> = {
  PLAIN: 'plain',
  QUOTE_SINGLE: 'single',
  QUOTE_DOUBLE: 'double',
  BLOCK_LITERAL: 'block',
  BLOCK_FOLDED: 'block',
};

/** Parses every document of a (multi-document) YAML text. YAML errors go to `diag`; a document with one is skipped. */
export function parseYamlDocuments(text: string, diag: Diagnostics): SourceDocument[] {
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lc, prettyErrors: false });
  const out: SourceDocument[] = [];
  const posAt = (offset: number): Pos => {
    const p = lc.linePos(offset);
    return { line: p.line, col: p.col };
  };
  for (const doc of docs) {
    const problems = [...doc.errors, ...doc.warnings];
    if (problems.length > 0) {
      for (const e of problems) diag.error(`YAML ${e.name === 'YAMLWarning' ? 'warning' : 'syntax error'}: ${firstLine(e.message)}`, posAt(e.pos[0]));
      continue;
    }
    const contents = doc.contents as YNode | null;
    if (contents === null || (isScalar(contents) && contents.value === null && (contents.source ?? '') === '')) {
      continue; // an empty document holds no construct that could be ignored
    }
    const before = diag.count;
    const root = convert(contents, doc, posAt, diag, 0);
    if (diag.count > before) continue;
    const start = contents.range ? contents.range[0] : 0;
    out.push({ root, data: doc.toJS({ maxAliasCount: 100 }), pos: posAt(start) });
  }
  return out;
}

function firstLine(msg: string): string {
  const i = msg.indexOf(' at line ');
  const s = i >= 0 ? msg.slice(0, i) : msg;
  const nl = s.indexOf('\n');
  return nl >= 0 ? s.slice(0, nl) : s;
}

function convert(node: YNode, doc: Document, posAt: (o: number) => Pos, diag: Diagnostics, depth: number): SNode {
  const pos = node.range ? posAt(node.range[0]) : undefined;
  if (depth > 64) {
    diag.error('YAML nesting too deep (or an alias cycle)', pos);
    return { kind: 'scalar', value: null, text: '', style: 'plain', oneLine: false, pos };
  }
  if (isAlias(node)) {
    const target = node.resolve(doc);
    if (!target) {
      diag.error(`YAML alias *${node.source} names no anchor`, pos);
      return { kind: 'scalar', value: null, text: '', style: 'plain', oneLine: false, pos };
    }
    // The alias's own position is the useful one for diagnostics.
    const n = convert(target, doc, posAt, diag, depth + 1);
    return { ...n, pos } as SNode;
  }
  if (isMap(node)) {
    const entries: SEntry[] = [];
    for (const pair of node.items) {
      const k = pair.key as YNode | null;
      const keyPos = k && k.range ? posAt(k.range[0]) : pos;
      let key: string;
      let keyPlain = false;
      if (k !== null && isScalar(k) && (k.value === null || ['string', 'number', 'boolean'].includes(typeof k.value))) {
        key = k.value === null ? '' : typeof k.value === 'string' ? k.value : (k.source ?? String(k.value));
        keyPlain = k.type === 'PLAIN' || k.type === 'QUOTE_SINGLE' || k.type === 'QUOTE_DOUBLE';
        if (keyPlain && k.type !== 'PLAIN') keyPlain = !key.includes("'") && !key.includes('\\');
      } else {
        diag.error('a map key must be a plain string', keyPos);
        continue;
      }
      const v = pair.value as YNode | null;
      const value: SNode =
        v === null
          ? { kind: 'scalar', value: null, text: '', style: 'plain', oneLine: false, pos: keyPos }
          : convert(v, doc, posAt, diag, depth + 1);
      // Quoted keys start one column before their text.
      const kp = keyPos && k && isScalar(k) && k.type !== 'PLAIN' ? { line: keyPos.line, col: keyPos.col + 1 } : keyPos;
      entries.push({ key, keyPos: kp, keyPlain, value });
    }
    return { kind: 'map', entries, pos };
  }
  if (isSeq(node)) {
    const items: SNode[] = [];
    for (const it of node.items) {
      const n = it as YNode | null;
      items.push(n === null ? { kind: 'scalar', value: null, text: '', style: 'plain', oneLine: false, pos } : convert(n, doc, posAt, diag, depth + 1));
    }
    return { kind: 'seq', items, pos };
  }
  if (isScalar(node)) {
    const v = node.value;
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
      const style = STYLE[node.type ?? 'PLAIN'] ?? 'plain';
      const text = typeof v === 'string' ? v : (node.source ?? String(v));
      const oneLine = !!node.range && !!pos && posAt(node.range[1]).line === pos.line;
      return { kind: 'scalar', value: v, text, style, oneLine, pos };
    }
    diag.error(`unsupported YAML value of type ${typeof v}`, pos);
    return { kind: 'scalar', value: null, text: '', style: 'plain', oneLine: false, pos };
  }
  diag.error('unsupported YAML node', pos);
  return { kind: 'scalar', value: null, text: '', style: 'plain', oneLine: false, pos };
}

/**
 * Plain data → SNode, for documents that never were YAML text. Values other
 * than JSON-like ones are reported, not coerced.
 */
export function fromData(value: unknown, diag: Diagnostics, where = 'document', depth = 0): SNode {
  if (depth > 64) {
    diag.error(`${where}: nesting too deep`);
    return { kind: 'scalar', value: null, text: '', style: 'data', oneLine: false };
  }
  if (value === null || value === undefined) return { kind: 'scalar', value: null, text: '', style: 'data', oneLine: false };
  if (typeof value === 'string') return { kind: 'scalar', value, text: value, style: 'data', oneLine: false };
  if (typeof value === 'number' || typeof value === 'boolean') return { kind: 'scalar', value, text: String(value), style: 'data', oneLine: false };
  if (Array.isArray(value)) return { kind: 'seq', items: value.map((v, i) => fromData(v, diag, `${where}[${i}]`, depth + 1)) };
  if (typeof value === 'object') {
    const entries: SEntry[] = [];
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      entries.push({ key: k, keyPlain: false, value: fromData(v, diag, `${where}.${k}`, depth + 1) });
    }
    return { kind: 'map', entries };
  }
  diag.error(`${where}: unsupported value of type ${typeof value}`);
  return { kind: 'scalar', value: null, text: '', style: 'data', oneLine: false };
}

/** The entry with this key, if any. */
export function entry(map: SMap, key: string): SEntry | undefined {
  for (const e of map.entries) if (e.key === key) return e;
  return undefined;
}

/** Human name of a node's kind, for messages. */
export function kindName(n: SNode): string {
  if (n.kind === 'map') return 'a map';
  if (n.kind === 'seq') return 'a list';
  if (n.value === null) return 'null';
  return `a ${typeof n.value}`;
}

/** Whether columns inside a scalar's text can be computed: one line, and no escapes that change lengths. */
export function exactScalar(s: SScalar): boolean {
  if (!s.oneLine) return false;
  if (s.style === 'plain') return true;
  // Escapes make the text shorter than its source: '' in single quotes, backslashes in double quotes.
  return (s.style === 'single' && !s.text.includes("'")) || (s.style === 'double' && !s.text.includes('\\') && !s.text.includes('"'));
}

/** Where a scalar's text starts (after an opening quote). */
export function valuePos(s: SScalar): Pos | undefined {
  return s.style === 'single' || s.style === 'double' ? shift(s.pos, 1) : s.pos;
}

/**
 * Detection → predicates, once per rule: selections (maps, lists,
 * keywords), items and the condition tree, each compiled into closures that
 * keep their source positions (see tree.ts).
 */
import type { AuditEvent } from '../event/types.js';
import { compileValue } from './compile-value.js';
import type { ValueCtx } from './compile-value.js';
import { ConditionSyntaxError, identifierMatches, parseCondition } from './condition.js';
import type { CondAst } from './condition.js';
import { SigmaCompileError, shift } from './errors.js';
import type { Diagnostics, Pos } from './errors.js';
import { mapField, readerFor } from './field-access.js';
import { parseKey } from './modifiers.js';
import type { ModSet } from './modifiers.js';
import type { DetectionModel } from './rule-model.js';
import type { CBody, CCond, CItem, CKeywordItem, CMap, CompiledDetection, CompileOptions, CSelection, CValue, Pred } from './tree.js';
import { exactScalar, kindName, valuePos } from './yaml-source.js';
import type { SEntry, SNode, SScalar } from './yaml-source.js';

function every(ps: Pred[]): Pred {
  if (ps.length === 1) return ps[0]!;
  if (ps.length === 2) {
    const [a, b] = ps as [Pred, Pred];
    return (ev) => a(ev) && b(ev);
  }
  return (ev) => {
    for (let i = 0; i < ps.length; i++) if (!ps[i]!(ev)) return false;
    return true;
  };
}

function some(ps: Pred[]): Pred {
  if (ps.length === 1) return ps[0]!;
  if (ps.length === 2) {
    const [a, b] = ps as [Pred, Pred];
    return (ev) => a(ev) || b(ev);
  }
  return (ev) => {
    for (let i = 0; i < ps.length; i++) if (ps[i]!(ev)) return true;
    return false;
  };
}

function scalarItems(node: SNode, what: string, pos: Pos | undefined): SScalar[] {
  if (node.kind === 'scalar') return [node];
  if (node.kind === 'map') throw new SigmaCompileError(`${what}: expected a value or a list of values, found a map`, node.pos ?? pos);
  if (node.items.length === 0) throw new SigmaCompileError(`${what}: empty list of values`, node.pos ?? pos);
  for (const it of node.items) {
    if (it.kind !== 'scalar') throw new SigmaCompileError(`${what}: expected a value, found ${kindName(it)}`, it.pos ?? node.pos ?? pos);
  }
  return node.items as SScalar[];
}

// ---- items, selections -------------------------------------------------------

function keywordTest(values: CValue[], combine: 'any' | 'all'): Pred {
  // Keywords are searched in every string value anywhere in the event (spec: sigma-rules-specification.md §Keywords search).
  const walk = (node: unknown, test: (s: string) => boolean, depth: number): boolean => {
    if (typeof node === 'string') return test(node);
    if (node === null || typeof node !== 'object' || depth > 64) return false;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) if (walk(node[i], test, depth + 1)) return true;
      return false;
    }
    for (const k in node as Record<string, unknown>) {
      if (Object.prototype.hasOwnProperty.call(node, k) && walk((node as Record<string, unknown>)[k], test, depth + 1)) return true;
    }
    return false;
  };
  const ones = values.map((v) => v.one);
  if (combine === 'any') {
    const anyOne = (s: string): boolean => {
      for (let i = 0; i < ones.length; i++) if (ones[i]!(s)) return true;
      return false;
    };
    return (ev) => walk(ev, anyOne, 0);
  }
  return every(ones.map((o) => (ev: AuditEvent) => walk(ev, o, 0)));
}

function checkValueList(items: SScalar[], mods: ModSet, key: string, pos: Pos | undefined): void {
  // spec: sigma-appendix-modifiers.md §Generic Modifiers (all): "Single item values are not allowed to have an all modifier".
  if (mods.all && items.length < 2) throw new SigmaCompileError(`'${key}': modifier 'all' needs a list of at least two values`, items[0]?.pos ?? pos);
  // spec: sigma-rules-specification.md §Special Field Values: null shares no type with other values and cannot be in a list.
  if (items.length > 1) {
    const n = items.find((i) => i.value === null);
    if (n) throw new SigmaCompileError(`'${key}': null cannot be part of a list of values; put it in its own selection`, n.pos ?? pos);
  }
  if (mods.exists && items.length !== 1) throw new SigmaCompileError(`'${key}': modifier 'exists' takes a single true or false`, items[0]?.pos ?? pos);
}

function compileItem(e: SEntry, ctx: { opts: CompileOptions; fields: Set<string> }): CItem {
  const { field, mods } = parseKey(e.key, e.keyPos, e.keyPlain);
  const keyword = field === '';
  const items = scalarItems(e.value, `'${e.key}'`, e.keyPos);
  checkValueList(items, mods, e.key, e.keyPos);
  const vctx: ValueCtx = { mods, keyword, opts: ctx.opts, fields: ctx.fields };
  const values = items.map((s) => compileValue(s, vctx));
  const combine = mods.all ? 'all' : 'any';
  if (keyword) {
    if (values.some((v) => v.kind !== 'pattern' && v.kind !== 're')) throw new SigmaCompileError(`'${e.key}': keywords must be strings or numbers`, e.keyPos);
    return { t: 'keyword', key: e.key, mods, combine, values, pos: e.keyPos, test: keywordTest(values, combine) };
  }
  const paths = mapField(field, ctx.opts);
  for (const p of paths) ctx.fields.add(p);
  const read = readerFor(paths);
  let test: Pred;
  if (values.length === 1) {
    const a = values[0]!.all;
    test = (ev) => a(read(ev), ev);
  } else if (combine === 'any' && values.every((v) => v.perValue)) {
    const ones = values.map((v) => v.one);
    test = (ev) => {
      const vals = read(ev);
      for (let i = 0; i < vals.length; i++) {
        const x = vals[i];
        for (let j = 0; j < ones.length; j++) if (ones[j]!(x)) return true;
      }
      return false;
    };
  } else {
    const alls = values.map((v) => v.all);
    test =
      combine === 'any'
        ? (ev) => {
            const vals = read(ev);
            for (let j = 0; j < alls.length; j++) if (alls[j]!(vals, ev)) return true;
            return false;
          }
        : (ev) => {
            const vals = read(ev);
            for (let j = 0; j < alls.length; j++) if (!alls[j]!(vals, ev)) return false;
            return true;
          };
  }
  return { t: 'field', key: e.key, field, paths, mods, combine, values, pos: e.keyPos, read, test };
}

function compileKeywords(scalars: SScalar[], ctx: { opts: CompileOptions; fields: Set<string> }, pos: Pos | undefined): CKeywordItem {
  const mods = parseKey('', pos, false).mods;
  const values = scalars.map((s) => {
    if (typeof s.value !== 'string' && typeof s.value !== 'number') {
      throw new SigmaCompileError(`a keyword must be a string or a number, not ${kindName(s)}`, s.pos ?? pos);
    }
    return compileValue(s, { mods, keyword: true, opts: ctx.opts, fields: ctx.fields });
  });
  return { t: 'keyword', combine: 'any', values, pos, test: keywordTest(values, 'any') };
}

function compileMap(node: SNode & { kind: 'map' }, diag: Diagnostics, ctx: { opts: CompileOptions; fields: Set<string> }): CMap | undefined {
  if (node.entries.length === 0) {
    diag.error('a selection map must not be empty', node.pos);
    return undefined;
  }
  const items: CItem[] = [];
  let ok = true;
  for (const e of node.entries) {
    const it = diag.guard(() => compileItem(e, ctx));
    if (it) items.push(it);
    else ok = false;
  }
  if (!ok) return undefined;
  return { t: 'map', items, pos: node.pos, test: every(items.map((i) => i.test)) };
}

function compileSelection(e: SEntry, diag: Diagnostics, ctx: { opts: CompileOptions; fields: Set<string> }): CSelection | undefined {
  const node = e.value;
  const where = `search identifier '${e.key}'`;
  let body: CBody | undefined;
  if (node.kind === 'map') body = compileMap(node, diag, ctx);
  else if (node.kind === 'scalar') {
    if (node.value === null || typeof node.value === 'boolean') {
      diag.error(`${where} must be a map, a list, or a keyword string, not ${kindName(node)}`, node.pos ?? e.keyPos);
      return undefined;
    }
    // A single keyword written as a plain value (a list of one, in effect).
    body = diag.guard(() => compileKeywords([node], ctx, e.keyPos));
  } else {
    if (node.items.length === 0) {
      diag.error(`${where} is an empty list`, node.pos ?? e.keyPos);
      return undefined;
    }
    const maps: CMap[] = [];
    const scalars: SScalar[] = [];
    let ok = true;
    for (const it of node.items) {
      if (it.kind === 'map') {
        const m = compileMap(it, diag, ctx);
        if (m) maps.push(m);
        else ok = false;
      } else if (it.kind === 'scalar') scalars.push(it);
      else {
        diag.error(`${where}: a list inside a list is not a Sigma construct`, it.pos ?? e.keyPos);
        ok = false;
      }
    }
    let kw: CKeywordItem | undefined;
    if (scalars.length > 0) {
      kw = diag.guard(() => compileKeywords(scalars, ctx, node.pos ?? e.keyPos));
      if (!kw) ok = false;
    }
    if (!ok) return undefined;
    if (maps.length === 0) body = kw!;
    else {
      const alts: (CMap | CKeywordItem)[] = kw ? [...maps, kw] : maps;
      body = { t: 'list', alts, pos: node.pos, test: some(alts.map((a) => a.test)) };
    }
  }
  if (!body) return undefined;
  return { name: e.key, pos: e.keyPos, body, test: body.test };
}

function conditionPos(s: SScalar, offset: number): Pos | undefined {
  if (!exactScalar(s)) return s.pos;
  return shift(valuePos(s), offset);
}

function compileCondition(ast: CondAst, sels: Map<string, CSelection>, s: SScalar): CCond {
  const pos = conditionPos(s, ast.at);
  switch (ast.t) {
    case 'and':
    case 'or': {
      const args = ast.args.map((a) => compileCondition(a, sels, s));
      return { t: ast.t, args, pos, test: ast.t === 'and' ? every(args.map((a) => a.test)) : some(args.map((a) => a.test)) };
    }
    case 'not': {
      const arg = compileCondition(ast.arg, sels, s);
      const inner = arg.test;
      return { t: 'not', arg, pos, test: (ev) => !inner(ev) };
    }
    case 'id': {
      const sel = sels.get(ast.name);
      if (!sel) {
        throw new SigmaCompileError(`undefined search identifier '${ast.name}' in condition (defined: ${[...sels.keys()].join(', ')})`, pos);
      }
      return { t: 'ref', name: ast.name, sel, pos, test: sel.test };
    }
    case 'of': {
      const all = [...sels.values()];
      // `them` and patterns leave out identifiers starting with `_` (spec: sigma-rules-specification.md §Condition),
      // unless the pattern itself starts with `_` and so names them on purpose.
      const chosen = ast.them
        ? all.filter((x) => !x.name.startsWith('_'))
        : all.filter((x) => identifierMatches(ast.pattern, x.name) && (!x.name.startsWith('_') || ast.pattern.startsWith('_')));
      if (chosen.length === 0) {
        throw new SigmaCompileError(
          ast.them ? `'${ast.quant === 'one' ? '1' : 'all'} of them' finds no search identifier` : `pattern '${ast.pattern}' matches no search identifier`,
          pos,
        );
      }
      const tests = chosen.map((x) => x.test);
      return { t: 'of', quant: ast.quant, pattern: ast.pattern, sels: chosen, pos, test: ast.quant === 'one' ? some(tests) : every(tests) };
    }
  }
}

/** Compiles a detection; undefined (with errors in `diag`) when any part is wrong. */
export function compileDetection(model: DetectionModel, diag: Diagnostics, opts: CompileOptions): CompiledDetection | undefined {
  const before = diag.count;
  const fields = new Set<string>();
  const ctx = { opts, fields };
  const sels = new Map<string, CSelection>();
  for (const e of model.identifiers) {
    const sel = compileSelection(e, diag, ctx);
    if (sel) sels.set(e.key, sel);
  }
  const failedSelections = diag.count > before;
  const conditions: CCond[] = [];
  for (const c of model.conditions) {
    let ast: CondAst;
    try {
      ast = parseCondition(c.value as string);
    } catch (err) {
      if (err instanceof ConditionSyntaxError) {
        diag.error(`condition: ${err.message}`, conditionPos(c, err.offset));
        continue;
      }
      throw err;
    }
    // With a broken selection the identifier check would only add noise.
    if (failedSelections) continue;
    const cc = diag.guard(() => compileCondition(ast, sels, c));
    if (cc) conditions.push(cc);
  }
  if (diag.count > before) return undefined;
  return { selections: [...sels.values()], conditions, fields: [...fields], test: some(conditions.map((c) => c.test)) };
}

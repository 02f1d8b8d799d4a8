/**
 * pySigma processing pipelines, the subset that renames fields (pySigma docs,
 * "Processing Pipelines": "Specifying Processing Pipelines as YAML"):
 *
 *     name: my field names          # mandatory
 *     priority: 20                  # optional, default 0; lower runs first
 *     transformations:
 *       - id: k8s_names             # optional
 *         type: field_name_mapping  # field → target, or field → [targets] (one field found in several places)
 *         mapping:
 *           username: user.username
 *         rule_conditions:          # optional: only rules of this logsource
 *           - type: logsource
 *             product: kubernetes
 *             service: audit
 *         rule_cond_op: and         # optional: and (default) / or over rule_conditions
 *         rule_cond_not: false      # optional: negate the result
 *       - type: field_name_prefix
 *         prefix: 'kubernetes.audit.'
 *
 * A `logsource` condition holds when each of category, product and service it
 * names equals the rule's (the attributes it leaves out match anything), as in
 * pySigma's LogsourceCondition. Any other transformation type, condition type,
 * condition attribute (`field_name_conditions`, `detection_item_conditions`,
 * `rule_cond_expr`) or top-level section (`postprocessing`, `finalizers`,
 * `vars`) is an error naming file, line and the construct: leaving it out
 * would change what a rule matches without telling anyone.
 *
 * The result is LoadOptions: for every rule and filter, the field mapping and
 * prefix its logsource gets after all transformations, composed in order
 * (pipelines by priority, then in the order given; inside a pipeline in
 * written order). The caller's base mapping (tokenwatch's default Kubernetes
 * mapping and tokenwatch.yaml `field_mapping`) is the backend's own pipeline
 * of pySigma's convention, priority 50: pipelines with a lower priority (the
 * default 0 included) rename fields before it, so a pipeline can map a
 * SigmaHQ name (`capabilities`) before the default does; those with 50 or
 * more run after it.
 *
 * Composition is exact: a mapping after a prefix sees prefixed names (its
 * keys must carry the prefix to match). One thing the result cannot express
 * is an error: a mapping, after a prefix, to a target without that prefix
 * (tokenwatch adds the prefix to mapped paths too). Derived `tokenwatch.*`
 * fields never get a prefix (as in every tokenwatch mapping).
 */
import { DERIVED_PREFIX } from '../event/derived.js';
import { readFileSync } from 'node:fs';
import { Diagnostics } from './errors.js';
import type { Pos, SigmaError } from './errors.js';
import type { LogSource } from './rule-model.js';
import type { LoadOptions } from './types.js';
import { entry, kindName, parseYamlDocuments } from './yaml-source.js';
import type { SEntry, SMap, SNode } from './yaml-source.js';

export interface LogsourceCondition {
  category?: string;
  product?: string;
  service?: string;
}

export interface PipelineTransformation {
  id?: string;
  type: 'field_name_mapping' | 'field_name_prefix';
  /** field_name_mapping: field → target paths */
  mapping?: Record<string, string[]>;
  /** field_name_prefix */
  prefix?: string;
  conditions: LogsourceCondition[];
  condOp: 'and' | 'or';
  negate: boolean;
  file: string;
  line: number;
}

export interface ProcessingPipeline {
  name: string;
  priority: number;
  transformations: PipelineTransformation[];
  file: string;
}

const SUPPORTED_TYPES = ['field_name_mapping', 'field_name_prefix'];
const LS_KEYS = ['category', 'product', 'service'] as const;

function posOf(n: SNode | undefined, e?: SEntry): Pos | undefined {
  return n?.pos ?? e?.keyPos;
}

function str(n: SNode): string | undefined {
  return n.kind === 'scalar' && typeof n.value === 'string' ? n.value : undefined;
}

function readConditions(e: SEntry, diag: Diagnostics): LogsourceCondition[] | undefined {
  if (e.value.kind !== 'seq') {
    diag.error(`pipeline: 'rule_conditions' must be a list of conditions, not ${kindName(e.value)}`, posOf(e.value, e));
    return undefined;
  }
  const out: LogsourceCondition[] = [];
  let ok = true;
  for (const it of e.value.items) {
    if (it.kind !== 'map') {
      diag.error(`pipeline: a rule condition must be a map with a 'type', not ${kindName(it)}`, posOf(it, e));
      ok = false;
      continue;
    }
    const te = entry(it, 'type');
    const type = te ? str(te.value) : undefined;
    if (type !== 'logsource') {
      diag.error(
        `pipeline: rule condition type ${type !== undefined ? `'${type}'` : '(missing)'} is not supported; tokenwatch supports 'logsource' (category, product, service)`,
        te ? posOf(te.value, te) : it.pos,
      );
      ok = false;
      continue;
    }
    const c: LogsourceCondition = {};
    for (const x of it.entries) {
      if (x.key === 'type') continue;
      if (!(LS_KEYS as readonly string[]).includes(x.key)) {
        diag.error(`pipeline: logsource condition attribute '${x.key}' is not supported (category, product, service)`, x.keyPos);
        ok = false;
        continue;
      }
      const v = str(x.value);
      if (v === undefined) {
        diag.error(`pipeline: logsource condition '${x.key}' must be a string, not ${kindName(x.value)}`, posOf(x.value, x));
        ok = false;
        continue;
      }
      c[x.key as (typeof LS_KEYS)[number]] = v;
    }
    out.push(c);
  }
  return ok ? out : undefined;
}

function readTransformation(m: SMap, file: string, diag: Diagnostics): PipelineTransformation | undefined {
  const before = diag.count;
  const te = entry(m, 'type');
  const type = te ? str(te.value) : undefined;
  if (!te || type === undefined) {
    diag.error("pipeline: a transformation needs a 'type'", te ? posOf(te.value, te) : m.pos);
    return undefined;
  }
  if (!SUPPORTED_TYPES.includes(type)) {
    diag.error(`pipeline: transformation type '${type}' is not supported; tokenwatch supports ${SUPPORTED_TYPES.join(' and ')}`, posOf(te.value, te));
    return undefined;
  }
  const t: PipelineTransformation = { type: type as PipelineTransformation['type'], conditions: [], condOp: 'and', negate: false, file, line: m.pos?.line ?? 0 };
  for (const e of m.entries) {
    switch (e.key) {
      case 'type':
        break;
      case 'id': {
        const v = e.value.kind === 'scalar' && e.value.value !== null ? e.value.text : undefined;
        if (v === undefined) diag.error("pipeline: 'id' must be a string", posOf(e.value, e));
        else t.id = v;
        break;
      }
      case 'mapping': {
        if (type !== 'field_name_mapping') {
          diag.error(`pipeline: 'mapping' belongs to field_name_mapping, not ${type}`, e.keyPos);
          break;
        }
        if (e.value.kind !== 'map' || e.value.entries.length === 0) {
          diag.error(`pipeline: 'mapping' must map field names to a field or a list of fields, not ${e.value.kind === 'map' ? 'an empty map' : kindName(e.value)}`, posOf(e.value, e));
          break;
        }
        const mapping: Record<string, string[]> = {};
        for (const f of e.value.entries) {
          const v = f.value;
          const targets = v.kind === 'seq' ? v.items.map(str) : [str(v)];
          if (targets.length === 0 || targets.some((x) => x === undefined || x === '')) {
            diag.error(`pipeline: mapping of '${f.key}' must be a field name or a non-empty list of field names`, posOf(v, f));
            continue;
          }
          mapping[f.key] = targets as string[];
        }
        t.mapping = mapping;
        break;
      }
      case 'prefix': {
        if (type !== 'field_name_prefix') {
          diag.error(`pipeline: 'prefix' belongs to field_name_prefix, not ${type}`, e.keyPos);
          break;
        }
        const v = str(e.value);
        if (v === undefined || v === '') diag.error("pipeline: 'prefix' must be a non-empty string", posOf(e.value, e));
        else t.prefix = v;
        break;
      }
      case 'rule_conditions': {
        const c = readConditions(e, diag);
        if (c) t.conditions = c;
        break;
      }
      case 'rule_cond_op': {
        const v = str(e.value);
        if (v !== 'and' && v !== 'or') diag.error("pipeline: 'rule_cond_op' must be 'and' or 'or'", posOf(e.value, e));
        else t.condOp = v;
        break;
      }
      case 'rule_cond_not': {
        if (e.value.kind !== 'scalar' || typeof e.value.value !== 'boolean') diag.error("pipeline: 'rule_cond_not' must be true or false", posOf(e.value, e));
        else t.negate = e.value.value;
        break;
      }
      default:
        diag.error(`pipeline: '${e.key}' is not supported in a transformation (tokenwatch supports id, type, mapping, prefix, rule_conditions, rule_cond_op, rule_cond_not)`, e.keyPos);
    }
  }
  if (type === 'field_name_mapping' && !entry(m, 'mapping')) diag.error("pipeline: field_name_mapping needs a 'mapping'", m.pos);
  if (type === 'field_name_prefix' && !entry(m, 'prefix')) diag.error("pipeline: field_name_prefix needs a 'prefix'", m.pos);
  return diag.count > before ? undefined : t;
}

/** Parses one pipeline YAML text; `pipeline` is undefined when there are errors. */
export function parsePipelineText(text: string, file: string): { pipeline?: ProcessingPipeline; errors: SigmaError[] } {
  const diag = new Diagnostics(file);
  const docs = parseYamlDocuments(text, diag);
  if (diag.count > 0) return { errors: diag.errors };
  if (docs.length !== 1 || !docs[0]!.root || docs[0]!.root.kind !== 'map') {
    diag.error('a processing pipeline is one YAML document: a map with name, priority and transformations', docs[0]?.pos);
    return { errors: diag.errors };
  }
  const root = docs[0]!.root;
  let name: string | undefined;
  let priority = 0;
  const transformations: PipelineTransformation[] = [];
  let sawTransformations = false;
  for (const e of root.entries) {
    switch (e.key) {
      case 'name':
        name = str(e.value);
        if (name === undefined) diag.error("pipeline: 'name' must be a string", posOf(e.value, e));
        break;
      case 'priority':
        if (e.value.kind === 'scalar' && typeof e.value.value === 'number' && Number.isFinite(e.value.value)) priority = e.value.value;
        else diag.error("pipeline: 'priority' must be a number", posOf(e.value, e));
        break;
      case 'transformations':
        sawTransformations = true;
        if (e.value.kind !== 'seq') diag.error(`pipeline: 'transformations' must be a list, not ${kindName(e.value)}`, posOf(e.value, e));
        else
          for (const it of e.value.items) {
            if (it.kind !== 'map') {
              diag.error(`pipeline: a transformation must be a map, not ${kindName(it)}`, posOf(it, e));
              continue;
            }
            const t = readTransformation(it, file, diag);
            if (t) transformations.push(t);
          }
        break;
      case 'postprocessing':
      case 'finalizers':
      case 'vars':
        diag.error(`pipeline: '${e.key}' is not supported: tokenwatch matches events, it generates no queries to post-process (supported: name, priority, transformations)`, e.keyPos);
        break;
      default:
        diag.error(`pipeline: unknown attribute '${e.key}' (supported: name, priority, transformations)`, e.keyPos);
    }
  }
  if (!entry(root, 'name')) diag.error("pipeline: 'name' is mandatory", root.pos);
  if (!sawTransformations) diag.error("pipeline: 'transformations' is mandatory", root.pos);
  if (diag.count > 0 || name === undefined) return { errors: diag.errors };
  return { pipeline: { name, priority, transformations, file }, errors: [] };
}

/** Reads pipeline files. */
export function loadPipelineFiles(files: readonly string[]): { pipelines: ProcessingPipeline[]; errors: SigmaError[] } {
  const pipelines: ProcessingPipeline[] = [];
  const errors: SigmaError[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch (err) {
      errors.push({ file: f, message: `cannot read: ${(err as Error).message}` });
      continue;
    }
    const r = parsePipelineText(text, f);
    errors.push(...r.errors);
    if (r.pipeline) pipelines.push(r.pipeline);
  }
  return { pipelines, errors };
}

/** Whether a transformation applies to a rule of this logsource. */
export function transformationApplies(t: PipelineTransformation, ls: LogSource): boolean {
  let r: boolean;
  if (t.conditions.length === 0) r = true;
  else {
    const one = (c: LogsourceCondition): boolean => LS_KEYS.every((k) => c[k] === undefined || c[k] === ls[k]);
    r = t.condOp === 'and' ? t.conditions.every(one) : t.conditions.some(one);
  }
  return t.negate ? !r : r;
}

interface Step {
  t: PipelineTransformation;
  where: string;
}

/** Composes the steps that apply into one mapping + prefix, exactly (see the module comment). */
function compose(steps: Step[], ls: LogSource, errors: SigmaError[]): { fieldMapping: Record<string, string[]>; fieldPrefix: string } {
  let m = new Map<string, string[]>();
  let p = '';
  const isDerived = (x: string): boolean => x.startsWith(DERIVED_PREFIX);
  for (const { t, where } of steps) {
    if (!transformationApplies(t, ls)) continue;
    if (t.type === 'field_name_prefix') {
      p = t.prefix! + p;
      continue;
    }
    const table = t.mapping!;
    const full = (x: string): string => (isDerived(x) ? x : p + x);
    const strip = (target: string, from: string): string | undefined => {
      if (isDerived(target)) return target;
      if (target.startsWith(p)) return target.slice(p.length);
      errors.push({
        file: t.file,
        line: t.line,
        message: `pipeline: ${where} maps '${from}' to '${target}' after the prefix '${p}' was added, and tokenwatch cannot express a target without that prefix; put the field_name_mapping before the field_name_prefix`,
      });
      return undefined;
    };
    const through = (x: string): string[] => {
      const f = full(x);
      if (!Object.prototype.hasOwnProperty.call(table, f)) return [x];
      return table[f]!.map((tg) => strip(tg, f)).filter((y): y is string => y !== undefined);
    };
    const next = new Map<string, string[]>();
    for (const [k, targets] of m) next.set(k, [...new Set(targets.flatMap(through))]);
    for (const key of Object.keys(table)) {
      // a field nothing mapped yet reaches this step as prefix + itself
      let field: string | undefined;
      if (isDerived(key)) field = key;
      else if (key.startsWith(p)) field = key.slice(p.length);
      if (field === undefined || m.has(field) || next.has(field)) continue;
      next.set(field, through(field));
    }
    m = next;
  }
  const fieldMapping: Record<string, string[]> = {};
  for (const [k, v] of m) fieldMapping[k] = v;
  return { fieldMapping, fieldPrefix: p };
}

/**
 * LoadOptions applying the pipelines (with `base`'s own mapping and prefix as
 * the priority-50 backend pipeline) to every rule and filter by its
 * logsource. All compositions are computed now, one per class of logsources
 * the conditions can tell apart, so every error is known before any rule loads.
 */
export function pipelineLoadOptions(pipelines: readonly ProcessingPipeline[], base: LoadOptions = {}): { options: LoadOptions; errors: SigmaError[] } {
  const errors: SigmaError[] = [];
  const baseSteps: Step[] = [];
  if (base.fieldMapping && Object.keys(base.fieldMapping).length > 0) {
    const mapping: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(base.fieldMapping)) mapping[k] = Array.isArray(v) ? v.slice() : [v];
    baseSteps.push({ t: { type: 'field_name_mapping', mapping, conditions: [], condOp: 'and', negate: false, file: 'tokenwatch field mapping', line: 0 }, where: 'the default field mapping' });
  }
  if (base.fieldPrefix) baseSteps.push({ t: { type: 'field_name_prefix', prefix: base.fieldPrefix, conditions: [], condOp: 'and', negate: false, file: 'tokenwatch field mapping', line: 0 }, where: 'the default field prefix' });
  const ordered = pipelines.map((p, i) => ({ p, i })).sort((a, b) => a.p.priority - b.p.priority || a.i - b.i);
  const steps: Step[] = [];
  let baseDone = false;
  for (const { p } of ordered) {
    if (!baseDone && p.priority >= 50) {
      steps.push(...baseSteps);
      baseDone = true;
    }
    p.transformations.forEach((t, i) =>
      steps.push({ t, where: `field_name_mapping ${t.id !== undefined ? `'${t.id}'` : `#${i + 1}`} of pipeline '${p.name}' (${p.file}${t.line ? `:${t.line}` : ''})` }),
    );
  }
  if (!baseDone) steps.push(...baseSteps);

  // logsource classes: per attribute, each value some condition names, or "any other"
  const named: Record<(typeof LS_KEYS)[number], Set<string>> = { category: new Set(), product: new Set(), service: new Set() };
  for (const { t } of steps) for (const c of t.conditions) for (const k of LS_KEYS) if (c[k] !== undefined) named[k].add(c[k]!);
  const choices = LS_KEYS.map((k) => [...named[k], undefined] as (string | undefined)[]);
  const OTHER = '\u0000';
  const classKey = (ls: LogSource): string => LS_KEYS.map((k) => (ls[k] !== undefined && named[k].has(ls[k]!) ? ls[k] : OTHER)).join('\u0001');
  const table = new Map<string, { fieldMapping: Record<string, string[]>; fieldPrefix: string }>();
  const seenErrors = new Set<string>();
  for (const cat of choices[0]!)
    for (const prod of choices[1]!)
      for (const serv of choices[2]!) {
        const ls: LogSource = {};
        if (cat !== undefined) ls.category = cat;
        if (prod !== undefined) ls.product = prod;
        if (serv !== undefined) ls.service = serv;
        const errs: SigmaError[] = [];
        table.set(classKey(ls), compose(steps, ls, errs));
        for (const e of errs) {
          const k = `${e.file}:${e.line}:${e.message}`;
          if (!seenErrors.has(k)) {
            seenErrors.add(k);
            errors.push(e);
          }
        }
      }
  const forLogsource = (ls: LogSource): { fieldMapping: Record<string, string[]>; fieldPrefix: string } => table.get(classKey(ls))!;
  const { fieldMapping: _m, fieldPrefix: _p, forLogsource: _f, ...rest } = base;
  const dflt = forLogsource({});
  const options: LoadOptions = { ...rest, fieldMapping: dflt.fieldMapping, forLogsource };
  if (dflt.fieldPrefix) options.fieldPrefix = dflt.fieldPrefix;
  return { options, errors };
}

/**
 * For a CLI `--pipeline FILE` option (repeatable): reads the files and
 * returns LoadOptions to pass to loadSigmaPaths/filterFromData in place of
 * `base`, with every error (file, line, construct) of the files and of their
 * composition.
 */
export function loadOptionsWithPipelines(files: readonly string[], base: LoadOptions = {}): { options: LoadOptions; errors: SigmaError[] } {
  const { pipelines, errors } = loadPipelineFiles(files);
  const r = pipelineLoadOptions(pipelines, base);
  return { options: r.options, errors: [...errors, ...r.errors] };
}

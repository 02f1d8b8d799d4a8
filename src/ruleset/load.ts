/**
 * Assembles the rules a run uses: the built-in rules shipped in `rules/`,
 * the user's rule folders, and tokenwatch.yaml (disabled rules, overrides,
 * allow-lists compiled into Sigma filters, extra filter documents).
 */
import { withoutTests } from './without-tests.js';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import type { Config, RuleConfig } from '../config/config.js';
import { parseDuration } from '../config/config.js';
import { baseRulesWithoutAlerts, filterFromData, loadOptionsWithPipelines, loadSigmaPaths, type LoadOptions, type SigmaCorrelation, type SigmaError, type SigmaFilter, type SigmaRule } from '../sigma/index.js';
import { allowListFilters } from './allow-filters.js';
import { correlationRef } from '../alerts/correlation-alert.js';
import type { RuleRef } from '../alerts/alert.js';
import { KUBERNETES_FIELD_MAPPING } from './field-mapping.js';
import { DEFAULT_GROUP_BY, DEFAULT_WINDOW_MS, extension, groupGetters, severityOf, stableId, type RuleSpec, type RuleTest } from './rule-spec.js';

export function builtinRulesDir(): string {
  // dist/src/ruleset/load.js → <package>/rules
  const here = dirname(fileURLToPath(import.meta.url));
  for (const up of ['../../../rules', '../../rules']) {
    const p = resolve(here, up);
    if (existsSync(p)) return p;
  }
  return resolve(here, '../../../rules');
}

export interface RuleSetOptions {
  builtin?: boolean;
  ruleDirs?: string[];
  config?: Config;
  /** rule or filter ids (or names) to leave out (`--disable`) */
  disable?: string[];
  /** ids of the stateful detectors: allow-lists and filters apply to them too */
  detectorIds?: string[];
  /** pySigma processing-pipeline files (field name mapping and prefix) */
  pipelines?: string[];
  /** false: leave out the rules' embedded tests (faster start-up for commands that only match) */
  tests?: boolean;
}

export interface RuleSet {
  rules: RuleSpec[];
  filters: SigmaFilter[];
  errors: SigmaError[];
  /** rule ids named by --disable or the config that no loaded rule has */
  unknownIds: string[];
  /** filters that apply to each stateful detector, by detector id */
  detectorFilters: Map<string, SigmaFilter[]>;
  /** detector ids left out by --disable or the configuration */
  disabledDetectors: string[];
  correlations: SigmaCorrelation[];
  /** how each correlation appears on alerts and in `rules list` */
  correlationRefs: Map<SigmaCorrelation, RuleRef>;
  /** rule ids and names whose matches only feed correlations (Sigma `generate: false`) */
  silent: Set<string>;
}

export function loadRuleSet(opts: RuleSetOptions): RuleSet {
  const cfg = opts.config ?? {};
  let loadOpts: LoadOptions = {
    fieldMapping: { ...KUBERNETES_FIELD_MAPPING, ...(cfg.field_mapping ?? {}) },
    placeholders: cfg.placeholders,
    ...(opts.tests === false ? { textFilter: withoutTests } : {}),
  };
  const errors: SigmaError[] = [];
  if (opts.pipelines?.length) {
    const p = loadOptionsWithPipelines(opts.pipelines, loadOpts);
    errors.push(...p.errors);
    loadOpts = p.options;
  }
  const correlations: SigmaCorrelation[] = [];
  const correlationRefs = new Map<SigmaCorrelation, RuleRef>();
  const loadedRules: SigmaRule[] = [];
  const specs: RuleSpec[] = [];
  const filters: SigmaFilter[] = [];
  const sources: { paths: string[]; builtin: boolean }[] = [];
  if (opts.builtin !== false) sources.push({ paths: [builtinRulesDir()], builtin: true });
  if (opts.ruleDirs?.length) sources.push({ paths: opts.ruleDirs, builtin: false });
  for (const src of sources) {
    // user rules may reference built-in rules and correlations (and chain onto them)
    const res = loadSigmaPaths(src.paths, { ...loadOpts, external: { rules: [...loadedRules], correlations: [...correlations] } });
    errors.push(...res.errors);
    filters.push(...res.filters);
    correlations.push(...res.correlations);
    for (const c of res.correlations) correlationRefs.set(c, correlationRef(c, src.builtin));
    loadedRules.push(...res.rules);
    for (const r of res.rules) specs.push(toSpec(r, src.builtin, errors));
  }
  // duplicate ids make allow-lists and tests ambiguous
  const seen = new Map<string, RuleSpec>();
  const unique: RuleSpec[] = [];
  for (const s of specs) {
    const prev = seen.get(s.id);
    if (prev) {
      errors.push({ file: s.sigma.file, line: s.sigma.line, message: `rule id "${s.id}" is already used by ${prev.sigma.file}:${prev.sigma.line}` });
      continue;
    }
    seen.set(s.id, s);
    unique.push(s);
  }
  const disabled = new Set([...(cfg.disable ?? []), ...(opts.disable ?? []), ...Object.entries(cfg.rules ?? {}).filter(([, rc]) => rc.enabled === false).map(([id]) => id)]);
  const detectorIds = opts.detectorIds ?? [];
  const known = new Set([...unique.flatMap((s) => [s.id, s.sigma.id]), ...detectorIds]);
  for (const c of correlations) {
    known.add(c.id);
    if (c.name !== undefined) known.add(c.name);
  }
  const unknownIds = [...disabled, ...Object.keys(cfg.rules ?? {})].filter((id) => !known.has(id));
  const rules = unique.filter((s) => !disabled.has(s.id) && !disabled.has(s.sigma.id));
  const liveCorrelations = correlations.filter((c) => !disabled.has(c.id) && !(c.name !== undefined && disabled.has(c.name)));
  for (const s of rules) applyRuleConfig(s, cfg.rules?.[s.id] ?? cfg.rules?.[s.sigma.id], errors);

  // filters: from rule folders, from the config's filter documents, from allow-lists
  const configFile = cfg.file ?? 'tokenwatch.yaml';
  for (const doc of cfg.filters ?? []) {
    const f = filterFromData(doc, configFile, loadOpts);
    if ('suppresses' in f) filters.push(f);
    else errors.push({ ...f, line: f.line ?? (doc as { __line?: number }).__line });
  }
  const liveDetectors = detectorIds.filter((id) => !disabled.has(id));
  for (const { doc, where } of allowListFilters(cfg, [...rules.map((r) => r.id), ...liveDetectors])) {
    const f = filterFromData(doc, `${configFile} (${where})`, loadOpts);
    if ('suppresses' in f) filters.push(f);
    else errors.push(f);
  }
  const activeFilters = filters.filter((f) => !disabled.has(f.id) && !(f.name !== undefined && disabled.has(f.name)));
  for (const id of unknownIds.splice(0)) if (!filters.some((f) => f.id === id || f.name === id)) unknownIds.push(id);
  for (const s of rules) s.filters = activeFilters.filter((f) => f.rules.includes(s.id) || f.rules.includes(s.sigma.id) || (s.sigma.name !== undefined && f.rules.includes(s.sigma.name)));
  const detectorFilters = new Map(liveDetectors.map((id) => [id, activeFilters.filter((f) => f.rules.includes(id))]));
  return { rules, filters: activeFilters, errors, unknownIds, detectorFilters, disabledDetectors: detectorIds.filter((id) => disabled.has(id)), correlations: liveCorrelations, correlationRefs, silent: baseRulesWithoutAlerts(liveCorrelations) };
}

function toSpec(r: import('../sigma/index.js').SigmaRule, builtin: boolean, errors: SigmaError[]): RuleSpec {
  const ext = extension(r.doc);
  const groupBy = Array.isArray(ext['group-by']) ? (ext['group-by'] as unknown[]).map(String) : DEFAULT_GROUP_BY;
  let windowMs = DEFAULT_WINDOW_MS;
  if (ext.window !== undefined) {
    const w = parseDuration(String(ext.window));
    if (w === undefined) errors.push({ file: r.file, line: r.line, message: `tokenwatch.window "${String(ext.window)}" is not a duration like 30s, 10m, 2h` });
    else windowMs = w;
  }
  const tests: RuleTest[] = [];
  if (ext.tests !== undefined) {
    if (!Array.isArray(ext.tests)) errors.push({ file: r.file, line: r.line, message: 'tokenwatch.tests must be a list of {name, expect, event|log}' });
    else
      ext.tests.forEach((t, i) => {
        const o = t as Record<string, unknown>;
        const log = o?.event ?? o?.log;
        if (!o || typeof o !== 'object' || typeof o.expect !== 'boolean' || log === undefined) {
          errors.push({ file: r.file, line: r.line, message: `tokenwatch.tests[${i}] needs a boolean "expect" and an "event" (or "log")` });
          return;
        }
        tests.push({ name: typeof o.name === 'string' ? o.name : `test ${i + 1}`, expect: o.expect, log });
      });
  }
  return {
    id: stableId(r),
    ref: {
      id: stableId(r),
      title: r.title,
      severity: severityOf(r.level),
      tags: r.tags,
      author: r.author,
      description: r.description,
      origin: builtin ? 'builtin' : r.file,
      runbook: typeof ext.runbook === 'string' ? ext.runbook : undefined,
      references: r.references,
    },
    sigma: r,
    filters: [],
    groupBy: groupGetters(groupBy),
    windowMs,
    tests,
    builtin,
  };
}

function applyRuleConfig(s: RuleSpec, rc: RuleConfig | undefined, errors: SigmaError[]): void {
  if (!rc) return;
  if (rc.group_by) s.groupBy = groupGetters(rc.group_by);
  if (rc.window) s.windowMs = parseDuration(rc.window) ?? s.windowMs;
  if (rc.level) s.ref = { ...s.ref, severity: severityOf(rc.level) };
  void errors;
}

export { join };

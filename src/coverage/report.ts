/**
 * The coverage report: per source, what the log shows (time covered and its
 * gaps, levels, stages, verbs, resources, credential ids, TokenRequests,
 * reads, credentials held by the log itself), and for each rule and detector
 * whether it could have fired on this input, judged from the needs it
 * declares. The report knows no rule: every verdict comes from a subject's
 * `needs`; the only knowledge here is about logs (explain.ts).
 */
import { FIELD_BITS, LEVEL_NAMES, STAGE_NAMES, type CredentialSighting, type EventClass, type SourceObservation } from './observation.js';
import { eventsHint, extraHint, fieldHint, levelHint, withHint, type HintContext } from './explain.js';
import {
  compileSelector,
  CREDENTIAL_ID,
  describeSelector,
  fieldNames,
  levelRank,
  needKind,
  NODE_NAME,
  POD_NAME,
  stageNames,
  type AnyOfNeed,
  type CompiledSelector,
  type EventSelector,
  type EventsNeed,
  type ExtraNeed,
  type FieldNeed,
  type LevelNeed,
  type Need,
  type Needs,
  type StageNeed,
} from './needs.js';

/** A rule or detector, as the report judges it. */
export interface CoverageSubject {
  id: string;
  title: string;
  kind: 'rule' | 'detector';
  needs: Needs;
  /** Event fields the subject reads; informational, and the source of needs when `needs` is empty. */
  fields?: string[];
  /** The needs were derived from the detection rather than declared by the rule. */
  derived?: boolean;
  /** Problems reading declared needs (they were left out). */
  problems?: string[];
}

/** yes: could fire; partial: could fire but loses part of its judgement, or only in some sources; no: could not. */
export type Verdict = 'yes' | 'partial' | 'no';

export interface SubjectSourceVerdict {
  source: string;
  could_fire: Verdict;
  /** unmet needs, required ones first, as one line each */
  reasons: string[];
}

export interface SubjectCoverage {
  id: string;
  title: string;
  kind: 'rule' | 'detector';
  needs_from: 'declared' | 'derived';
  could_fire: Verdict;
  /** The one line that says why not (absent when it could fire everywhere). */
  reason?: string;
  sources: SubjectSourceVerdict[];
}

export interface Gap {
  from: string;
  to: string;
  minutes: number;
}

export interface CredentialWarning {
  source: string;
  kind: 'token-in-log' | 'secret-data' | 'reviewed-token';
  message: string;
  count: number;
  first: { file: string; line: number };
}

export interface SourceCoverage {
  source: string;
  keyed_by: 'cluster' | 'file' | 'pooled';
  formats: Record<string, number>;
  events: number;
  time: {
    first?: string;
    last?: string;
    /** events without a usable timestamp */
    untimed: number;
    /** spans of at least gap_minutes whole minutes without any event (at most 20 listed) */
    gaps: Gap[];
    gap_count: number;
    gap_minutes_total: number;
  };
  levels: Record<string, number>;
  stages: Record<string, number>;
  verbs: Record<string, number>;
  /** resource or resource/subresource → events; `(non-resource)` for URLs like /healthz; the 15 most frequent */
  resources: Record<string, number>;
  resource_kinds: number;
  /** requests made by service accounts and, among them, those with each extra (estimated from the inspected sample when a class is large) */
  credential_ids: {
    service_account_requests: number;
    with_jti: number;
    with_pod_name: number;
    with_node_name: number;
    /** client-certificate credential ids (X509SHA256=), any caller */
    x509: number;
  };
  token_requests: {
    /** TokenRequest events, all stages */
    count: number;
    /** requests: events of the final stage (ResponseComplete, Panic, or no stage), else of the earlier ones */
    requests: number;
    levels: Record<string, number>;
    /** with the request body (lifetime, audiences, bound object) */
    with_body: number;
    with_issued_credential_id: number;
  };
  reads: { get: number; list: number; watch: number };
  warnings: string[];
}

export interface CoverageReport {
  gap_minutes: number;
  events: number;
  sources: SourceCoverage[];
  subjects: SubjectCoverage[];
  warnings: CredentialWarning[];
}

// ---- evaluation --------------------------------------------------------------

interface Selection {
  classes: EventClass[];
  n: number;
  levels: string[];
  stages: string[];
}

interface Outcome {
  ok: boolean;
  /** set when !ok */
  reason?: string;
  /** failed because the events it is about do not appear at all */
  absent?: boolean;
}

const DERIVED_FIELDS: Record<string, string[]> = {
  'tokenwatch.client_ip': ['sourceIPs'],
  'tokenwatch.actor': ['user.username'],
  'tokenwatch.effective_user': ['user.username'],
  'tokenwatch.actor_account': ['user.username'],
  'tokenwatch.target_account': ['objectRef.name'],
  'tokenwatch.credential_id': [`user.extra.${CREDENTIAL_ID}`],
  'tokenwatch.issued_credential_id': ['annotations.authentication.kubernetes.io/issued-credential-id', 'annotations.authentication.k8s.io/issued-credential-id'],
  'tokenwatch.expiration_seconds': ['requestObject.spec.expirationSeconds'],
  'tokenwatch.pod_name': [`user.extra.${POD_NAME}`],
  'tokenwatch.node_name': [`user.extra.${NODE_NAME}`],
};

/** The event fields a (possibly derived) field name is read from. */
export function underlyingFields(field: string): string[] {
  if (DERIVED_FIELDS[field]) return DERIVED_FIELDS[field]!;
  if (field.startsWith('tokenwatch.uri.')) return ['requestURI'];
  return [field];
}

const BIT_KEYS = Object.keys(FIELD_BITS).sort((a, b) => b.length - a.length);

/** Could this class of events carry the field? Bodies count as carrying every field inside them. */
function classHas(c: EventClass, so: SourceObservation, field: string): boolean {
  if (c.n === 0) return false;
  if (field === 'requestObject' || field.startsWith('requestObject.')) return c.reqObj > 0;
  if (field === 'responseObject' || field.startsWith('responseObject.')) return c.respObj > 0;
  if (field.startsWith('annotations.')) return c.annotationKeys.has(field.slice(12)) || c.keysCapped;
  if (field.startsWith('user.extra.')) return c.extraKeys.has(field.slice(11)) || c.keysCapped;
  const bit = FIELD_BITS[field];
  if (bit !== undefined) return (c.mask & bit) !== 0;
  for (const k of BIT_KEYS) if (field.startsWith(k + '.')) return (c.mask & FIELD_BITS[k]!) !== 0;
  // an unknown top-level field: seen among the sampled events of the source?
  const top = field.split('.')[0]!;
  return so.topKeys.has(top) || so.topKeys.has(field);
}

/** A counter of inspected events, scaled to all events of the class. */
function scaled(c: EventClass, k: number): number {
  return k === 0 || c.inspected === c.n ? k : c.inspected === 0 ? 0 : Math.round((k * c.n) / c.inspected);
}

function fill(template: string, vals: Record<string, string>): string {
  return template.replace(/\{(levels|stages|count|events|field)\}/g, (m) => vals[m] ?? m);
}

function words(items: string[]): string {
  if (items.length === 0) return 'no level';
  if (items.length === 1) return items[0]!;
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

class SourceJudge {
  private readonly cache = new Map<string, Selection>();
  private readonly classes: EventClass[];
  readonly hintBase: Omit<HintContext, 'stages' | 'levels'>;

  constructor(readonly so: SourceObservation) {
    this.classes = [...so.allClasses()];
    let reads = 0;
    let sa = 0;
    for (const c of this.classes) {
      if (c.verb === 'get' || c.verb === 'list') reads += c.n;
      sa += scaled(c, c.sa);
    }
    this.hintBase = { formats: [...so.formatCounts().keys()], reads, serviceAccountRequests: sa, spanSeconds: so.maxSec - so.minSec };
  }

  select(sel: EventSelector | undefined): Selection {
    const key = JSON.stringify(sel ?? {});
    let s = this.cache.get(key);
    if (s) return s;
    const cs: CompiledSelector = compileSelector(sel);
    const classes: EventClass[] = [];
    let n = 0;
    const lv = [0, 0, 0, 0, 0];
    const st = [0, 0, 0, 0, 0];
    for (const c of this.classes) {
      if (c.resource === '(other)' && sel?.resources?.length) continue;
      if (!cs.matches(c.verb, c.resource, c.subresource)) continue;
      const k = cs.actor === 'serviceaccount' ? c.sa : cs.actor === 'node' ? c.node : c.n;
      if (k === 0) continue;
      classes.push(c);
      n += cs.actor === 'any' ? k : scaled(c, k);
      for (let i = 0; i < 5; i++) {
        lv[i]! += c.levels[i]!;
        st[i]! += c.stages[i]!;
      }
    }
    s = { classes, n, levels: LEVEL_NAMES.filter((_, i) => lv[i]! > 0), stages: STAGE_NAMES.filter((_, i) => st[i]! > 0) };
    this.cache.set(key, s);
    return s;
  }

  private hint(s: Selection): HintContext {
    return { ...this.hintBase, stages: s.stages, levels: s.levels };
  }

  private vals(s: Selection, sel: EventSelector | undefined, field?: string): Record<string, string> {
    return {
      '{levels}': words(s.levels.map((l) => (l === '(not recorded)' ? 'an unrecorded level' : l))),
      '{stages}': s.stages.join(', ') || 'none',
      '{count}': String(s.n),
      '{events}': describeSelector(sel),
      '{field}': field ?? '',
    };
  }

  /** When the events a need is about are absent, the need fails with the events reason. */
  private absent(sel: EventSelector | undefined, s: Selection): Outcome {
    const d = describeSelector(sel);
    const base = d === 'service-account' || d === 'kubelet' ? `no ${d} requests` : d === 'any' ? 'no events' : `no ${d} events`;
    return { ok: false, absent: true, reason: withHint(base, eventsHint(sel, this.hint(s))) };
  }

  evaluate(n: Need): Outcome {
    switch (needKind(n)) {
      case 'events': {
        const need = n as EventsNeed;
        const s = this.select(need.events);
        if (s.n > 0) return { ok: true };
        if (!need.reason) return this.absent(need.events, s);
        return { ok: false, reason: withHint(fill(need.reason, this.vals(s, need.events)), eventsHint(need.events, this.hint(s))) };
      }
      case 'field': {
        const need = n as FieldNeed;
        const s = this.select(need.on);
        if (s.n === 0) return this.absent(need.on, s);
        const names = fieldNames(need);
        const under = names.flatMap(underlyingFields);
        if (s.classes.some((c) => under.some((f) => classHas(c, this.so, f)))) return { ok: true };
        const hint = fieldHint(under[0]!, this.hint(s), need.on);
        if (need.reason) return { ok: false, reason: withHint(fill(need.reason, this.vals(s, need.on, names[0])), hint) };
        const where = need.on ? ` on ${describeSelector(need.on)} events` : ' in the log';
        const at = s.levels.length && (under[0]!.startsWith('requestObject') || under[0]!.startsWith('responseObject')) ? ` (logged at ${this.vals(s, need.on)['{levels}']})` : '';
        return { ok: false, reason: withHint(`${names.join(' or ')} never present${where}${at}`, hint) };
      }
      case 'level': {
        const need = n as LevelNeed;
        const s = this.select(need.on);
        if (s.n === 0) return this.absent(need.on, s);
        const r = levelRank(need.level);
        const ok = s.classes.some((c) => {
          for (let i = r; i <= 3; i++) if (c.levels[i]! > 0) return true;
          if (c.levels[4]! > 0) return r <= 1 || (r === 2 && c.reqObj > 0) || (r === 3 && c.respObj > 0);
          return false;
        });
        if (ok) return { ok: true };
        const hint = levelHint(this.hint(s));
        if (need.reason) return { ok: false, reason: withHint(fill(need.reason, this.vals(s, need.on)), hint) };
        return { ok: false, reason: withHint(`${describeSelector(need.on)} events are logged at ${this.vals(s, need.on)['{levels}']}, not ${need.level}`, hint) };
      }
      case 'stage': {
        const need = n as StageNeed;
        const s = this.select(need.on);
        if (s.n === 0) return this.absent(need.on, s);
        const idx = stageNames(need).map((x) => STAGE_NAMES.indexOf(x));
        if (s.classes.some((c) => idx.some((i) => i >= 0 && c.stages[i]! > 0))) return { ok: true };
        if (need.reason) return { ok: false, reason: fill(need.reason, this.vals(s, need.on)) };
        return { ok: false, reason: `no ${stageNames(need).join(' or ')} stage for ${describeSelector(need.on)} events (stages seen: ${s.stages.join(', ') || 'none'})` };
      }
      case 'extra': {
        const need = n as ExtraNeed;
        const on = need.on ?? { actor: 'serviceaccount' };
        const s = this.select(on);
        if (s.n === 0) return this.absent(on, s);
        const saOnly = on.actor === 'serviceaccount';
        let found: boolean;
        if (need.extra === CREDENTIAL_ID && need.prefix === 'JTI=') found = s.classes.some((c) => (saOnly ? c.saJti : c.jti) > 0);
        else if (need.extra === CREDENTIAL_ID && need.prefix === 'X509SHA256=') found = s.classes.some((c) => c.x509 > 0);
        else if (need.extra === POD_NAME && saOnly) found = s.classes.some((c) => c.saPod > 0);
        else if (need.extra === NODE_NAME && saOnly) found = s.classes.some((c) => c.saNode > 0);
        else found = s.classes.some((c) => c.extraKeys.has(need.extra) || c.keysCapped);
        if (found) return { ok: true };
        const hint = extraHint(need.extra, this.hint(s));
        if (need.reason) return { ok: false, reason: withHint(fill(need.reason, this.vals(s, on)), hint) };
        const d = describeSelector(on);
        return { ok: false, reason: withHint(`no ${need.extra}${need.prefix ? ` (${need.prefix}…)` : ''} on ${d === 'service-account' ? 'service-account' : d} requests`, hint) };
      }
      default: {
        const need = n as AnyOfNeed;
        let first: string | undefined;
        for (const alt of need.anyOf) {
          const r = this.judge(alt);
          if (r.verdict !== 'no') return { ok: true };
          first ??= r.reasons[0];
        }
        return { ok: false, reason: need.reason ?? first ?? 'no alternative is met' };
      }
    }
  }

  /** All needs of a subject in this source. */
  judge(needs: Needs): { verdict: Verdict; reasons: string[] } {
    const hard: string[] = [];
    const soft: string[] = [];
    for (const n of needs) {
      const r = this.evaluate(n);
      if (r.ok) continue;
      // the events are missing altogether and a required need said so already: one reason is enough
      if (r.absent && hard.length > 0) continue;
      (n.optional ? soft : hard).push(r.reason!);
    }
    // an anyOf met only partially still makes the subject partial: judge its best alternative's optional needs
    for (const n of needs) {
      if (needKind(n) !== 'anyOf' || n.optional) continue;
      const alts = (n as AnyOfNeed).anyOf.map((a) => this.judge(a));
      if (alts.some((a) => a.verdict === 'yes')) continue;
      const partial = alts.find((a) => a.verdict === 'partial');
      if (partial) soft.push(...partial.reasons);
    }
    const verdict: Verdict = hard.length ? 'no' : soft.length ? 'partial' : 'yes';
    return { verdict, reasons: [...new Set([...hard, ...soft])] };
  }
}

/** Needs of a subject that declares none: its fields must appear somewhere. */
function effectiveNeeds(s: CoverageSubject): Needs {
  if (s.needs.length > 0 || !s.fields?.length) return s.needs;
  return s.fields.map((f) => ({ field: f }));
}

// ---- building the report ----------------------------------------------------------

function isoSec(sec: number): string | undefined {
  return Number.isFinite(sec) ? new Date(sec * 1000).toISOString().replace('.000Z', 'Z') : undefined;
}

function gapsOf(so: SourceObservation, gapMs: number): { gaps: Gap[]; count: number; total: number } {
  const minMinutes = Math.max(1, Math.ceil(gapMs / 60_000));
  const gaps: Gap[] = [];
  let count = 0;
  let total = 0;
  let last = NaN;
  const days = [...so.days.keys()].sort((a, b) => a - b);
  for (const day of days) {
    const bits = so.days.get(day)!;
    for (let byte = 0; byte < bits.length; byte++) {
      const v = bits[byte]!;
      if (v === 0) continue;
      for (let b = 0; b < 8; b++) {
        if ((v & (1 << b)) === 0) continue;
        const minute = day * 1440 + byte * 8 + b;
        if (!Number.isNaN(last)) {
          const empty = minute - last - 1;
          if (empty >= minMinutes) {
            count++;
            total += empty;
            if (gaps.length < 20) gaps.push({ from: isoSec((last + 1) * 60)!, to: isoSec(minute * 60)!, minutes: empty });
          }
        }
        last = minute;
      }
    }
  }
  return { gaps, count, total };
}

function named(names: string[], counts: number[]): Record<string, number> {
  const out: Record<string, number> = {};
  names.forEach((n, i) => {
    if (counts[i]! > 0) out[n] = counts[i]!;
  });
  return out;
}

function sortedRecord(m: Map<string, number>, limit = Infinity): Record<string, number> {
  return Object.fromEntries([...m.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, limit));
}

function warningsOf(so: SourceObservation): CredentialWarning[] {
  const out: CredentialWarning[] = [];
  const add = (kind: CredentialWarning['kind'], s: CredentialSighting | null, text: (s: CredentialSighting) => string) => {
    if (s) out.push({ source: so.key, kind, count: s.count, first: { file: s.file, line: s.line }, message: text(s) });
  };
  add('token-in-log', so.tokenInLog, (s) => `the log holds minted service-account tokens: ${s.count} TokenRequest(s) logged at ${s.level ?? 'RequestResponse'} with the token in responseObject.status.token (first at ${s.file}:${s.line}); tokenwatch redacted them, the log file still has them: log serviceaccounts/token at Request (tokenwatch policy)`);
  add('secret-data', so.secretData, (s) => `the log holds secret values: ${s.count} Secret event(s) logged with data (first at ${s.file}:${s.line}); tokenwatch redacted them, the log file still has them: log secrets at Metadata (tokenwatch policy)`);
  add('reviewed-token', so.reviewedToken, (s) => `the log holds bearer tokens: ${s.count} TokenReview(s) logged with spec.token (first at ${s.file}:${s.line}); tokenwatch redacted them, the log file still has them: log tokenreviews at Metadata (tokenwatch policy)`);
  return out;
}

function summarize(so: SourceObservation, gapMs: number): SourceCoverage {
  const lv = [0, 0, 0, 0, 0];
  const st = [0, 0, 0, 0, 0];
  const verbs = new Map<string, number>();
  const resources = new Map<string, number>();
  const cred = { service_account_requests: 0, with_jti: 0, with_pod_name: 0, with_node_name: 0, x509: 0 };
  const tr = { count: 0, finals: 0, early: 0, levels: [0, 0, 0, 0, 0], with_body: 0, with_body_final: 0, with_issued_credential_id: 0 };
  const reads = { get: 0, list: 0, watch: 0 };
  for (const c of so.allClasses()) {
    for (let i = 0; i < 5; i++) {
      lv[i]! += scaled(c, c.levels[i]!);
      st[i]! += scaled(c, c.stages[i]!);
    }
    const v = c.verb === '' ? '(none)' : c.verb;
    verbs.set(v, (verbs.get(v) ?? 0) + c.n);
    const r = c.resource === '' ? '(non-resource)' : c.subresource === '' ? c.resource : `${c.resource}/${c.subresource}`;
    resources.set(r, (resources.get(r) ?? 0) + c.n);
    // counters of inspected events, scaled to the class (exact where every event was inspected)
    cred.service_account_requests += scaled(c, c.sa);
    cred.with_jti += scaled(c, c.saJti);
    cred.with_pod_name += scaled(c, c.saPod);
    cred.with_node_name += scaled(c, c.saNode);
    cred.x509 += scaled(c, c.x509);
    if (c.verb === 'create' && c.resource === 'serviceaccounts' && c.subresource === 'token') {
      // TokenRequests are inspected one by one: these counts are exact
      tr.count += c.n;
      tr.finals += c.stages[2]! + c.stages[3]! + c.stages[4]!;
      tr.early += c.stages[0]! + c.stages[1]!;
      for (let i = 0; i < 5; i++) tr.levels[i]! += c.levels[i]!;
      tr.with_body += c.reqObj;
      tr.with_body_final += c.reqObjFinal;
      tr.with_issued_credential_id += c.issued;
    }
    if (c.verb === 'get' || c.verb === 'list' || c.verb === 'watch') reads[c.verb] += c.n;
  }
  const g = gapsOf(so, gapMs);
  const warnings = warningsOf(so).map((w) => w.message);
  if (so.daysCapped) warnings.push('events span more than ten years: gaps are not computed past the first 3,700 days seen');
  return {
    source: so.key,
    keyed_by: so.keyedBy,
    formats: sortedRecord(so.formatCounts()),
    events: so.events,
    time: { first: isoSec(so.minSec), last: isoSec(so.maxSec), untimed: so.untimed, gaps: g.gaps, gap_count: g.count, gap_minutes_total: g.total },
    levels: named(LEVEL_NAMES, lv),
    stages: named(STAGE_NAMES, st),
    verbs: sortedRecord(verbs),
    resources: sortedRecord(resources, 15),
    resource_kinds: resources.size,
    credential_ids: cred,
    token_requests: { count: tr.count, requests: tr.finals > 0 ? tr.finals : tr.early, levels: named(LEVEL_NAMES, tr.levels), with_body: tr.finals > 0 ? tr.with_body_final : tr.with_body, with_issued_credential_id: tr.with_issued_credential_id },
    reads,
    warnings,
  };
}

function overall(perSource: SubjectSourceVerdict[]): { verdict: Verdict; reason?: string } {
  if (perSource.length === 0) return { verdict: 'no', reason: 'no events were read' };
  const all = (v: Verdict) => perSource.every((s) => s.could_fire === v);
  if (all('yes')) return { verdict: 'yes' };
  const firstBad = perSource.find((s) => s.could_fire !== 'yes')!;
  const reason = firstBad.reasons[0] ?? 'unknown';
  if (perSource.length === 1) return { verdict: firstBad.could_fire, reason };
  const bad = perSource.filter((s) => s.could_fire !== 'yes');
  const more = bad.length > 1 ? ` (and ${bad.length - 1} more source${bad.length > 2 ? 's' : ''})` : '';
  if (all('no')) {
    const same = perSource.every((s) => s.reasons[0] === reason);
    return { verdict: 'no', reason: same ? reason : `${firstBad.source}: ${reason}${more}` };
  }
  if (all('partial') && perSource.every((s) => s.reasons[0] === reason)) return { verdict: 'partial', reason };
  const how = firstBad.could_fire === 'no' ? 'could not' : 'partially';
  return { verdict: 'partial', reason: `${how} on ${firstBad.source}: ${reason}${more}` };
}

/** Judges every subject against every source the collector observed. */
export function buildReport(observations: SourceObservation[], subjects: CoverageSubject[], gapMs: number): CoverageReport {
  const judges = observations.map((so) => new SourceJudge(so));
  const out: SubjectCoverage[] = subjects.map((s) => {
    const needs = effectiveNeeds(s);
    const per: SubjectSourceVerdict[] = judges.map((j) => {
      const r = j.judge(needs);
      return { source: j.so.key, could_fire: r.verdict, reasons: r.reasons };
    });
    const o = overall(per);
    return { id: s.id, title: s.title, kind: s.kind, needs_from: s.derived ? 'derived' : 'declared', could_fire: o.verdict, ...(o.reason ? { reason: o.reason } : {}), sources: per };
  });
  return {
    gap_minutes: Math.max(1, Math.ceil(gapMs / 60_000)),
    events: observations.reduce((a, so) => a + so.events, 0),
    sources: observations.map((so) => summarize(so, gapMs)),
    subjects: out,
    warnings: observations.flatMap(warningsOf),
  };
}

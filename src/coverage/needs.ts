/**
 * What a rule or detector needs to see in a log before it can fire, as plain
 * data. Built-in rules declare it under `tokenwatch.needs` in their YAML;
 * stateful detectors export it as a constant of this type; rules that
 * declare nothing get needs derived from their detection (subjects.ts).
 *
 * A `Needs` is a list: every entry must be met. Each entry is one of
 *
 *   - `{events: SEL}`            events matching SEL must appear
 *   - `{field: F, on: SEL}`      some event matching SEL must carry field F
 *                                (one of F when F is a list)
 *   - `{level: L, on: SEL}`      some event matching SEL must be logged at L or higher
 *   - `{stage: S, on: SEL}`      some event matching SEL must be of stage S (one of S)
 *   - `{extra: K, prefix?: P, on?: SEL}`
 *                                some request matching SEL (by default: any
 *                                service-account request) must carry
 *                                `user.extra[K]`, with a value starting with P
 *   - `{anyOf: [[...], [...]]}`  one of the alternative lists must be met
 *
 * and may carry `reason` (the one line printed when it is not met; see
 * `REASON_PLACEHOLDERS`) and `optional: true` (the subject still fires
 * without it, but loses something: the verdict becomes "partially").
 *
 * An event selector SEL names verbs, resources in the audit policy's own
 * notation, and whose requests:
 *
 *   `{verbs: [create], resources: [serviceaccounts/token]}`
 *   `{verbs: [get, list, watch]}`            any resource (and non-resource URLs)
 *   `{resources: [pods, pods/binding]}`      either of them, any verb
 *   `{actor: serviceaccount}`                requests made by service accounts
 *
 * Resources: `secrets` is the resource without a subresource, `pods/exec` a
 * subresource, `pods/*` pods and every subresource of pods (as in an audit
 * Policy), `*\/exec` the exec subresource of anything, `*` any resource
 * request. All listed conditions must hold; each list is "any of".
 */

export const LEVELS = ['None', 'Metadata', 'Request', 'RequestResponse'] as const;
export type Level = (typeof LEVELS)[number];
export const STAGES = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'] as const;

/** Whose requests a selector keeps: `serviceaccount` = `system:serviceaccount:*` users, `node` = `system:node:*` (kubelets). */
export type Actor = 'any' | 'serviceaccount' | 'node';

export interface EventSelector {
  /** any of these verbs; absent or empty: any verb */
  verbs?: string[];
  /** any of these resources (policy notation, see above); absent or empty: any event, non-resource requests included */
  resources?: string[];
  /** default `any` */
  actor?: Actor;
}

export interface NeedBase {
  /** The one line printed when the need is not met. Placeholders: see REASON_PLACEHOLDERS. */
  reason?: string;
  /** The subject fires without it but loses part of its judgement ("partially"). */
  optional?: boolean;
}

/** Events matching the selector must appear. */
export interface EventsNeed extends NeedBase {
  events: EventSelector;
}

/** Some event matching `on` (any event when absent) must carry the field (any of the names). */
export interface FieldNeed extends NeedBase {
  field: string | string[];
  on?: EventSelector;
}

/** Some event matching `on` must be logged at this level or higher. */
export interface LevelNeed extends NeedBase {
  level: Level;
  on?: EventSelector;
}

/** Some event matching `on` must be of this stage (any of them). */
export interface StageNeed extends NeedBase {
  stage: string | string[];
  on?: EventSelector;
}

/** Some request matching `on` (default: `{actor: serviceaccount}`) must carry `user.extra[extra]`, starting with `prefix` when given. */
export interface ExtraNeed extends NeedBase {
  extra: string;
  prefix?: string;
  on?: EventSelector;
}

/** One of the alternatives (each a list of needs, all of which must hold) must be met. */
export interface AnyOfNeed extends NeedBase {
  anyOf: Need[][];
}

export type Need = EventsNeed | FieldNeed | LevelNeed | StageNeed | ExtraNeed | AnyOfNeed;
export type Needs = Need[];

/**
 * Placeholders a `reason` may use, filled from what the source shows about
 * the need's events (`on`, or `events` for an events need).
 */
export const REASON_PLACEHOLDERS: Record<string, string> = {
  '{levels}': 'audit levels of the selected events, e.g. "Metadata" or "Metadata and Request"',
  '{stages}': 'stages of the selected events',
  '{count}': 'number of selected events',
  '{events}': 'the selector in words, e.g. "create serviceaccounts/token"',
  '{field}': 'the field (first name) of a field need',
};

// ---- well-known keys ------------------------------------------------------

export const CREDENTIAL_ID = 'authentication.kubernetes.io/credential-id';
export const POD_NAME = 'authentication.kubernetes.io/pod-name';
export const NODE_NAME = 'authentication.kubernetes.io/node-name';

/** Selector shortcuts, for detectors written in TypeScript. */
export const TOKEN_REQUESTS: EventSelector = { verbs: ['create'], resources: ['serviceaccounts/token'] };
export const READS: EventSelector = { verbs: ['get', 'list', 'watch'] };
export const SERVICE_ACCOUNT_REQUESTS: EventSelector = { actor: 'serviceaccount' };
export const KUBELET_REQUESTS: EventSelector = { actor: 'node' };

// ---- checking and reading -------------------------------------------------

export function needKind(n: Need): 'events' | 'field' | 'level' | 'stage' | 'extra' | 'anyOf' {
  if ('events' in n) return 'events';
  if ('field' in n) return 'field';
  if ('level' in n) return 'level';
  if ('stage' in n) return 'stage';
  if ('extra' in n) return 'extra';
  return 'anyOf';
}

const KINDS = ['events', 'field', 'level', 'stage', 'extra', 'anyOf'];
const NEED_KEYS = new Set([...KINDS, 'reason', 'optional', 'on', 'prefix']);
const SELECTOR_KEYS = new Set(['verbs', 'resources', 'actor']);

function strList(v: unknown): string[] | undefined {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  return undefined;
}

function parseSelector(v: unknown, where: string, errors: string[]): EventSelector | undefined {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    errors.push(`${where}: an event selector is a map of verbs, resources, actor`);
    return undefined;
  }
  const o = v as Record<string, unknown>;
  const sel: EventSelector = {};
  for (const k of Object.keys(o)) if (!SELECTOR_KEYS.has(k)) errors.push(`${where}: unknown key "${k}" (verbs, resources, actor)`);
  if (o.verbs !== undefined) {
    const l = strList(o.verbs);
    if (!l) errors.push(`${where}.verbs: a list of verbs`);
    else sel.verbs = l;
  }
  if (o.resources !== undefined) {
    const l = strList(o.resources);
    if (!l) errors.push(`${where}.resources: a list of resources like secrets, serviceaccounts/token, pods/*`);
    else {
      for (const r of l) if (r === '' || r.split('/').length > 2) errors.push(`${where}.resources: "${r}" is not resource or resource/subresource`);
      sel.resources = l;
    }
  }
  if (o.actor !== undefined) {
    if (o.actor !== 'any' && o.actor !== 'serviceaccount' && o.actor !== 'node') errors.push(`${where}.actor: any, serviceaccount or node`);
    else sel.actor = o.actor;
  }
  return sel;
}

/** Reads needs from rule YAML (or any plain data); problems are reported, bad entries left out. */
export function parseNeeds(data: unknown, where = 'needs'): { needs: Needs; errors: string[] } {
  const errors: string[] = [];
  const needs: Needs = [];
  if (!Array.isArray(data)) {
    errors.push(`${where}: a list of needs`);
    return { needs, errors };
  }
  data.forEach((d, i) => {
    const n = parseNeed(d, `${where}[${i}]`, errors);
    if (n) needs.push(n);
  });
  return { needs, errors };
}

function parseNeed(d: unknown, where: string, errors: string[]): Need | undefined {
  if (d === null || typeof d !== 'object' || Array.isArray(d)) {
    errors.push(`${where}: a need is a map with one of ${KINDS.join(', ')}`);
    return undefined;
  }
  const o = d as Record<string, unknown>;
  const kinds = KINDS.filter((k) => k in o);
  if (kinds.length !== 1) {
    errors.push(`${where}: exactly one of ${KINDS.join(', ')} (found ${kinds.length ? kinds.join(', ') : 'none'})`);
    return undefined;
  }
  for (const k of Object.keys(o)) if (!NEED_KEYS.has(k)) errors.push(`${where}: unknown key "${k}"`);
  const base: NeedBase = {};
  if (o.reason !== undefined) {
    if (typeof o.reason !== 'string' || o.reason.includes('\n')) errors.push(`${where}.reason: one line of text`);
    else base.reason = o.reason;
  }
  if (o.optional !== undefined) {
    if (typeof o.optional !== 'boolean') errors.push(`${where}.optional: true or false`);
    else if (o.optional) base.optional = true;
  }
  let on: EventSelector | undefined;
  if (o.on !== undefined) on = parseSelector(o.on, `${where}.on`, errors);
  const kind = kinds[0]!;
  if (kind !== 'extra' && o.prefix !== undefined) errors.push(`${where}: prefix belongs to an extra need`);
  switch (kind) {
    case 'events': {
      if (on) errors.push(`${where}: an events need takes no "on" (the selector is its value)`);
      const sel = parseSelector(o.events, `${where}.events`, errors);
      return sel ? { ...base, events: sel } : undefined;
    }
    case 'field': {
      const f = strList(o.field);
      if (!f || f.length === 0 || f.some((x) => x === '')) {
        errors.push(`${where}.field: a field name or a list of names`);
        return undefined;
      }
      return { ...base, field: f.length === 1 ? f[0]! : f, ...(on ? { on } : {}) };
    }
    case 'level': {
      if (!LEVELS.includes(o.level as Level) || o.level === 'None') {
        errors.push(`${where}.level: Metadata, Request or RequestResponse`);
        return undefined;
      }
      return { ...base, level: o.level as Level, ...(on ? { on } : {}) };
    }
    case 'stage': {
      const s = strList(o.stage);
      if (!s || s.length === 0 || s.some((x) => !(STAGES as readonly string[]).includes(x))) {
        errors.push(`${where}.stage: one or more of ${STAGES.join(', ')}`);
        return undefined;
      }
      return { ...base, stage: s.length === 1 ? s[0]! : s, ...(on ? { on } : {}) };
    }
    case 'extra': {
      if (typeof o.extra !== 'string' || o.extra === '') {
        errors.push(`${where}.extra: a user.extra key such as ${CREDENTIAL_ID}`);
        return undefined;
      }
      if (o.prefix !== undefined && typeof o.prefix !== 'string') errors.push(`${where}.prefix: text`);
      const n: ExtraNeed = { ...base, extra: o.extra };
      if (typeof o.prefix === 'string' && o.prefix !== '') n.prefix = o.prefix;
      if (on) n.on = on;
      return n;
    }
    default: {
      if (on) errors.push(`${where}: anyOf takes no "on"`);
      if (!Array.isArray(o.anyOf) || o.anyOf.length === 0) {
        errors.push(`${where}.anyOf: a list of alternatives, each a list of needs`);
        return undefined;
      }
      const alts: Need[][] = [];
      o.anyOf.forEach((alt, j) => {
        const r = parseNeeds(alt, `${where}.anyOf[${j}]`);
        errors.push(...r.errors);
        alts.push(r.needs);
      });
      return { ...base, anyOf: alts };
    }
  }
}

// ---- selectors -------------------------------------------------------------

/** A selector compiled for matching the (verb, resource, subresource) of an event class. */
export interface CompiledSelector {
  sel: EventSelector;
  actor: Actor;
  matches(verb: string, resource: string, subresource: string): boolean;
}

/**
 * Does a resource spec (audit Policy notation) match? `resource` is '' for a
 * non-resource request. Same rules as the API server's policy checker:
 * `*` any resource request, `r` exactly r without subresource, `r/s`
 * exactly, `*\/s` subresource s of anything, `r/*` r and its subresources.
 */
export function resourceSpecMatches(spec: string, resource: string, subresource: string): boolean {
  if (resource === '') return false;
  if (spec === '*') return true;
  const combined = subresource === '' ? resource : `${resource}/${subresource}`;
  if (spec === combined) return true;
  if (subresource !== '' && spec.startsWith('*/') && spec.slice(2) === subresource) return true;
  if (spec.endsWith('/*') && spec.slice(0, -2) === resource) return true;
  return false;
}

export function compileSelector(sel: EventSelector | undefined): CompiledSelector {
  const s = sel ?? {};
  const verbs = s.verbs && s.verbs.length > 0 ? new Set(s.verbs.map((v) => v.toLowerCase())) : null;
  const res = s.resources && s.resources.length > 0 ? s.resources.map((r) => r.toLowerCase()) : null;
  return {
    sel: s,
    actor: s.actor ?? 'any',
    matches(verb, resource, subresource) {
      if (verbs && !verbs.has(verb.toLowerCase())) return false;
      if (res) {
        const r = resource.toLowerCase();
        const sr = subresource.toLowerCase();
        if (!res.some((spec) => resourceSpecMatches(spec, r, sr))) return false;
      }
      return true;
    },
  };
}

function joinWords(items: string[], word = 'or'): string {
  if (items.length <= 1) return items.join('');
  if (items.length === 2) return `${items[0]} ${word} ${items[1]}`;
  return `${items.slice(0, -1).join(', ')} ${word} ${items[items.length - 1]}`;
}

/** The selector in words: "create serviceaccounts/token", "get/list/watch", "service-account requests". */
export function describeSelector(sel: EventSelector | undefined): string {
  const s = sel ?? {};
  const parts: string[] = [];
  if (s.verbs?.length) parts.push(s.verbs.join('/'));
  if (s.resources?.length) parts.push(joinWords(s.resources));
  let text = parts.length ? parts.join(' ') : 'any';
  if (s.actor === 'serviceaccount') text = parts.length ? `${text} by service accounts` : 'service-account';
  if (s.actor === 'node') text = parts.length ? `${text} by kubelets` : 'kubelet';
  return text;
}

/** Field names of a field need, as a list. */
export function fieldNames(n: FieldNeed): string[] {
  return Array.isArray(n.field) ? n.field : [n.field];
}

export function stageNames(n: StageNeed): string[] {
  return Array.isArray(n.stage) ? n.stage : [n.stage];
}

export function levelRank(l: string | undefined): number {
  const i = LEVELS.indexOf(l as Level);
  return i;
}

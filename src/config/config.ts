/**
 * tokenwatch.yaml: tuning without editing rules. Allow-lists (global or per
 * rule) become Sigma filters, so there is one exclusion path and every
 * suppression is counted by the filter that made it. Unknown keys and wrong
 * types are errors naming the file and line: a typo must not silently turn an
 * exclusion off.
 */
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, isMap, isSeq, isScalar, type Node } from 'yaml';

export interface AllowList {
  /** Sigma wildcard patterns matched against user.username */
  users?: string[];
  /** addresses or CIDR blocks matched against the last sourceIPs entry (the one a client cannot forge) */
  source_ips?: string[];
  /** Sigma wildcard patterns matched against userAgent */
  user_agents?: string[];
  /** Sigma wildcard patterns matched against objectRef.namespace */
  namespaces?: string[];
}

export interface RuleConfig {
  enabled?: boolean;
  allow?: AllowList;
  /** grouping window, e.g. `60m`, `2h`, `30s` */
  window?: string;
  group_by?: string[];
  level?: string;
}

export interface Config {
  file?: string;
  allow?: AllowList;
  rules?: Record<string, RuleConfig>;
  disable?: string[];
  /** TokenRequest lifetime above which a token is called long-lived (default 86400 s, 24 h) */
  long_lived_seconds?: number;
  /** cluster name put on every event whose format names none */
  cluster?: string;
  /** values for the Sigma `expand` modifier's %placeholders% */
  placeholders?: Record<string, string[]>;
  /** field-name mappings added to (or overriding) the default Kubernetes mapping */
  field_mapping?: Record<string, string | string[]>;
  /** Sigma filter documents, as in a filter YAML file */
  filters?: Record<string, unknown>[];
  detectors?: DetectorConfig;
}

export interface DetectorConfig {
  /** event time from the first event ever seen during which baselines only learn (default 60m) */
  learning?: string;
  /** how long after a non-system mint a new source of the target account is linked to it when there are no credential ids (default 60m) */
  fallback_window?: string;
  /** requests this long after their pod's deletion still count as the pod's own (default 2m) */
  deletion_grace?: string;
  /** identities allowed to read token Secrets and list all Secrets (replaces the default controller list; `*` at the end is a wildcard) */
  secret_readers?: string[];
}

export class ConfigError extends Error {
  constructor(readonly file: string, readonly line: number | undefined, readonly detail: string) {
    super(`${file}${line ? `:${line}` : ''}: ${detail}`);
  }
}

const ALLOW_KEYS = ['users', 'source_ips', 'user_agents', 'namespaces'];
const RULE_KEYS = ['enabled', 'allow', 'window', 'group_by', 'level'];
const TOP_KEYS = ['allow', 'rules', 'disable', 'long_lived_seconds', 'cluster', 'placeholders', 'field_mapping', 'filters', 'detectors'];
const DETECTOR_KEYS = ['learning', 'fallback_window', 'deletion_grace', 'secret_readers'];
const LEVELS = ['informational', 'low', 'medium', 'high', 'critical'];

export function loadConfig(file: string): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, undefined, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(e));
  }
  return parseConfig(text, file);
}

export function parseConfig(text: string, file: string): Config {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  const lineOf = (n: Node | null | undefined) => (n?.range ? lc.linePos(n.range[0]).line : undefined);
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    throw new ConfigError(file, lc.linePos(e.pos[0]).line, `YAML error: ${e.message.split('\n')[0]}`);
  }
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return { file };
  if (!isMap(root)) throw new ConfigError(file, lineOf(root as Node), 'the configuration must be a mapping');
  const fail = (n: Node | null | undefined, msg: string): never => {
    throw new ConfigError(file, lineOf(n), msg);
  };
  const keysOf = (m: Node, allowed: string[], where: string) => {
    if (!isMap(m)) fail(m, `${where} must be a mapping`);
    for (const item of (m as import('yaml').YAMLMap).items) {
      const k = isScalar(item.key) ? String(item.key.value) : '';
      if (!allowed.includes(k)) fail(item.key as Node, `unknown key "${k}" in ${where} (expected one of: ${allowed.join(', ')})`);
    }
  };
  const strList = (n: Node | null | undefined, where: string): string[] => {
    if (!isSeq(n)) return fail(n, `${where} must be a list of strings`);
    return n.items.map((it) => {
      if (!isScalar(it) || (typeof it.value !== 'string' && typeof it.value !== 'number')) return fail(it as Node, `${where} must hold strings`);
      return String(it.value);
    });
  };
  const allowOf = (n: Node, where: string): AllowList => {
    keysOf(n, ALLOW_KEYS, where);
    const a: AllowList = {};
    for (const k of ALLOW_KEYS) {
      const v = (n as import('yaml').YAMLMap).get(k, true) as Node | undefined;
      if (v !== undefined) a[k as keyof AllowList] = strList(v, `${where}.${k}`);
    }
    if (a.source_ips) for (const [i, ip] of a.source_ips.entries()) if (!isIpOrCidr(ip)) fail(((n as import('yaml').YAMLMap).get('source_ips', true) as unknown as import('yaml').YAMLSeq).items[i] as Node, `${where}.source_ips: "${ip}" is not an IP address or CIDR block`);
    return a;
  };

  keysOf(root, TOP_KEYS, 'the configuration');
  const cfg: Config = { file };
  const get = (k: string) => root.get(k, true) as Node | undefined;
  if (get('allow') !== undefined) cfg.allow = allowOf(get('allow')!, 'allow');
  if (get('disable') !== undefined) cfg.disable = strList(get('disable'), 'disable');
  const ll = get('long_lived_seconds');
  if (ll !== undefined) {
    if (!isScalar(ll) || typeof ll.value !== 'number' || ll.value <= 0) fail(ll, 'long_lived_seconds must be a positive number of seconds');
    cfg.long_lived_seconds = (ll as import('yaml').Scalar<number>).value;
  }
  const cl = get('cluster');
  if (cl !== undefined) {
    if (!isScalar(cl) || typeof cl.value !== 'string') fail(cl, 'cluster must be a string');
    cfg.cluster = String((cl as import('yaml').Scalar).value);
  }
  const ph = get('placeholders');
  if (ph !== undefined) {
    if (!isMap(ph)) fail(ph, 'placeholders must map names to lists of values');
    cfg.placeholders = {};
    for (const item of (ph as import('yaml').YAMLMap).items) cfg.placeholders[String((item.key as import('yaml').Scalar).value)] = strList(item.value as Node, `placeholders.${String((item.key as import('yaml').Scalar).value)}`);
  }
  const fm = get('field_mapping');
  if (fm !== undefined) {
    if (!isMap(fm)) fail(fm, 'field_mapping must map Sigma field names to event paths');
    cfg.field_mapping = {};
    for (const item of (fm as import('yaml').YAMLMap).items) {
      const k = String((item.key as import('yaml').Scalar).value);
      const v = item.value as Node;
      cfg.field_mapping[k] = isSeq(v) ? strList(v, `field_mapping.${k}`) : isScalar(v) && typeof v.value === 'string' ? v.value : fail(v, `field_mapping.${k} must be a path or a list of paths`);
    }
  }
  const fl = get('filters');
  if (fl !== undefined) {
    if (!isSeq(fl)) fail(fl, 'filters must be a list of Sigma filter documents');
    cfg.filters = (fl as import('yaml').YAMLSeq).items.map((it) => {
      if (!isMap(it)) return fail(it as Node, 'each filter must be a mapping (a Sigma filter document)');
      const data = (it as import('yaml').YAMLMap).toJSON() as Record<string, unknown>;
      Object.defineProperty(data, '__line', { value: lineOf(it as Node), enumerable: false });
      return data;
    });
  }
  const det = get('detectors');
  if (det !== undefined) {
    keysOf(det, DETECTOR_KEYS, 'detectors');
    const m = det as import('yaml').YAMLMap;
    const dc: DetectorConfig = {};
    for (const k of ['learning', 'fallback_window', 'deletion_grace'] as const) {
      const v = m.get(k, true) as Node | undefined;
      if (v === undefined) continue;
      if (!isScalar(v) || parseDuration(String(v.value)) === undefined) fail(v, `detectors.${k} must be a duration like 30s, 10m, 2h`);
      dc[k] = String((v as import('yaml').Scalar).value);
    }
    const sr = m.get('secret_readers', true) as Node | undefined;
    if (sr !== undefined) dc.secret_readers = strList(sr, 'detectors.secret_readers');
    cfg.detectors = dc;
  }
  const rules = get('rules');
  if (rules !== undefined) {
    if (!isMap(rules)) fail(rules, 'rules must map rule ids to settings');
    cfg.rules = {};
    for (const item of (rules as import('yaml').YAMLMap).items) {
      const id = String((item.key as import('yaml').Scalar).value);
      const n = item.value as Node;
      keysOf(n, RULE_KEYS, `rules.${id}`);
      const m = n as import('yaml').YAMLMap;
      const rc: RuleConfig = {};
      const en = m.get('enabled', true) as Node | undefined;
      if (en !== undefined) {
        if (!isScalar(en) || typeof en.value !== 'boolean') fail(en, `rules.${id}.enabled must be true or false`);
        rc.enabled = (en as import('yaml').Scalar<boolean>).value;
      }
      const al = m.get('allow', true) as Node | undefined;
      if (al !== undefined) rc.allow = allowOf(al, `rules.${id}.allow`);
      const w = m.get('window', true) as Node | undefined;
      if (w !== undefined) {
        if (!isScalar(w) || parseDuration(String(w.value)) === undefined) fail(w, `rules.${id}.window must be a duration like 30s, 10m, 2h`);
        rc.window = String((w as import('yaml').Scalar).value);
      }
      const gb = m.get('group_by', true) as Node | undefined;
      if (gb !== undefined) rc.group_by = strList(gb, `rules.${id}.group_by`);
      const lv = m.get('level', true) as Node | undefined;
      if (lv !== undefined) {
        if (!isScalar(lv) || !LEVELS.includes(String(lv.value))) fail(lv, `rules.${id}.level must be one of ${LEVELS.join(', ')}`);
        rc.level = String((lv as import('yaml').Scalar).value);
      }
      cfg.rules[id] = rc;
    }
  }
  return cfg;
}

/** `90s`, `10m`, `2h`, `1d` → milliseconds. */
export function parseDuration(s: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(s.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return n * unit;
}

const IPV4 = /^(\d{1,3})(\.\d{1,3}){3}$/;
export function isIpOrCidr(s: string): boolean {
  const [addr, bits, extra] = s.split('/');
  if (extra !== undefined || !addr) return false;
  const v4 = IPV4.test(addr) && addr.split('.').every((p) => Number(p) <= 255);
  const v6 = !v4 && addr.includes(':') && /^[0-9a-fA-F:.]+$/.test(addr);
  if (!v4 && !v6) return false;
  if (bits === undefined) return true;
  const b = Number(bits);
  return /^\d+$/.test(bits) && b <= (v4 ? 32 : 128);
}

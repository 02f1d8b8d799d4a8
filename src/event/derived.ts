/**
 * Fields the event model derives from an audit event, addressable by rules as
 * `tokenwatch.<name>`. They put facts that need parsing (the request URI, the
 * trusted client address, service-account names) where a Sigma rule can
 * compare them, without any rule knowing how they are computed.
 */
import type { AuditEvent } from './types.js';

export const DERIVED_PREFIX = 'tokenwatch.';

const SA_PREFIX = 'system:serviceaccount:';
export const CREDENTIAL_ID_EXTRA = 'authentication.kubernetes.io/credential-id';
export const ISSUED_CREDENTIAL_ID_ANNOTATIONS = [
  'authentication.kubernetes.io/issued-credential-id',
  // the 1.29 spelling, renamed in 1.30 (kubernetes#123098)
  'authentication.k8s.io/issued-credential-id',
];

export interface ParsedUri {
  path: string;
  query: string;
  params: string[];
  namespace?: string;
  resource?: string;
  name?: string;
  subresource?: string;
}

/** Splits a Kubernetes API request URI into the parts objectRef should agree with. */
export function parseRequestUri(uri: string): ParsedUri {
  const q = uri.indexOf('?');
  const path = q < 0 ? uri : uri.slice(0, q);
  const query = q < 0 ? '' : uri.slice(q + 1);
  const params = query === '' ? [] : query.split('&').map((p) => safeDecode(p.split('=')[0] ?? ''));
  const parts = path.split('/').filter((p) => p !== '').map(safeDecode);
  // /api/v1/... or /apis/GROUP/VERSION/...
  let i = parts[0] === 'api' ? 2 : parts[0] === 'apis' ? 3 : parts.length;
  const out: ParsedUri = { path, query, params };
  if (parts[i] === 'namespaces' && parts.length > i + 2) {
    out.namespace = parts[i + 1];
    i += 2;
  } else if (parts[i] === 'namespaces' && parts.length === i + 2) {
    out.resource = 'namespaces';
    out.name = parts[i + 1];
    return out;
  }
  if (i < parts.length) out.resource = parts[i];
  if (i + 1 < parts.length) out.name = parts[i + 1];
  if (i + 2 < parts.length) out.subresource = parts.slice(i + 2).join('/');
  return out;
}

function safeDecode(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** `system:serviceaccount:NS:NAME` → {namespace, name}. */
export function serviceAccountOf(username: string | undefined): { namespace: string; name: string } | undefined {
  if (!username || !username.startsWith(SA_PREFIX)) return undefined;
  const rest = username.slice(SA_PREFIX.length);
  const c = rest.indexOf(':');
  if (c <= 0 || c === rest.length - 1) return undefined;
  return { namespace: rest.slice(0, c), name: rest.slice(c + 1) };
}

export function serviceAccountUsername(namespace: string, name: string): string {
  return `${SA_PREFIX}${namespace}:${name}`;
}

/** The last sourceIPs entry: the only one the client cannot set (DOMAIN.md). */
export function clientIp(ev: AuditEvent): string | undefined {
  const ips = ev.sourceIPs;
  return Array.isArray(ips) && ips.length > 0 ? String(ips[ips.length - 1]) : undefined;
}

function extra(ev: AuditEvent, key: string): string | undefined {
  const v = ev.user?.extra?.[key];
  return Array.isArray(v) && typeof v[0] === 'string' ? v[0] : undefined;
}

export function credentialId(ev: AuditEvent): string | undefined {
  return extra(ev, CREDENTIAL_ID_EXTRA);
}

export function issuedCredentialId(ev: AuditEvent): string | undefined {
  const a = ev.annotations;
  if (!a) return undefined;
  for (const k of ISSUED_CREDENTIAL_ID_ANNOTATIONS) if (typeof a[k] === 'string') return a[k];
  return undefined;
}

/** Who made the request, as an alert names them: the user, and whom they impersonated (`dev (as system:kube-controller-manager)`). */
export function actorOf(ev: AuditEvent): string | undefined {
  const real = ev.user?.username;
  const as = ev.impersonatedUser?.username;
  return real !== undefined && as !== undefined ? `${real} (as ${as})` : (as ?? real);
}

/** The service account a TokenRequest (or an action on a service account) targets, as its username. */
export function targetAccount(ev: AuditEvent): string | undefined {
  const o = ev.objectRef;
  if (!o || o.resource !== 'serviceaccounts' || !o.namespace || !o.name) return undefined;
  return serviceAccountUsername(o.namespace, o.name);
}

/** The lifetime a TokenRequest asked for (spec.expirationSeconds), when its body is logged. */
export function requestedSeconds(ev: AuditEvent): number | undefined {
  const spec = (ev.requestObject as { spec?: { expirationSeconds?: unknown } } | undefined)?.spec;
  const v = spec?.expirationSeconds;
  return typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined;
}

/** serviceaccount.WarnOnlyBoundTokenExpirationSeconds and ExpirationExtensionSeconds (k8s.io/kubernetes/pkg/serviceaccount). */
const WARN_ONLY_SECONDS = 3607;
export const EXTENDED_SECONDS = 365 * 86400;

/**
 * Does the API server extend this TokenRequest's token? With
 * --service-account-extend-token-expiration (on by default), a pod-bound
 * request for exactly 3607 s with the API server's own audiences (none given)
 * gets a token that lives a year (ExpirationExtensionSeconds, less where the
 * cluster caps it); only a warning is due after 3607 s. The kubelet asks for
 * its pods' tokens that way; anyone else who does holds a year-long token.
 */
export function extendedToken(ev: AuditEvent): boolean {
  const spec = (ev.requestObject as { spec?: { boundObjectRef?: { kind?: unknown } | null; audiences?: unknown } } | undefined)?.spec;
  if (requestedSeconds(ev) !== WARN_ONLY_SECONDS || spec?.boundObjectRef?.kind !== 'Pod') return false;
  const aud = spec.audiences;
  return aud === undefined || aud === null || (Array.isArray(aud) && aud.length === 0);
}

/**
 * How long a TokenRequest's token lives, in seconds, when its body is logged:
 * what it asked for, or for an extended token (extendedToken) a year, or what
 * the response says it was issued for (status.expirationTimestamp, at
 * RequestResponse level) when the cluster capped it.
 */
export function expirationSeconds(ev: AuditEvent): number | undefined {
  const asked = requestedSeconds(ev);
  if (asked === undefined || !extendedToken(ev)) return asked;
  const status = (ev.responseObject as { status?: { expirationTimestamp?: unknown } } | undefined)?.status;
  const until = typeof status?.expirationTimestamp === 'string' ? Date.parse(status.expirationTimestamp) : NaN;
  const from = typeof ev.requestReceivedTimestamp === 'string' ? Date.parse(ev.requestReceivedTimestamp) : NaN;
  // (the token's issue time is the request's second: expirationTimestamp has no fraction)
  const issued = Math.floor(until / 1000) - Math.floor(from / 1000);
  return Number.isFinite(issued) && issued > 0 ? issued : EXTENDED_SECONDS;
}

/**
 * Query parameters each kind of request takes (Kubernetes API reference,
 * "Operations" of every resource). Anything else on such a request was added
 * by hand or by something rewriting it. Connect subresources (exec, attach,
 * portforward, proxy, log) take their own parameters and are not judged.
 */
const COMMON_PARAMS = ['pretty'];
const PARAMS_BY_VERB: Record<string, string[]> = {
  create: ['dryRun', 'fieldManager', 'fieldValidation'],
  update: ['dryRun', 'fieldManager', 'fieldValidation'],
  patch: ['dryRun', 'fieldManager', 'fieldValidation', 'force'],
  delete: ['dryRun', 'gracePeriodSeconds', 'propagationPolicy', 'orphanDependents', 'ignoreStoreReadErrorWithClusterBreakingPotential'],
  deletecollection: ['dryRun', 'gracePeriodSeconds', 'propagationPolicy', 'orphanDependents', 'continue', 'fieldSelector', 'labelSelector', 'limit', 'resourceVersion', 'resourceVersionMatch', 'sendInitialEvents', 'timeoutSeconds', 'ignoreStoreReadErrorWithClusterBreakingPotential'],
  get: ['resourceVersion'],
  list: ['allowWatchBookmarks', 'continue', 'fieldSelector', 'labelSelector', 'limit', 'resourceVersion', 'resourceVersionMatch', 'sendInitialEvents', 'timeoutSeconds', 'watch', 'timeout'],
  watch: ['allowWatchBookmarks', 'continue', 'fieldSelector', 'labelSelector', 'limit', 'resourceVersion', 'resourceVersionMatch', 'sendInitialEvents', 'timeoutSeconds', 'watch', 'timeout'],
};
const CONNECT_SUBRESOURCES = new Set(['exec', 'attach', 'portforward', 'proxy', 'log']);

/** Query parameter names the request's verb does not take, for resource requests; empty when unknown. */
export function unknownParams(ev: AuditEvent): string[] {
  if (typeof ev.requestURI !== 'string' || typeof ev.verb !== 'string') return [];
  const known = PARAMS_BY_VERB[ev.verb];
  if (!known || !ev.objectRef?.resource) return [];
  const u = requestUriOf(ev)!;
  if (u.subresource && CONNECT_SUBRESOURCES.has(u.subresource.split('/')[0]!)) return [];
  return u.params.filter((p) => p !== '' && !known.includes(p) && !COMMON_PARAMS.includes(p));
}

type Getter = (ev: AuditEvent) => unknown[];
const one = (f: (ev: AuditEvent) => unknown): Getter => (ev) => {
  const v = f(ev);
  return v === undefined ? [] : [v];
};
// Several derived fields read the same URI: parse it once per event.
const parsedUris = new WeakMap<AuditEvent, ParsedUri>();
export function requestUriOf(ev: AuditEvent): ParsedUri | undefined {
  if (typeof ev.requestURI !== 'string') return undefined;
  let u = parsedUris.get(ev);
  if (!u) {
    u = parseRequestUri(ev.requestURI);
    parsedUris.set(ev, u);
  }
  return u;
}

const uriPart = (k: keyof ParsedUri): Getter => (ev) => {
  const u = requestUriOf(ev);
  if (!u) return [];
  const v = u[k];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
};

const DERIVED: Record<string, Getter> = {
  client_ip: one(clientIp),
  actor: one((ev) => ev.user?.username),
  effective_user: one((ev) => ev.impersonatedUser?.username ?? ev.user?.username),
  actor_account: one((ev) => (serviceAccountOf(ev.user?.username) ? ev.user?.username : undefined)),
  target_account: one(targetAccount),
  credential_id: one(credentialId),
  issued_credential_id: one(issuedCredentialId),
  expiration_seconds: one(expirationSeconds),
  pod_name: one((ev) => extra(ev, 'authentication.kubernetes.io/pod-name')),
  node_name: one((ev) => extra(ev, 'authentication.kubernetes.io/node-name')),
  'uri.path': uriPart('path'),
  'uri.query': uriPart('query'),
  'uri.params': uriPart('params'),
  'uri.unknown_params': unknownParams,
  'uri.namespace': uriPart('namespace'),
  'uri.resource': uriPart('resource'),
  'uri.name': uriPart('name'),
  'uri.subresource': uriPart('subresource'),
};

/** Documented list of derived fields, for `rules` help and the docs. */
export const DERIVED_FIELDS = Object.keys(DERIVED).map((k) => DERIVED_PREFIX + k);

export function derivedField(name: string): Getter | undefined {
  return DERIVED[name.slice(DERIVED_PREFIX.length)];
}

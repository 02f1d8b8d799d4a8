/** Builds an alert's context and one-line summary from its first event. */
import { clientIp, credentialId, expirationSeconds, issuedCredentialId, targetAccount } from '../event/derived.js';
import type { AuditEvent, Source } from '../event/types.js';
import type { AlertContext } from './alert.js';

export function buildContext(ev: AuditEvent, source: Source, longLivedSeconds: number): AlertContext {
  const c: AlertContext = {};
  const o = ev.objectRef ?? {};
  set(c, 'user', ev.user?.username);
  set(c, 'impersonated_user', ev.impersonatedUser?.username);
  if (Array.isArray(ev.user?.groups) && ev.user!.groups!.length) c.groups = ev.user!.groups;
  if (Array.isArray(ev.sourceIPs) && ev.sourceIPs.length) c.source_ips = ev.sourceIPs;
  set(c, 'client_ip', clientIp(ev));
  set(c, 'user_agent', ev.userAgent);
  set(c, 'verb', ev.verb);
  set(c, 'resource', o.resource);
  set(c, 'subresource', o.subresource);
  set(c, 'namespace', o.namespace);
  // a create's objectRef may leave the name out: the stored object (response) or the request body has it
  set(c, 'name', o.name ?? (ev.verb === 'create' && !o.subresource ? (bodyName(ev.responseObject) ?? bodyName(ev.requestObject)) : undefined));
  set(c, 'request_uri', ev.requestURI);
  if (typeof ev.responseStatus?.code === 'number') c.response_code = ev.responseStatus.code;
  set(c, 'decision', ev.annotations?.['authorization.k8s.io/decision']);
  set(c, 'cluster', source.cluster);
  set(c, 'credential_id', credentialId(ev));
  set(c, 'issued_credential_id', issuedCredentialId(ev));
  set(c, 'target_account', targetAccount(ev));
  const exp = o.subresource === 'token' ? expirationSeconds(ev) : undefined;
  if (exp !== undefined) {
    c.expiration_seconds = exp;
    c.long_lived = exp > longLivedSeconds;
  }
  return c;
}

function bodyName(obj: unknown): string | undefined {
  const md = obj !== null && typeof obj === 'object' ? (obj as { metadata?: unknown }).metadata : undefined;
  const name = md !== null && typeof md === 'object' ? (md as { name?: unknown }).name : undefined;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

function set<K extends keyof AlertContext>(c: AlertContext, k: K, v: AlertContext[K] | undefined | null): void {
  if (v !== undefined && v !== null && v !== '') c[k] = v;
}

export function formatDuration(seconds: number): string {
  if (seconds % 86400 === 0 && seconds >= 86400) return `${seconds / 86400} d`;
  if (seconds % 3600 === 0 && seconds >= 3600) return `${seconds / 3600} h`;
  // a rounded figure next to a bound must not hide which side of it the value is (86401 s is not "24.0 h")
  if (seconds >= 3600) return `${seconds} s ≈ ${(seconds / 3600).toFixed(1)} h`;
  if (seconds % 60 === 0 && seconds >= 60) return `${seconds / 60} min`;
  if (seconds >= 60) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  return `${seconds} s`;
}

/** "alice created serviceaccounts/token production/app-sa from 203.0.113.42 → 201" */
export function summarize(c: AlertContext): string {
  const who = c.user ?? 'an unknown user';
  const as = c.impersonated_user ? ` (as ${c.impersonated_user})` : '';
  const what = [c.resource, c.subresource].filter(Boolean).join('/') || c.request_uri || 'a request';
  const target = c.namespace ? `${c.namespace}/${c.name ?? '*'}` : c.name ?? '';
  const from = c.client_ip ? ` from ${c.client_ip}` : '';
  const outcome = c.response_code !== undefined ? ` → ${c.response_code}` : '';
  if (c.resource === 'serviceaccounts' && c.subresource === 'token' && c.verb === 'create') {
    const life = c.expiration_seconds !== undefined ? `, lifetime ${formatDuration(c.expiration_seconds)}${c.long_lived ? ' (long-lived)' : ''}` : '';
    // only a 2xx response minted anything: a refused or failed request says so
    const code = c.response_code;
    const did = code === undefined ? 'requested a token' : code >= 200 && code < 300 ? 'minted a token' : code === 401 || code === 403 ? 'was refused a token' : 'failed to mint a token';
    return `${who}${as} ${did} for service account ${target}${from}${life}${outcome}`;
  }
  return `${who}${as} ${c.verb ?? 'did'} ${what}${target ? ` ${target}` : ''}${from}${outcome}`;
}

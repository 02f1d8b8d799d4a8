/**
 * Removes credentials from an event before anything else sees it. At
 * RequestResponse level the API server logs the minted token of a
 * TokenRequest (`responseObject.status.token`), secret `data`, and TokenReview
 * specs; bearer tokens can also appear anywhere a client put them. Values are
 * replaced, keys kept, so a reader still sees that a token was there.
 */
import type { AuditEvent } from './types.js';

export const REDACTED = '[REDACTED]';

// JWTs (service-account tokens are JWTs), their base64 form as stored in
// Secret data (`eyJ` → `ZXlK`), and bearer/basic credentials.
const JWT = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
const B64_JWT = /ZXlK[A-Za-z0-9+/=]{16,}/g;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi;
const CHEAP_HINT = /eyJ|ZXlK|bearer|basic/i;
// an opaque credential in a query parameter named …token (access_token, id_token, token): clients put them there,
// and the API server logs the URI as sent
const QUERY_TOKEN = /([?&;][A-Za-z0-9_.-]*token=)[^&#;]+/gi;
const QUERY_HINT = /token=/i;

const SECRET_KEYS = new Set(['data', 'stringData']);

/**
 * What the JSON text of an event must contain for `redactEvent` to change
 * anything, for a prefilter that decides from raw bytes (update with the
 * rules above): the hint of `scrub` (case-insensitive), a key ending in
 * `token` (TokenRequest and TokenReview bodies, `scrubDeep`'s token keys),
 * a query parameter ending in `token` (`token=`, case-insensitive),
 * and what `redactSecretBodies` replaces in a Secret: the `data` and
 * `stringData` keys, the last-applied copy, a patch path under /data or
 * /stringData. Sound for text whose escapes decode to none of these
 * literals' characters.
 */
export const REDACTION_TRIGGERS: readonly { text: string; caseInsensitive: boolean }[] = [
  { text: 'eyj', caseInsensitive: true },
  { text: 'zxlk', caseInsensitive: true },
  { text: 'bearer', caseInsensitive: true },
  { text: 'basic', caseInsensitive: true },
  { text: 'token"', caseInsensitive: false },
  { text: 'token=', caseInsensitive: true },
  { text: '"data"', caseInsensitive: false },
  { text: '"stringData"', caseInsensitive: false },
  { text: 'last-applied-configuration"', caseInsensitive: false },
  { text: '"/data', caseInsensitive: false },
  { text: '"/stringData', caseInsensitive: false },
];

export interface RedactionStats {
  redacted: number;
}

/** Redacts `ev` in place and returns how many values were replaced. */
export function redactEvent(ev: AuditEvent): number {
  let n = 0;
  const resource = ev.objectRef?.resource;
  const sub = ev.objectRef?.subresource;
  if (resource === 'serviceaccounts' && sub === 'token') n += redactTokenRequest(ev.responseObject) + redactTokenRequest(ev.requestObject);
  if (resource === 'tokenreviews') n += redactPath(ev.requestObject, ['spec', 'token']) + redactPath(ev.responseObject, ['spec', 'token']);
  if (resource === 'secrets') n += redactSecretBodies(ev.requestObject) + redactSecretBodies(ev.responseObject);
  if (typeof ev.requestURI === 'string' && (CHEAP_HINT.test(ev.requestURI) || QUERY_HINT.test(ev.requestURI))) {
    const r = scrub(ev.requestURI).replace(QUERY_TOKEN, `$1${REDACTED}`);
    if (r !== ev.requestURI) {
      ev.requestURI = r;
      n++;
    }
  }
  // anything else that looks like a credential, anywhere
  for (const k of Object.keys(ev)) {
    if (k === 'requestURI') continue;
    const v = (ev as Record<string, unknown>)[k];
    if (v !== null && typeof v === 'object') n += scrubDeep(v);
    else if (typeof v === 'string' && CHEAP_HINT.test(v)) {
      const r = scrub(v);
      if (r !== v) {
        (ev as Record<string, unknown>)[k] = r;
        n++;
      }
    }
  }
  return n;
}

function redactTokenRequest(obj: unknown): number {
  return redactPath(obj, ['status', 'token']);
}

function redactPath(obj: unknown, path: string[]): number {
  let cur = obj;
  for (let i = 0; i < path.length - 1; i++) {
    if (cur === null || typeof cur !== 'object') return 0;
    cur = (cur as Record<string, unknown>)[path[i]!];
  }
  if (cur === null || typeof cur !== 'object') return 0;
  const last = path[path.length - 1]!;
  const o = cur as Record<string, unknown>;
  const v = o[last];
  if (v === undefined || v === null || v === '' || v === REDACTED) return 0;
  o[last] = REDACTED;
  return 1;
}

/** A Secret, a SecretList, or a patch: every value under data/stringData and the last-applied copy. */
function redactSecretBodies(obj: unknown): number {
  if (obj === null || typeof obj !== 'object') return 0;
  let n = 0;
  if (Array.isArray(obj)) {
    for (const el of obj) n += redactSecretBodies(el);
    return n;
  }
  const o = obj as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (SECRET_KEYS.has(k) && v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const d = v as Record<string, unknown>;
      for (const dk of Object.keys(d)) {
        if (d[dk] !== REDACTED) {
          d[dk] = REDACTED;
          n++;
        }
      }
    } else if (k === 'kubectl.kubernetes.io/last-applied-configuration' && typeof v === 'string') {
      o[k] = REDACTED;
      n++;
    } else if (k === 'value' && typeof v === 'object' && v !== null && typeof o.path === 'string' && /^\/(data|stringData)/.test(o.path)) {
      // JSON patch replacing the whole data map
      o[k] = REDACTED;
      n++;
    } else if (k === 'value' && typeof o.path === 'string' && /^\/(data|stringData)\//.test(o.path)) {
      o[k] = REDACTED;
      n++;
    } else if (v !== null && typeof v === 'object') n += redactSecretBodies(v);
  }
  return n;
}

function scrub(s: string): string {
  return s.replace(JWT, REDACTED).replace(B64_JWT, REDACTED).replace(BEARER, (_m, kind: string) => `${kind} ${REDACTED}`);
}

function scrubDeep(node: unknown): number {
  let n = 0;
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      const v = node[i];
      if (typeof v === 'string') {
        if (CHEAP_HINT.test(v)) {
          const r = scrub(v);
          if (r !== v) {
            node[i] = r;
            n++;
          }
        }
      } else if (v !== null && typeof v === 'object') n += scrubDeep(v);
    }
    return n;
  }
  const o = node as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (typeof v === 'string') {
      if (CHEAP_HINT.test(v)) {
        const r = scrub(v);
        if (r !== v) {
          o[k] = r;
          n++;
        }
      }
      if ((k === 'token' || k === 'access_token' || k === 'id_token' || k === 'refresh_token') && v.length >= 16 && o[k] !== REDACTED) {
        o[k] = REDACTED;
        n++;
      }
    } else if (v !== null && typeof v === 'object') n += scrubDeep(v);
  }
  return n;
}

/**
 * The types every decoded event must have, whatever its format, so that later stages can trust them:
 * `verb` a non-empty string, `sourceIPs` a list of strings, `responseStatus.code` a number, `user`, `objectRef`,
 * `responseStatus`, `annotations` objects, and the identity strings strings. JSON `null` in one of these fields
 * is read as "absent" and removed (Kubernetes omits empty fields; some shippers write null). A response code
 * written as a string of digits ("201") becomes the number. Anything else is a problem: the record is rejected
 * with the field named, never with its value (it may hold credentials).
 */
import { isObject } from './json.js';

const OBJECT_FIELDS = ['user', 'impersonatedUser', 'objectRef', 'responseStatus', 'annotations'] as const;
const STRING_FIELDS = ['userAgent', 'requestURI', 'stage', 'level', 'auditID', 'requestReceivedTimestamp', 'stageTimestamp'] as const;
const OBJECT_REF_STRINGS = ['resource', 'subresource', 'namespace', 'name', 'apiGroup', 'apiVersion', 'uid', 'resourceVersion'] as const;

/** Checks (and minimally normalises, in place) a decoded event; returns why it is unusable, or undefined. */
export function eventProblem(ev: Record<string, unknown>): string | undefined {
  if (typeof ev.verb !== 'string') return ev.verb === undefined || ev.verb === null ? 'audit event without a "verb"' : 'audit event field "verb" is not a string';
  if (ev.verb === '') return 'audit event field "verb" is empty';
  for (const k of OBJECT_FIELDS) {
    if (ev[k] === null) delete ev[k];
    else if (ev[k] !== undefined && !isObject(ev[k])) return `audit event field "${k}" is not an object`;
  }
  for (const k of STRING_FIELDS) {
    if (ev[k] === null) delete ev[k];
    else if (ev[k] !== undefined && typeof ev[k] !== 'string') return `audit event field "${k}" is not a string`;
  }
  if (ev.sourceIPs === null) delete ev.sourceIPs;
  else if (ev.sourceIPs !== undefined) {
    const ips = ev.sourceIPs;
    if (!Array.isArray(ips)) return 'audit event field "sourceIPs" is not a list';
    for (let i = 0; i < ips.length; i++) if (typeof ips[i] !== 'string') return `audit event field "sourceIPs[${i}]" is not a string`;
  }
  for (const k of ['user', 'impersonatedUser'] as const) {
    const u = ev[k] as Record<string, unknown> | undefined;
    if (!u) continue;
    if (u.username === null) delete u.username;
    else if (u.username !== undefined && typeof u.username !== 'string') return `audit event field "${k}.username" is not a string`;
    if (u.uid === null) delete u.uid;
    else if (u.uid !== undefined && typeof u.uid !== 'string') return `audit event field "${k}.uid" is not a string`;
    if (u.groups === null) delete u.groups;
    else if (u.groups !== undefined && (!Array.isArray(u.groups) || u.groups.some((g) => typeof g !== 'string'))) {
      return `audit event field "${k}.groups" is not a list of strings`;
    }
    if (u.extra === null) delete u.extra;
    else if (u.extra !== undefined && !isObject(u.extra)) return `audit event field "${k}.extra" is not an object`;
  }
  const o = ev.objectRef as Record<string, unknown> | undefined;
  if (o) {
    for (const k of OBJECT_REF_STRINGS) {
      if (o[k] === null) delete o[k];
      else if (o[k] !== undefined && typeof o[k] !== 'string') return `audit event field "objectRef.${k}" is not a string`;
    }
  }
  const rs = ev.responseStatus as Record<string, unknown> | undefined;
  if (rs) {
    const code = rs.code;
    if (code === null) delete rs.code;
    else if (typeof code === 'string' && /^\d{1,3}$/.test(code)) rs.code = Number(code);
    else if (code !== undefined && (typeof code !== 'number' || !Number.isFinite(code))) return 'audit event field "responseStatus.code" is not a number';
  }
  const a = ev.annotations as Record<string, unknown> | undefined;
  if (a) {
    for (const k of Object.keys(a)) {
      if (a[k] === null) delete a[k];
      else if (typeof a[k] !== 'string') return 'audit event field "annotations" holds a value that is not a string';
    }
  }
  return undefined;
}

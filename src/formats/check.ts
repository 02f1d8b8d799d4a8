/**
 * The types every decoded event must have, whatever its format, so that later stages can trust them:
 * `verb` a non-empty string, `sourceIPs` a list of strings, `responseStatus.code` a number, `user`, `objectRef`,
 * `responseStatus`, `annotations` objects, and the identity strings strings. JSON `null` in one of these fields
 * is read as "absent" and removed (Kubernetes omits empty fields; some shippers write null). A response code
 * written as a string of digits ("201") becomes the number. Anything else is a problem: the record is rejected
 * with the field named, never with its value (it may hold credentials).
 */
import { isObject } from './json.js';

/** Why an object-valued field is unusable: undefined when it is an object or absent; null is removed. */
function objectField(ev: Record<string, unknown>, k: string, v: unknown): string | undefined {
  if (v === null) delete ev[k];
  else if (v !== undefined && !isObject(v)) return `audit event field "${k}" is not an object`;
  return undefined;
}

/** The same for a string-valued field of `o` (`label`: its path in messages). */
function stringField(o: Record<string, unknown>, k: string, v: unknown, label = k): string | undefined {
  if (v === null) delete o[k];
  else if (v !== undefined && typeof v !== 'string') return `audit event field "${label}" is not a string`;
  return undefined;
}

function userProblem(k: string, u: Record<string, unknown>): string | undefined {
  const p = stringField(u, 'username', u.username, `${k}.username`) ?? stringField(u, 'uid', u.uid, `${k}.uid`);
  if (p !== undefined) return p;
  const groups = u.groups;
  if (groups === null) delete u.groups;
  else if (groups !== undefined) {
    if (!Array.isArray(groups)) return `audit event field "${k}.groups" is not a list of strings`;
    for (let i = 0; i < groups.length; i++) if (typeof groups[i] !== 'string') return `audit event field "${k}.groups" is not a list of strings`;
  }
  const extra = u.extra;
  if (extra === null) delete u.extra;
  else if (extra !== undefined && !isObject(extra)) return `audit event field "${k}.extra" is not an object`;
  return undefined;
}

/**
 * Checks (and minimally normalises, in place) a decoded event; returns why it is unusable, or undefined.
 * (Every field is read by name: this runs for every event, and reads through a list of names cost
 * several times more.)
 */
export function eventProblem(ev: Record<string, unknown>): string | undefined {
  const verb = ev.verb;
  if (typeof verb !== 'string') return verb === undefined || verb === null ? 'audit event without a "verb"' : 'audit event field "verb" is not a string';
  if (verb === '') return 'audit event field "verb" is empty';
  const p =
    objectField(ev, 'user', ev.user) ??
    objectField(ev, 'impersonatedUser', ev.impersonatedUser) ??
    objectField(ev, 'objectRef', ev.objectRef) ??
    objectField(ev, 'responseStatus', ev.responseStatus) ??
    objectField(ev, 'annotations', ev.annotations) ??
    stringField(ev, 'userAgent', ev.userAgent) ??
    stringField(ev, 'requestURI', ev.requestURI) ??
    stringField(ev, 'stage', ev.stage) ??
    stringField(ev, 'level', ev.level) ??
    stringField(ev, 'auditID', ev.auditID) ??
    stringField(ev, 'requestReceivedTimestamp', ev.requestReceivedTimestamp) ??
    stringField(ev, 'stageTimestamp', ev.stageTimestamp);
  if (p !== undefined) return p;
  const ips = ev.sourceIPs;
  if (ips === null) delete ev.sourceIPs;
  else if (ips !== undefined) {
    if (!Array.isArray(ips)) return 'audit event field "sourceIPs" is not a list';
    for (let i = 0; i < ips.length; i++) if (typeof ips[i] !== 'string') return `audit event field "sourceIPs[${i}]" is not a string`;
  }
  const user = ev.user as Record<string, unknown> | undefined;
  if (user) {
    const q = userProblem('user', user);
    if (q !== undefined) return q;
  }
  const imp = ev.impersonatedUser as Record<string, unknown> | undefined;
  if (imp) {
    const q = userProblem('impersonatedUser', imp);
    if (q !== undefined) return q;
  }
  const o = ev.objectRef as Record<string, unknown> | undefined;
  if (o) {
    const q =
      stringField(o, 'resource', o.resource, 'objectRef.resource') ??
      stringField(o, 'subresource', o.subresource, 'objectRef.subresource') ??
      stringField(o, 'namespace', o.namespace, 'objectRef.namespace') ??
      stringField(o, 'name', o.name, 'objectRef.name') ??
      stringField(o, 'apiGroup', o.apiGroup, 'objectRef.apiGroup') ??
      stringField(o, 'apiVersion', o.apiVersion, 'objectRef.apiVersion') ??
      stringField(o, 'uid', o.uid, 'objectRef.uid') ??
      stringField(o, 'resourceVersion', o.resourceVersion, 'objectRef.resourceVersion');
    if (q !== undefined) return q;
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
    const keys = Object.keys(a);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const v = a[k];
      if (v === null) delete a[k];
      else if (typeof v !== 'string') return 'audit event field "annotations" holds a value that is not a string';
    }
  }
  return undefined;
}

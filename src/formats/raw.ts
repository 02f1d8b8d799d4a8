/**
 * Kubernetes' own audit format: audit.k8s.io/v1 and v1beta1 Event, and the
 * EventList the webhook backend posts. Vendor copies that keep the raw event
 * and add their own keys (Panther's p_* fields) are read as raw events.
 */
import type { AuditEvent } from '../event/types.js';
import type { FormatAdapter } from './types.js';
import { isObject } from './json.js';

const AUDIT_API = /^audit\.k8s\.io\/v1(beta1|alpha1)?$/;

export function looksLikeRawEvent(v: Record<string, unknown>): boolean {
  if (v.kind === 'Event' && (v.apiVersion === undefined || (typeof v.apiVersion === 'string' && AUDIT_API.test(v.apiVersion)))) return true;
  if (v.kind !== undefined) return false;
  // Events without kind/apiVersion, as many tools store them: need a verb and one more audit-only key.
  return typeof v.verb === 'string' && (isObject(v.objectRef) || typeof v.auditID === 'string' || typeof v.requestURI === 'string' || isObject(v.user));
}

/** Reports why a value is not an acceptable raw audit event, or undefined when it is. */
export function rawEventProblem(v: Record<string, unknown>): string | undefined {
  if (typeof v.verb !== 'string') return 'audit event without a "verb" string';
  for (const k of ['user', 'objectRef', 'responseStatus', 'annotations'] as const) {
    if (v[k] !== undefined && v[k] !== null && !isObject(v[k])) return `audit event field "${k}" is not an object`;
  }
  if (v.sourceIPs !== undefined && v.sourceIPs !== null && !Array.isArray(v.sourceIPs)) return 'audit event field "sourceIPs" is not a list';
  return undefined;
}

export const rawAdapter: FormatAdapter = {
  name: 'raw',
  description: 'audit.k8s.io/v1 or v1beta1 Event (JSON lines, arrays) and EventList',
  detect(v) {
    return looksLikeRawEvent(v) || (v.kind === 'EventList' && Array.isArray(v.items));
  },
  decode(v, ctx, out) {
    if (v.kind === 'EventList') {
      const items = v.items as unknown[];
      items.forEach((item, index) => {
        const place = { ...ctx.place, index };
        if (!isObject(item)) return out.reject({ place, reason: 'EventList item is not an object' });
        const problem = rawEventProblem(item);
        if (problem) return out.reject({ place, reason: problem });
        out.event({ event: item as AuditEvent, place, format: 'raw', cluster: ctx.cluster });
      });
      return;
    }
    const problem = rawEventProblem(v);
    if (problem) return out.reject({ place: ctx.place, reason: problem });
    out.event({ event: v as AuditEvent, place: ctx.place, format: 'raw', cluster: ctx.cluster });
  },
};

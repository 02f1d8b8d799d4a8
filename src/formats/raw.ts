/**
 * Kubernetes' own audit format: audit.k8s.io/v1 and v1beta1 Event, and the
 * EventList the webhook backend posts. Vendor copies that keep the raw event
 * and add their own keys (Panther's p_* fields) are read as raw events.
 */
import type { FormatAdapter } from './types.js';
import { isObject } from './json.js';
import { eventProblem } from './check.js';
import { elementCtx, emit, reject, skip } from './envelope.js';

const AUDIT_API = /^audit\.k8s\.io\/v1(beta1|alpha1)?$/;

export function looksLikeRawEvent(v: Record<string, unknown>): boolean {
  if (v.kind === 'Event' && (v.apiVersion === undefined || (typeof v.apiVersion === 'string' && AUDIT_API.test(v.apiVersion)))) return true;
  if (v.kind !== undefined) return false;
  // Events without kind/apiVersion, as many tools store them: need a verb and one more audit-only key.
  return typeof v.verb === 'string' && (isObject(v.objectRef) || typeof v.auditID === 'string' || typeof v.requestURI === 'string' || isObject(v.user));
}

/** Reports why a value is not an acceptable raw audit event, or undefined when it is (see check.ts). */
export function rawEventProblem(v: Record<string, unknown>): string | undefined {
  return eventProblem(v);
}

export const rawAdapter: FormatAdapter = {
  name: 'raw',
  description: 'audit.k8s.io/v1 or v1beta1 Event (JSON lines, arrays) and EventList',
  detect(v) {
    return looksLikeRawEvent(v) || (v.kind === 'EventList' && Array.isArray(v.items));
  },
  decode(v, ctx, out) {
    if (v.kind === 'EventList') {
      if (!Array.isArray(v.items)) return reject(out, ctx, 'EventList without an "items" list');
      const items = v.items as unknown[];
      if (items.length === 0) return skip(out, ctx, 'EventList with no items');
      items.forEach((item, index) => {
        const c = elementCtx(ctx, 'items', index);
        if (!isObject(item)) return reject(out, c, 'EventList item is not an object');
        emit(out, c, item, 'raw');
      });
      return;
    }
    emit(out, ctx, v, 'raw');
  },
};

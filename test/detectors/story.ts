/** Builds small, realistic audit-event stories for the detector tests. */
import { DetectorSet, type DetectorOptions } from '../../src/detectors/detector-set.js';
import { DetectorState } from '../../src/detectors/state.js';
import type { DetectorFinding } from '../../src/detectors/types.js';
import { eventTime } from '../../src/event/time.js';
import type { AuditEvent, EventRecord } from '../../src/event/types.js';

export const T0 = Date.parse('2026-03-02T08:00:00Z');
let seq = 0;

export function at(minutes: number): string {
  return new Date(T0 + minutes * 60_000).toISOString();
}

export interface Who {
  user: string;
  groups?: string[];
  ip: string;
  ua?: string;
  extra?: Record<string, string[]>;
}

export function req(who: Who, minutes: number, verb: string, ref: AuditEvent['objectRef'], more: Partial<AuditEvent> = {}): EventRecord {
  const event: AuditEvent = {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: `aud-${++seq}`,
    stage: 'ResponseComplete',
    verb,
    user: { username: who.user, groups: who.groups ?? ['system:authenticated'], ...(who.extra ? { extra: who.extra } : {}) },
    sourceIPs: [who.ip],
    userAgent: who.ua ?? 'client/v1.0',
    objectRef: ref,
    responseStatus: { code: verb === 'create' ? 201 : 200 },
    requestReceivedTimestamp: at(minutes),
    ...more,
  };
  return { event, source: { file: 'story.log', line: seq, format: 'raw' } };
}

export const kubelet = (node: string, ip: string): Who => ({ user: `system:node:${node}`, groups: ['system:nodes', 'system:authenticated'], ip, ua: 'kubelet/v1.31.2' });
export const human = (user: string, ip: string, ua = 'kubectl/v1.31.0'): Who => ({ user, groups: ['oidc:devs', 'system:authenticated'], ip, ua });
export function podToken(ns: string, sa: string, pod: string, node: string, ip: string, jti: string, ua = `${sa}/v1`): Who {
  return {
    user: `system:serviceaccount:${ns}:${sa}`,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'],
    ip,
    ua,
    extra: {
      'authentication.kubernetes.io/credential-id': [`JTI=${jti}`],
      'authentication.kubernetes.io/pod-name': [pod],
      'authentication.kubernetes.io/node-name': [node],
    },
  };
}
export const saToken = (ns: string, sa: string, ip: string, jti?: string, ua = `${sa}/v1`): Who => ({
  user: `system:serviceaccount:${ns}:${sa}`,
  groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'],
  ip,
  ua,
  ...(jti ? { extra: { 'authentication.kubernetes.io/credential-id': [`JTI=${jti}`] } } : {}),
});

export function mint(who: Who, minutes: number, ns: string, sa: string, jti?: string, expirationSeconds?: number, code = 201): EventRecord {
  return req(who, minutes, 'create', { resource: 'serviceaccounts', subresource: 'token', namespace: ns, name: sa }, {
    level: expirationSeconds ? 'Request' : 'Metadata',
    responseStatus: { code },
    ...(jti ? { annotations: { 'authentication.kubernetes.io/issued-credential-id': `JTI=${jti}` } } : {}),
    ...(expirationSeconds ? { requestObject: { kind: 'TokenRequest', spec: { expirationSeconds } } } : {}),
  });
}

export function podStatus(node: string, nodeIp: string, minutes: number, ns: string, pod: string, podIp: string): EventRecord {
  return req(kubelet(node, nodeIp), minutes, 'patch', { resource: 'pods', subresource: 'status', namespace: ns, name: pod }, { level: 'Request', requestObject: { status: { podIP: podIp, podIPs: [{ ip: podIp }] } } });
}

/** Runs events through a fresh (or given) detector state; returns the findings. */
export function run(events: EventRecord[], o: DetectorOptions = {}, state = new DetectorState()): { findings: DetectorFinding[]; state: DetectorState } {
  const findings: DetectorFinding[] = [];
  const set = new DetectorSet(state, o);
  set.emit = (f) => findings.push(f);
  for (const e of events) set.observe(e, eventTime(e.event));
  return { findings, state };
}

export const ids = (fs: DetectorFinding[]) => fs.map((f) => f.detector);

/**
 * Reads of service-account token Secrets, and of all Secrets cluster-wide,
 * by identities that are not the controllers that manage them. A legacy
 * token Secret holds a token that never expires; listing every Secret is how
 * such tokens are harvested. Token Secrets are recognised by their type when
 * the log shows it, by their creation, by the legacy-token annotations of
 * Kubernetes 1.29+, and by the `<account>-token-xxxxx` name of old clusters.
 */
import { actorOf } from '../event/derived.js';
import type { RuleRef } from '../alerts/alert.js';
import type { EventRecord } from '../event/types.js';
import { isTokenSecret } from './cluster-model.js';
import { identityMatcher } from './system-identities.js';
import type { Detector, DetectorHost } from './types.js';
import { EventView } from './view.js';

/** Identities whose job is reading Secrets: the controller manager, kube-system controllers, the API server. */
export const SECRET_CONTROLLERS = ['system:kube-controller-manager', 'system:serviceaccount:kube-system:*', 'system:apiserver', 'system:kube-scheduler', 'eks:*', 'aksService', 'system:serviceaccount:gke-managed-system:*'];

export interface SecretReadOptions {
  /** identities allowed to read token Secrets and list Secrets cluster-wide (wildcard `*` at the end) */
  controllers?: string[];
}

const REF: RuleRef = {
  id: 'token-secret-read',
  title: 'Service-account token Secret read, or all Secrets listed',
  severity: 'medium',
  tags: ['attack.credential-access', 'attack.t1552.007', 'attack.t1528'],
  author: 'tokenwatch',
  origin: 'builtin',
  description: 'A Secret holding a service-account token was read, or Secrets were listed or watched across all namespaces, by an identity that is not one of the controllers that manage them.',
  runbook: [
    '1. Who read what: one token Secret (get) or every Secret (list/watch across namespaces)?',
    '2. Is the reader an operator that needs Secrets (then allow it in tokenwatch.yaml), or a workload or user that does not?',
    '3. Treat read tokens as exposed: delete the token Secrets (this invalidates their tokens) and watch the accounts for use from new places.',
  ].join('\n'),
};

export class TokenSecretRead implements Detector {
  readonly ref = REF;
  readonly needs = [
    { kind: 'reads', missing: 'no get/list events: Secret reads are invisible' },
    { kind: 'events', match: { resource: 'secrets' }, missing: 'no Secret events in the log' },
  ];
  private readonly isController: (u: string | undefined) => boolean;

  constructor(o: SecretReadOptions = {}) {
    this.isController = identityMatcher(o.controllers ?? SECRET_CONTROLLERS);
  }

  observe(rec: EventRecord, t: number, host: DetectorHost): void {
    this.judge(new EventView().fill(rec, t), host);
  }

  /** `observe` on a filled view (the detector set's path). */
  judge(v: EventView, host: DetectorHost): void {
    const o = v.objectRef;
    if (o?.resource !== 'secrets' || o.subresource) return;
    const rec = v.rec;
    const ev = v.ev;
    const verb = ev.verb;
    if (verb !== 'get' && verb !== 'list' && verb !== 'watch') return;
    const code = ev.responseStatus?.code;
    if (code !== undefined && code >= 400) return;
    const user = ev.impersonatedUser?.username ?? ev.user?.username;
    // a controller's own reads are expected; a controller reached by impersonation is not one
    if (this.isController(ev.user?.username) && (ev.impersonatedUser === undefined || this.isController(user))) return;
    const who = actorOf(ev) ?? 'an unknown user';
    if (!o.namespace && (verb === 'list' || verb === 'watch')) {
      host.emit({
        detector: REF.id,
        key: { user: user ?? '', scope: 'cluster' },
        rec,
        severity: 'high',
        summary: `${who} ${verb === 'list' ? 'listed' : 'watched'} Secrets in all namespaces`,
        notes: ['a cluster-wide Secret list returns every token Secret of the cluster'],
      });
      return;
    }
    if (verb === 'get' && o.namespace && o.name && isTokenSecret(host.state, v.cluster, o.namespace, o.name)) {
      host.emit({
        detector: REF.id,
        key: { user: user ?? '', secret: `${o.namespace}/${o.name}` },
        rec,
        summary: `${who} read the service-account token Secret ${o.namespace}/${o.name}`,
        notes: ['the Secret holds a token that does not expire'],
      });
    }
  }
}

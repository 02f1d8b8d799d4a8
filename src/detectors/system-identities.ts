/**
 * Identities that mint tokens and read token secrets as part of running the
 * cluster: the 15 patterns of Elastic's TokenRequest rule (seed 002), the
 * same list the built-in Sigma rules exclude. Wildcards are `*` at the end.
 */
export const SYSTEM_IDENTITY_PATTERNS = [
  'system:kube-controller-manager',
  'system:kube-scheduler',
  'system:node:*',
  'system:serviceaccount:kube-system:*',
  'eks:*',
  'aksService',
  'aks-service',
  'masterclient',
  'nodeclient',
  'system:serviceaccount:gke-managed-system:*',
  'system:serviceaccount:gke-connect:*',
  'system:serviceaccount:anthos-identity-service:*',
  'system:gke-controller-manager',
  'system:serviceaccount:tigera-operator:*',
  'system:serviceaccount:calico-system:*',
];

export function identityMatcher(patterns: string[]): (user: string | undefined) => boolean {
  const exact = new Set(patterns.filter((p) => !p.endsWith('*')));
  const prefixes = patterns.filter((p) => p.endsWith('*')).map((p) => p.slice(0, -1));
  return (user) => user !== undefined && (exact.has(user) || prefixes.some((p) => user.startsWith(p)));
}

export const isSystemIdentity = identityMatcher(SYSTEM_IDENTITY_PATTERNS);

/**
 * The default field mapping for `product: kubernetes` rules: the names the
 * SigmaHQ Kubernetes rules use that raw audit events do not have, mapped as
 * pySigma's Elasticsearch `ecs_kubernetes` pipeline maps them (without its ECS
 * prefix). Paths through arrays (containers, volumes) match when any element
 * does. Users add or override entries with `field_mapping` in tokenwatch.yaml.
 */
export const KUBERNETES_FIELD_MAPPING: Record<string, string> = {
  apiGroup: 'objectRef.apiGroup',
  resource: 'objectRef.resource',
  subresource: 'objectRef.subresource',
  namespace: 'objectRef.namespace',
  username: 'user.username',
  capabilities: 'requestObject.spec.containers.securityContext.capabilities.add',
  privileged: 'responseObject.spec.containers.securityContext.privileged',
  hostPath: 'requestObject.spec.volumes.hostPath',
};

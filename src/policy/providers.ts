/**
 * What a managed Kubernetes service lets its user choose about audit logs,
 * and what stays invisible whatever they choose. Facts and where they were
 * read: ../../../shared/DOMAIN.md, docs/formats.md, and the providers'
 * documentation named in `sources`.
 */

export type Provider = 'eks' | 'aks' | 'gke';
export const PROVIDERS: Provider[] = ['eks', 'aks', 'gke'];

export interface ProviderNotes {
  provider: Provider;
  name: string;
  /** what the user can choose */
  choose: string[];
  /** what tokenwatch recommends choosing */
  recommend: string[];
  /** what stays invisible whatever is chosen */
  invisible: string[];
  sources: string[];
}

export const PROVIDER_NOTES: Record<Provider, ProviderNotes> = {
  eks: {
    provider: 'eks',
    name: 'Amazon EKS',
    choose: [
      'Nothing about the audit policy: AWS fixes it (the upstream reference policy, plus aws-auth ConfigMap changes at RequestResponse).',
      'Only whether the "audit" control-plane log type is sent to CloudWatch Logs (group /aws/eks/<cluster>/cluster, streams kube-apiserver-audit-*), and where it goes from there (subscription to Firehose or Lambda, S3 export).',
    ],
    recommend: [
      'Enable the audit log type: aws eks update-cluster-config --name <cluster> --logging \'{"clusterLogging":[{"types":["audit"],"enabled":true}]}\'.',
      'Run Kubernetes 1.30 or newer: requests then carry the credential id (JTI) of the token used and the pod and node it is bound to, and TokenRequests the id of the token they issued.',
      'Give tokenwatch the cluster name: it comes from the log group when you scan CloudWatch exports.',
    ],
    invisible: [
      'Token lifetimes: TokenRequests are logged at Metadata (public EKS samples show no request body), so spec.expirationSeconds, audiences and bound objects are not in the log.',
      'The type of a written Secret: Secrets are logged at Metadata, so a legacy token Secret cannot be recognised when it is created.',
      'Anything the fixed policy drops (kube-proxy watches, kubelet node reads, health checks).',
    ],
    sources: ['https://docs.aws.amazon.com/eks/latest/best-practices/auditing-and-logging.html', 'https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html'],
  },
  aks: {
    provider: 'aks',
    name: 'Azure Kubernetes Service',
    choose: [
      'Not the audit policy: Microsoft fixes it.',
      'Which diagnostic-setting category to collect: "kube-audit" (every request, reads included) or "kube-audit-admin" (everything except get and list: much less volume).',
      'Where it goes: a Log Analytics workspace (tables AKSAudit / AKSAuditAdmin in resource-specific mode), a storage account, or an Event Hub.',
    ],
    recommend: [
      'Collect "kube-audit" if you can afford the reads: it is the only way to see who read which Secret.',
      'Otherwise collect "kube-audit-admin": every TokenRequest, every write and every credential id on them stays visible; reads do not.',
      'Run Kubernetes 1.30 or newer for credential ids and pod/node binding extras.',
    ],
    invisible: [
      'With kube-audit-admin: every get and list, so reads of Secrets (and the use of a stolen token that only reads) leave no trace.',
      'Objects too big for the log: they become the string "skipped-too-big-size-object".',
      'The log names no cluster; tokenwatch takes it from the resource id of each record.',
    ],
    sources: ['https://learn.microsoft.com/azure/azure-monitor/reference/tables/aksaudit', 'https://learn.microsoft.com/azure/azure-monitor/reference/tables/aksauditadmin'],
  },
  gke: {
    provider: 'gke',
    name: 'Google Kubernetes Engine',
    choose: [
      'Not the Kubernetes audit policy: Google fixes it.',
      'Which Data Access audit logs to enable for the Kubernetes Engine API (Admin Activity logs are always on and free): ADMIN_READ (reads of metadata, such as listing Pods), DATA_READ (reads of data, such as Pod logs), DATA_WRITE (writes of data, such as Pod status updates).',
    ],
    recommend: [
      'Enable ADMIN_READ and DATA_READ Data Access logs for the Kubernetes Engine API, so get, list and watch are logged (they are billed as Cloud Logging volume).',
      'Export with a log sink (to Pub/Sub, BigQuery or Cloud Storage) and give tokenwatch the entries: the cluster name comes from resource.labels.cluster_name.',
    ],
    invisible: [
      'TokenRequests: GKE does not log the creates of serviceaccounts/token at all, so no rule about minted tokens can fire on GKE logs.',
      'Credential ids and pod/node binding: entries carry no user.groups and no user.extra, so a request cannot be tied to the token or pod it came from.',
      'Audit level and stage: entries carry neither; response codes only as far as the status mapping allows.',
      'Reads, unless Data Access logs are enabled (they are off by default).',
    ],
    sources: ['https://cloud.google.com/kubernetes-engine/docs/concepts/audit-policy', 'https://cloud.google.com/kubernetes-engine/docs/how-to/audit-logging'],
  },
};

export function renderProviderNotes(p: Provider): string {
  const n = PROVIDER_NOTES[p];
  const out: string[] = [];
  const list = (title: string, items: string[]) => {
    out.push(title);
    for (const i of items) out.push(`  - ${i}`);
    out.push('');
  };
  out.push(`${n.name}: the audit policy is not yours to set. tokenwatch policy without --provider prints the policy to use where it is.`, '');
  list('What you can choose:', n.choose);
  list('What tokenwatch recommends:', n.recommend);
  list('What stays invisible whatever you choose:', n.invisible);
  out.push('Every tokenwatch scan ends with a coverage section: which rules could fire on the logs you gave it, and why not.');
  out.push(`Sources: ${n.sources.join(', ')}`);
  return out.join('\n') + '\n';
}

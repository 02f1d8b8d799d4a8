// Writes examples/blind/legacy-cluster.ndjson: the story of examples/logs as an older
// cluster with a cost-cutting audit policy would have logged it — Kubernetes 1.29 (no
// credential ids, no pod binding extras), TokenRequests at Metadata (no lifetime), and
// reads dropped (as AKS's kube-audit-admin category does). The coverage report of a scan
// says what that hides. Run again only to change the story.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const here = new URL('../examples/', import.meta.url);
const lines = readFileSync(new URL('logs/token-abuse.ndjson', here), 'utf8').split('\n').filter(Boolean);
const out = [];
for (const line of lines) {
  const e = JSON.parse(line);
  if (['get', 'list', 'watch'].includes(e.verb)) continue;
  const extra = e.user?.extra;
  if (extra) {
    for (const k of Object.keys(extra)) if (k.startsWith('authentication.kubernetes.io/')) delete extra[k];
    if (Object.keys(extra).length === 0) delete e.user.extra;
  }
  if (e.annotations) for (const k of Object.keys(e.annotations)) if (k.includes('issued-credential-id')) delete e.annotations[k];
  if (e.objectRef?.subresource === 'token') {
    e.level = 'Metadata';
    delete e.requestObject;
    delete e.responseObject;
  }
  out.push(JSON.stringify(e));
}
mkdirSync(new URL('blind/', here), { recursive: true });
writeFileSync(new URL('blind/legacy-cluster.ndjson', here), out.join('\n') + '\n');

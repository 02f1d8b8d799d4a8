/**
 * Azure Kubernetes Service audit logs, from the cluster's diagnostic settings
 * (categories `kube-audit`: every request; `kube-audit-admin`: without get and list, so secret reads are invisible).
 *
 * Shapes (public documentation followed):
 * - A resource-log record as diagnostic settings write it to a storage account blob (one JSON record per line) or
 *   to Event Hubs (`{"records":[...]}` bodies): top-level `time`, `resourceId`, `category`, `operationName`,
 *   `properties` ("Common and service-specific schemas for Azure resource logs", learn.microsoft.com/azure/
 *   azure-monitor/essentials/resource-logs-schema). For AKS audit categories `properties.log` holds the raw
 *   audit Event as a JSON string (sometimes already an object, e.g. after a shipper parsed it), next to
 *   `properties.pod`, `properties.stream`, `properties.containerID`. Panther's Azure.MonitorActivity copies
 *   (`p_*` keys) are the same record.
 * - A row of the resource-specific Log Analytics tables `AKSAudit` / `AKSAuditAdmin` ("Azure Monitor Logs reference -
 *   AKSAudit", learn.microsoft.com/azure/azure-monitor/reference/tables/aksaudit): PascalCase columns `Verb`, `User`,
 *   `SourceIps`, `UserAgent`, `ObjectRef`, `ResponseStatus`, `RequestObject`, `ResponseObject`, `Annotations`,
 *   `Stage`, `Level`, `AuditId`, `RequestUri`, `RequestReceivedTime`, `StageReceivedTime`, `PodName`, `_ResourceId`,
 *   `TimeGenerated`, `Type`. There is no column for `impersonatedUser`, so it stays absent. `dynamic` columns come
 *   as JSON text from the query API and as objects from exports: both are read. `RequestObject`/`ResponseObject`
 *   may be the string `"skipped-too-big-size-object"`: it is kept as it is (the object is gone; nothing is
 *   invented in its place). A query API response (`{"tables":[{"columns":[...],"rows":[[...]]}]}`) is read row by row.
 * - A row of the legacy `AzureDiagnostics` table (Azure-diagnostics mode): `Category` `kube-audit*`, the event JSON
 *   in `log_s`.
 *
 * The cluster is the managed cluster name at the end of the resource id
 * (`/SUBSCRIPTIONS/.../PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/<name>`), as written there (diagnostic
 * records upper-case it, Log Analytics lower-cases it).
 */
import { CATEGORY_NAME, isObject, parseJson, safeName, setOwn } from './json.js';
import { elementCtx, emit, fieldCtx, reject, skip } from './envelope.js';
import type { DecodeContext, DecodeSink, FormatAdapter } from './types.js';

const AUDIT_CATEGORIES = new Set(['kube-audit', 'kube-audit-admin']);
const MANAGED_CLUSTER = /\/providers\/microsoft\.containerservice\/managedclusters\/([^/]+)/i;
export const TOO_BIG = 'skipped-too-big-size-object';

export function clusterFromResourceId(id: unknown): string | undefined {
  if (typeof id !== 'string') return undefined;
  const m = MANAGED_CLUSTER.exec(id);
  return m ? m[1] : undefined;
}

function isDiagnosticRecord(v: Record<string, unknown>): boolean {
  if (typeof v.category !== 'string') return false;
  return AUDIT_CATEGORIES.has(v.category.toLowerCase()) || ('properties' in v && clusterFromResourceId(v.resourceId) !== undefined);
}
function isRecordsEnvelope(v: Record<string, unknown>): boolean {
  if (!Array.isArray(v.records)) return false;
  const first = v.records[0];
  if (first === undefined) return Object.keys(v).length === 1;
  return isObject(first) && typeof first.category === 'string';
}
function isAzureDiagnosticsRow(v: Record<string, unknown>): boolean {
  return typeof v.Category === 'string' && AUDIT_CATEGORIES.has(v.Category.toLowerCase()) && 'log_s' in v;
}
function isAuditRow(v: Record<string, unknown>): boolean {
  if (v.Type === 'AKSAudit' || v.Type === 'AKSAuditAdmin') return true;
  return typeof v.Verb === 'string' && ('AuditId' in v || 'RequestUri' in v || 'ObjectRef' in v || 'SourceIps' in v);
}
function isQueryResponse(v: Record<string, unknown>): boolean {
  if (!Array.isArray(v.tables) || v.tables.length === 0) return false;
  const t = v.tables[0];
  return isObject(t) && Array.isArray(t.columns) && Array.isArray(t.rows);
}

export const aksAdapter: FormatAdapter = {
  name: 'aks',
  description: 'AKS diagnostic records (kube-audit, kube-audit-admin; records[] bodies) and Log Analytics AKSAudit rows',
  detect(v) {
    return isDiagnosticRecord(v) || isRecordsEnvelope(v) || isAzureDiagnosticsRow(v) || isAuditRow(v) || isQueryResponse(v);
  },
  decode(v, ctx, out) {
    if (isRecordsEnvelope(v)) {
      const records = v.records as unknown[];
      if (records.length === 0) return skip(out, ctx, 'records is empty');
      records.forEach((r, i) => {
        const c = elementCtx(ctx, 'records', i);
        if (!isObject(r)) return reject(out, c, 'record is not an object');
        decodeDiagnosticRecord(r, c, out);
      });
      return;
    }
    if (isDiagnosticRecord(v)) return decodeDiagnosticRecord(v, ctx, out);
    if (isAzureDiagnosticsRow(v)) return decodeLog(v.log_s, fieldCtx(ctx, 'log_s'), clusterFromResourceId(v.ResourceId ?? v._ResourceId), out);
    if (isQueryResponse(v)) return decodeQueryResponse(v.tables as unknown[], ctx, out);
    if (isAuditRow(v)) return decodeAuditRow(v, ctx, out);
    reject(out, ctx, 'not an AKS record (no kube-audit category, records list or AKSAudit columns)');
  },
};

function decodeDiagnosticRecord(r: Record<string, unknown>, ctx: DecodeContext, out: DecodeSink): void {
  const category = r.category;
  if (typeof category !== 'string') return reject(out, fieldCtx(ctx, 'category'), 'missing or not a string');
  if (!AUDIT_CATEGORIES.has(category.toLowerCase())) {
    const name = safeName(category, CATEGORY_NAME);
    return skip(out, ctx, `AKS category ${name ? `"${name}" ` : ''}is not an audit category`);
  }
  if (!isObject(r.properties)) return reject(out, fieldCtx(ctx, 'properties'), 'missing or not an object');
  decodeLog(r.properties.log, fieldCtx(ctx, 'properties.log'), clusterFromResourceId(r.resourceId), out);
}

/** `properties.log` / `log_s`: the raw audit event, as JSON text or as an object. */
function decodeLog(log: unknown, ctx: DecodeContext, cluster: string | undefined, out: DecodeSink): void {
  let event: unknown = log;
  if (typeof log === 'string') {
    const parsed = parseJson(log);
    if (!parsed.ok) return reject(out, ctx, parsed.reason);
    event = parsed.value;
  } else if (log === undefined || log === null) {
    return reject(out, ctx, 'missing');
  }
  if (!isObject(event)) return reject(out, ctx, 'not an audit event object');
  emit(out, ctx, event, 'aks', cluster);
}

/** Column → Event field, for the AKSAudit / AKSAuditAdmin tables. */
const COLUMNS: [string, string, 'string' | 'dynamic' | 'object'][] = [
  ['Level', 'level', 'string'],
  ['AuditId', 'auditID', 'string'],
  ['Stage', 'stage', 'string'],
  ['RequestUri', 'requestURI', 'string'],
  ['Verb', 'verb', 'string'],
  ['User', 'user', 'dynamic'],
  ['SourceIps', 'sourceIPs', 'dynamic'],
  ['UserAgent', 'userAgent', 'string'],
  ['ObjectRef', 'objectRef', 'dynamic'],
  ['ResponseStatus', 'responseStatus', 'dynamic'],
  ['RequestObject', 'requestObject', 'object'],
  ['ResponseObject', 'responseObject', 'object'],
  ['RequestReceivedTime', 'requestReceivedTimestamp', 'string'],
  ['StageReceivedTime', 'stageTimestamp', 'string'],
  ['Annotations', 'annotations', 'dynamic'],
];

function decodeAuditRow(row: Record<string, unknown>, ctx: DecodeContext, out: DecodeSink): void {
  const ev: Record<string, unknown> = {};
  for (const [col, field, kind] of COLUMNS) {
    let v = row[col];
    if (v === undefined || v === null || v === '') continue;
    if (typeof v === 'string' && kind !== 'string') {
      const t = v.trimStart();
      if (t.startsWith('{') || t.startsWith('[')) {
        const parsed = parseJson(v);
        if (parsed.ok) v = parsed.value;
        else if (kind === 'dynamic') return reject(out, fieldCtx(ctx, col), `column is not valid JSON (${parsed.reason})`);
        // RequestObject/ResponseObject text that is not JSON (e.g. "skipped-too-big-size-object") stays as it is.
      } else if (kind === 'dynamic') {
        return reject(out, fieldCtx(ctx, col), 'column is not a JSON object or list');
      }
    }
    ev[field] = v;
  }
  if (isObject(ev.annotations) && Object.keys(ev.annotations).length === 0) delete ev.annotations;
  emit(out, ctx, ev, 'aks', clusterFromResourceId(row._ResourceId));
}

/** Log Analytics query API response: `tables[].columns[{name,type}]` and `tables[].rows[[...]]`. */
function decodeQueryResponse(tables: unknown[], ctx: DecodeContext, out: DecodeSink): void {
  let any = false;
  tables.forEach((t, ti) => {
    const tc = tables.length > 1 ? fieldCtx(ctx, `tables[${ti}]`) : ctx;
    if (!isObject(t) || !Array.isArray(t.columns) || !Array.isArray(t.rows)) {
      any = true;
      return reject(out, tc, 'table without columns and rows');
    }
    const names = t.columns.map((c) => (isObject(c) && typeof c.name === 'string' ? c.name : undefined));
    t.rows.forEach((row, i) => {
      any = true;
      const c = elementCtx(tc, 'rows', i);
      if (!Array.isArray(row)) return reject(out, c, 'row is not a list');
      const obj: Record<string, unknown> = {};
      names.forEach((n, k) => {
        if (n !== undefined) setOwn(obj, n, row[k]);
      });
      if (!isAuditRow(obj)) return reject(out, c, 'row has no AKSAudit columns (Verb, AuditId, RequestUri, ObjectRef, SourceIps)');
      decodeAuditRow(obj, c, out);
    });
  });
  if (!any) skip(out, ctx, 'query response with no rows');
}

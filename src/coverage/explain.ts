/**
 * Why a log lacks something: knowledge about log sources (providers,
 * Kubernetes versions, audit stages), never about rules. The report appends
 * the hint to the reason a rule or detector declared, so a rule says what it
 * loses ("no credential ids: mint-to-use linking is off") and this says why
 * the log is that way ("Kubernetes 1.30 or newer writes them").
 * Facts: ../../../shared/DOMAIN.md and docs/formats.md.
 */
import { CREDENTIAL_ID, NODE_NAME, POD_NAME, type EventSelector } from './needs.js';

/** What a hint may look at: the source's formats and a few facts the report computed. */
export interface HintContext {
  formats: string[];
  /** get + list events in the whole source */
  reads: number;
  /** requests made by service accounts in the whole source */
  serviceAccountRequests: number;
  /** seconds between the first and last event (NaN when unknown) */
  spanSeconds: number;
  /** stages of the selected events (names with a count > 0) */
  stages: string[];
  /** levels of the selected events */
  levels: string[];
}

const READ_VERBS = new Set(['get', 'list', 'watch']);

function has(ctx: HintContext, format: string): boolean {
  return ctx.formats.includes(format);
}

function isTokenRequestSelector(sel: EventSelector | undefined): boolean {
  return Boolean(sel?.resources?.some((r) => r === 'serviceaccounts/token' || r === '*/token') && (!sel.verbs?.length || sel.verbs.includes('create')));
}

function isReadSelector(sel: EventSelector | undefined): boolean {
  return Boolean(sel?.verbs?.length && sel.verbs.every((v) => READ_VERBS.has(v.toLowerCase())));
}

/** Selected events do not appear at all. */
export function eventsHint(sel: EventSelector | undefined, ctx: HintContext): string | undefined {
  if (isTokenRequestSelector(sel)) {
    if (has(ctx, 'gke')) return 'GKE does not log TokenRequest creates';
    if (ctx.spanSeconds >= 3600) return 'kubelets renew every pod token within the hour, so the audit policy or the log collection drops TokenRequests';
    return undefined;
  }
  if (isReadSelector(sel) && ctx.reads === 0) {
    if (has(ctx, 'aks')) return 'the AKS kube-audit-admin category excludes get and list; collect kube-audit instead';
    if (has(ctx, 'gke')) return 'GKE writes reads to Data Access logs, which are off by default';
    return 'the log holds no get or list at all: the audit policy drops reads';
  }
  if (sel?.actor === 'serviceaccount' && ctx.serviceAccountRequests === 0) return 'no request in the log was made by a service account';
  return undefined;
}

function versionHint(key: string, ctx: HintContext): string | undefined {
  if (has(ctx, 'gke')) return 'GKE entries carry no user.extra';
  if (key === CREDENTIAL_ID) return 'Kubernetes 1.30 or newer writes them';
  if (key === POD_NAME || key === NODE_NAME) return 'Kubernetes 1.30 or newer writes them for pod-bound tokens';
  return undefined;
}

/** A user.extra key (optionally with a value prefix) never appears on the selected requests. */
export function extraHint(key: string, ctx: HintContext): string | undefined {
  return versionHint(key, ctx);
}

/** A field never appears on the selected events (which do appear). */
export function fieldHint(field: string, ctx: HintContext, sel?: EventSelector): string | undefined {
  const onlyReceived = ctx.stages.length > 0 && ctx.stages.every((s) => s === 'RequestReceived');
  if (field.startsWith('requestObject') || field.startsWith('responseObject')) {
    if (onlyReceived) return 'only RequestReceived events are in the log, and they carry no bodies (the policy omits the later stages)';
    if (field.startsWith('requestObject.metadata') && has(ctx, 'ecs')) return "Elastic's ingest pipeline removes requestObject.metadata";
    if (has(ctx, 'gke') && sel?.resources?.some((r) => /^(secrets|configmaps|tokenreviews)(\/|$)/.test(r))) return "GKE's audit policy logs Secrets, ConfigMaps and TokenReviews at Metadata";
    return undefined;
  }
  if (field.startsWith('responseStatus')) {
    if (onlyReceived || (ctx.stages.length > 0 && !ctx.stages.includes('ResponseComplete') && !ctx.stages.includes('Panic'))) return 'the log has no ResponseComplete stage (the policy omits it)';
    return undefined;
  }
  if (field.startsWith('annotations.') && onlyReceived) return 'only RequestReceived events are in the log, and they carry only the annotations of authentication (the policy omits the later stages)';
  if (field.startsWith('user.extra.')) return versionHint(field.slice('user.extra.'.length), ctx);
  if (field.startsWith('annotations.') && field.includes('issued-credential-id')) return has(ctx, 'gke') ? undefined : 'Kubernetes 1.30 or newer writes it';
  if ((field === 'user.groups' || field.startsWith('user.extra')) && has(ctx, 'gke')) return 'GKE entries carry no user.groups or user.extra';
  return undefined;
}

/** The selected events are logged below the level needed. */
export function levelHint(ctx: HintContext): string | undefined {
  if (ctx.levels.length > 0 && ctx.levels.every((l) => l === '(not recorded)')) return 'this format records no audit level';
  return undefined;
}

/** Joins a reason and a hint into one line. */
export function withHint(reason: string, hint: string | undefined): string {
  // a reason may already say why (detectors often do)
  if (!hint || reason.includes(hint)) return reason;
  return `${reason}${reason.includes(':') ? '; ' : ': '}${hint}`;
}

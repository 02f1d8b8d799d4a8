/**
 * What the coverage collector keeps per source and per class of request
 * (verb × resource × subresource). Plain counters and capped sets; the
 * collector fills them, the report reads them.
 */
/** slots of SourceObservation.classCache (a power of two) */
export const CLASS_SLOTS = 128;

export const DEFAULT_GAP_MS = 15 * 60_000;

// Presence bits of fields every rule may read. `mask` of a class ORs them over its events.
export const FIELD_BITS: Record<string, number> = {
  level: 1 << 0,
  auditID: 1 << 1,
  stage: 1 << 2,
  requestURI: 1 << 3,
  verb: 1 << 4,
  user: 1 << 5,
  'user.username': 1 << 6,
  'user.groups': 1 << 7,
  'user.extra': 1 << 8,
  'user.uid': 1 << 9,
  impersonatedUser: 1 << 10,
  'impersonatedUser.username': 1 << 11,
  sourceIPs: 1 << 12,
  userAgent: 1 << 13,
  objectRef: 1 << 14,
  'objectRef.resource': 1 << 15,
  'objectRef.namespace': 1 << 16,
  'objectRef.name': 1 << 17,
  'objectRef.apiGroup': 1 << 18,
  'objectRef.apiVersion': 1 << 19,
  'objectRef.subresource': 1 << 20,
  responseStatus: 1 << 21,
  'responseStatus.code': 1 << 22,
  'responseStatus.reason': 1 << 23,
  'responseStatus.message': 1 << 24,
  requestObject: 1 << 25,
  responseObject: 1 << 26,
  requestReceivedTimestamp: 1 << 27,
  stageTimestamp: 1 << 28,
  annotations: 1 << 29,
  kind: 1 << 30,
};

/** Level index: 0 None, 1 Metadata, 2 Request, 3 RequestResponse, 4 absent or other. */
export const LEVEL_NAMES = ['None', 'Metadata', 'Request', 'RequestResponse', '(not recorded)'];
/** Stage index: 0..3 as in AUDIT_STAGES, 4 absent or other. */
export const STAGE_NAMES = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic', '(not recorded)'];

export const K_TOKEN_REQUEST = 1;
export const K_SECRET = 2;
export const K_TOKEN_REVIEW = 4;

/** Everything counted about one class of request in one source. */
export class EventClass {
  /** events of this class (exact) */
  n = 0;
  /** events of this class ever seen by this collector, resets included: what sampling decides on */
  seen = 0;
  /**
   * Events inspected in full: all of the first 64, then one in 32; all of
   * them for TokenRequests, Secrets and TokenReviews. Every counter below
   * counts inspected events only; the report scales them by n / inspected
   * (exact where every event was inspected).
   */
  inspected = 0;
  /** requests made by service accounts */
  sa = 0;
  /** requests made by kubelets (system:node:*) */
  node = 0;
  readonly levels = [0, 0, 0, 0, 0];
  readonly stages = [0, 0, 0, 0, 0];
  /** OR of FIELD_BITS over the events */
  mask = 0;
  reqObj = 0;
  /** of them, events of a final stage (ResponseComplete, Panic, none): a request's body counted once */
  reqObjFinal = 0;
  respObj = 0;
  /** credential-id JTI= (any actor), X509SHA256= (any actor) */
  jti = 0;
  x509 = 0;
  saJti = 0;
  saPod = 0;
  saNode = 0;
  /** issued-credential-id annotation, either spelling (counted on TokenRequests) */
  issued = 0;
  readonly annotationKeys = new Set<string>();
  readonly extraKeys = new Set<string>();
  /** a key set reached its cap: unknown keys may have been present */
  keysCapped = false;
  readonly special: number;

  constructor(
    readonly verb: string,
    readonly resource: string,
    readonly subresource: string,
  ) {
    let k = 0;
    if (resource === 'serviceaccounts' && subresource === 'token' && verb === 'create') k |= K_TOKEN_REQUEST;
    if (resource === 'secrets') k |= K_SECRET;
    if (resource === 'tokenreviews') k |= K_TOKEN_REVIEW;
    this.special = k;
  }

  /** Forgets the counts (after a snapshot), keeping what sampling decides on. */
  reset(): void {
    this.n = 0;
    this.inspected = 0;
    this.sa = 0;
    this.node = 0;
    this.levels.fill(0);
    this.stages.fill(0);
    this.mask = 0;
    this.reqObj = 0;
    this.reqObjFinal = 0;
    this.respObj = 0;
    this.jti = 0;
    this.x509 = 0;
    this.saJti = 0;
    this.saPod = 0;
    this.saNode = 0;
    this.issued = 0;
    this.annotationKeys.clear();
    this.extraKeys.clear();
    this.keysCapped = false;
  }
}

/** The first place a credential was seen in a source's log. */
export interface CredentialSighting {
  count: number;
  file: string;
  line: number;
  level?: string;
}

/** Everything observed about one source. */
export class SourceObservation {
  events = 0;
  readonly formats = new Map<string, number>();
  /** verb → resource → subresource → class */
  readonly classes = new Map<string, Map<string, Map<string, EventClass>>>();
  classCount = 0;
  other: EventClass | null = null;
  /** seconds since the epoch of the first and last event time; NaN when none */
  minSec = NaN;
  maxSec = NaN;
  untimed = 0;
  /** day number → bitmap of the minutes of that day holding at least one event */
  readonly days = new Map<number, Uint8Array>();
  daysCapped = false;
  /** events inspected in full, all classes together */
  inspected = 0;
  /** top-level keys of a sample of events (the first 64 inspected, then one in 4096) */
  readonly topKeys = new Set<string>();
  tokenInLog: CredentialSighting | null = null;
  secretData: CredentialSighting | null = null;
  reviewedToken: CredentialSighting | null = null;

  // caches for the hot path
  lastFormat = '';
  lastFormatCount = 0;
  lastSec = NaN;
  lastDay = NaN;
  lastDayBits: Uint8Array | null = null;
  lastClass: EventClass | null = null;
  /** classes by a cheap hash of their names (direct-mapped), see CoverageCollector.recentClass */
  readonly classCache: (EventClass | undefined)[] = new Array<EventClass | undefined>(CLASS_SLOTS).fill(undefined);

  constructor(
    readonly key: string,
    readonly keyedBy: 'cluster' | 'file' | 'pooled',
  ) {}

  /** Every class, the pooled overflow included. */
  *allClasses(): IterableIterator<EventClass> {
    for (const byRes of this.classes.values()) for (const bySub of byRes.values()) yield* bySub.values();
    if (this.other) yield this.other;
  }

  /** Formats by events: counted on inspected events, scaled to all (exact when the source has one format). */
  formatCounts(): Map<string, number> {
    this.flushFormat();
    const seen = [...this.formats.values()].reduce((a, b) => a + b, 0);
    const out = new Map<string, number>();
    if (seen === 0) return out;
    let left = this.events;
    const entries = [...this.formats.entries()];
    entries.forEach(([f, k], i) => {
      const v = i === entries.length - 1 ? left : Math.round((k * this.events) / seen);
      out.set(f, v);
      left -= v;
    });
    return out;
  }

  /** Forgets what was observed (after a snapshot), keeping the classes and their sampling counts. */
  reset(): void {
    this.events = 0;
    this.formats.clear();
    this.lastFormatCount = 0;
    for (const c of this.allClasses()) c.reset();
    this.minSec = NaN;
    this.maxSec = NaN;
    this.untimed = 0;
    this.days.clear();
    this.daysCapped = false;
    this.inspected = 0;
    this.topKeys.clear();
    this.tokenInLog = null;
    this.secretData = null;
    this.reviewedToken = null;
    this.lastSec = NaN;
    this.lastDay = NaN;
    this.lastDayBits = null;
  }

  flushFormat(): void {
    if (this.lastFormatCount > 0) {
      this.formats.set(this.lastFormat, (this.formats.get(this.lastFormat) ?? 0) + this.lastFormatCount);
      this.lastFormatCount = 0;
    }
  }
}

/**
 * A Secret body with values under data/stringData: a Secret, a SecretList
 * (items), or a JSON patch touching /data or /stringData. Values are
 * redacted by now; their presence is what counts, since the log file still
 * holds them.
 */
export function hasSecretData(obj: unknown, depth: number): boolean {
  if (obj === null || typeof obj !== 'object' || depth > 3) return false;
  if (Array.isArray(obj)) {
    for (const el of obj) {
      if (el !== null && typeof el === 'object' && !Array.isArray(el)) {
        const p = (el as { path?: unknown }).path;
        if (typeof p === 'string' && /^\/(data|stringData)(\/|$)/.test(p) && (el as { value?: unknown }).value !== undefined) return true;
        if (hasSecretData(el, depth + 1)) return true;
      }
    }
    return false;
  }
  const o = obj as Record<string, unknown>;
  for (const k of ['data', 'stringData']) {
    const d = o[k];
    if (d !== null && typeof d === 'object' && !Array.isArray(d) && Object.keys(d).length > 0) return true;
  }
  const items = o.items;
  if (Array.isArray(items)) for (const it of items) if (hasSecretData(it, depth + 1)) return true;
  return false;
}

/**
 * The discrete-event engine. One priority queue holds both future actions
 * (tasks: a kubelet renewing its lease, a human typing the next command) and
 * pending log lines (a stage of a request that has been made). Popping in
 * time order and serialising lines as they come out gives a log in which
 * stages of concurrent requests interleave as they do in a real API server's
 * log, with a little write jitter, while nothing but the pending work is
 * held in memory.
 */
import {
  failureJson,
  gj,
  gs,
  policyLevel,
  refJson,
  refPath,
  statusJson,
  annotationsJson,
  LEVEL_RANK,
  STAGE_COMPLETE,
  STAGE_RECEIVED,
  STAGE_STARTED,
  STATUS_SWITCHING,
  type Actor,
  type Level,
  type PolicyOptions,
  type Ref,
  type Req,
  type StageNo,
  type Tag,
} from './emit.js';
import type { Rng } from './rng.js';

const AMP = /&/g;
const LEVEL_NAMES: Level[] = ['Metadata', 'Request', 'RequestResponse'];

/**
 * A binary min-heap on (time, sequence) kept in parallel arrays, so that
 * queueing a line or a task allocates nothing.
 */
class Queue {
  private t = new Float64Array(1 << 12);
  private s = new Float64Array(1 << 12);
  private stage = new Uint8Array(1 << 12);
  private p: (Req | (() => void) | null)[] = [];
  size = 0;
  /** The entry last popped. */
  topT = 0;
  topStage: StageNo = 0;
  topP: Req | (() => void) | null = null;

  private grow(): void {
    const n = this.t.length * 2;
    const t = new Float64Array(n);
    t.set(this.t);
    this.t = t;
    const s = new Float64Array(n);
    s.set(this.s);
    this.s = s;
    const st = new Uint8Array(n);
    st.set(this.stage);
    this.stage = st;
  }

  push(time: number, seq: number, payload: Req | (() => void), stage: StageNo): void {
    if (this.size === this.t.length) this.grow();
    const T = this.t;
    const S = this.s;
    const P = this.p;
    const ST = this.stage;
    let i = this.size++;
    while (i > 0) {
      const q = (i - 1) >> 1;
      const qt = T[q]!;
      if (qt < time || (qt === time && S[q]! < seq)) break;
      T[i] = qt;
      S[i] = S[q]!;
      P[i] = P[q]!;
      ST[i] = ST[q]!;
      i = q;
    }
    T[i] = time;
    S[i] = seq;
    P[i] = payload;
    ST[i] = stage;
  }

  /** Removes the smallest entry into top*; false if empty. */
  pop(): boolean {
    if (this.size === 0) return false;
    const T = this.t;
    const S = this.s;
    const P = this.p;
    const ST = this.stage;
    this.topT = T[0]!;
    this.topP = P[0]!;
    this.topStage = ST[0]! as StageNo;
    const n = --this.size;
    if (n === 0) {
      P[0] = null;
      return true;
    }
    const lt = T[n]!;
    const ls = S[n]!;
    const lp = P[n]!;
    const lst = ST[n]!;
    P[n] = null;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      const r = c + 1;
      if (r < n && (T[r]! < T[c]! || (T[r] === T[c] && S[r]! < S[c]!))) c = r;
      const ct = T[c]!;
      if (lt < ct || (lt === ct && ls < S[c]!)) break;
      T[i] = ct;
      S[i] = S[c]!;
      P[i] = P[c]!;
      ST[i] = ST[c]!;
      i = c;
    }
    T[i] = lt;
    S[i] = ls;
    P[i] = lp;
    ST[i] = lst;
    return true;
  }
}

/** What a caller states about one request; the engine fills in the rest. */
export interface RequestSpec {
  /** When the API server receives it (epoch µs). */
  t: number;
  actor: Actor;
  verb: string;
  /** Object reference; absent for non-resource URLs such as `/api`. */
  ref?: Ref;
  /** Path to log when it is not the reference's path (non-resource URLs, or a deliberately odd URI). */
  path?: string;
  /** Query string without `?`, unescaped (`&` is escaped on output). */
  query?: string;
  /** Overrides the audit policy. */
  level?: Level;
  /** Response code; default 201 for create, else 200. */
  code?: number;
  /** Full responseStatus JSON for failures. */
  statusJ?: string;
  /** Request body, built only if the level logs it. */
  body?: () => unknown;
  /** Response body, built only if the level logs it. */
  response?: () => unknown;
  /** Server latency in µs (default: a few ms). */
  latency?: number;
  /** Long-running (watch, exec, logs): µs after t0 of ResponseStarted, and total duration. */
  long?: { started: number; duration: number; startedCode?: number };
  /** Annotations added while serving (besides authorization's). */
  ann?: [string, string][];
  /** Authorization decision (default allow). */
  forbid?: boolean;
  impersonate?: string;
  tag?: Tag | null;
}

export interface SimOptions extends PolicyOptions {
  omitReceived: boolean;
  /** Max extra µs added to a line's write position (log-writer jitter). */
  writeJitter: number;
}

export class Sim {
  private readonly q = new Queue();
  private seq = 0;
  /** Time of the entry being processed (epoch µs). */
  now = 0;
  readonly opts: SimOptions;
  /** Told how many lines a tagged request will yield (ground truth completeness). */
  onPlanned: ((tag: Tag, lines: number) => void) | null = null;

  constructor(opts: SimOptions) {
    this.opts = opts;
  }

  get pending(): number {
    return this.q.size;
  }

  /** Runs `fn` at time `t` (not before now). */
  at(t: number, fn: () => void): void {
    this.q.push(t < this.now ? this.now : Math.round(t), this.seq++, fn, 0);
  }

  /** Makes a request; its stage lines are queued. Returns the request (for ground truth). */
  request(spec: RequestSpec, rng: Rng): Req {
    const t0 = Math.max(Math.round(spec.t), this.now);
    const ref = spec.ref;
    const level = spec.level ?? policyLevel(this.opts, ref, spec.verb);
    const rank = LEVEL_RANK[level];
    const code = spec.code ?? (spec.forbid ? 403 : spec.verb === 'create' ? 201 : 200);
    // Paths built from a reference hold only the simulator's plain names; explicit paths and
    // queries go through the Go-style escaping (queries are plain but for `&`).
    const pathJ = spec.path !== undefined ? gs(spec.path).slice(1, -1) : ref ? refPath(ref) : '/';
    const q = spec.query;
    const uriJ = q ? '"' + pathJ + '?' + (q.indexOf('&') < 0 ? q : q.replace(AMP, '\\u0026')) + '"' : '"' + pathJ + '"';
    const long = spec.long;
    const latency = long ? long.duration : Math.max(1, Math.round(spec.latency ?? 800 + rng.int(6000)));
    let ann: string;
    if (spec.forbid) {
      ann = annotationsJson([
        ...(spec.actor.authnAnn ?? []),
        ...(spec.ann ?? []),
        ['authorization.k8s.io/decision', 'forbid'],
        ['authorization.k8s.io/reason', ''],
      ]);
    } else if (spec.ann && spec.ann.length > 0) {
      ann = annotationsJson([
        ...(spec.actor.authnAnn ?? []),
        ...spec.ann,
        ['authorization.k8s.io/decision', 'allow'],
        ['authorization.k8s.io/reason', spec.actor.reason],
      ]);
    } else ann = spec.actor.allowAnnJ;
    const ok = code < 300;
    const actor = spec.actor;
    const refJ = ref ? refJson(ref) : null;
    const impJ = spec.impersonate ? gj({ username: spec.impersonate }) : null;
    const req: Req = {
      id: rng.uuid(),
      level,
      verb: spec.verb,
      uriJ: ',"requestURI":' + uriJ + ',"verb":"' + spec.verb + '","user":',
      impJ: impJ === null ? '' : ',"impersonatedUser":' + impJ,
      refJ: refJ === null ? '' : ',"objectRef":' + refJ,
      rtJ: '',
      actor,
      statusJ: spec.statusJ ?? statusJson(code),
      startedStatusJ: long ? (long.startedCode === 101 ? STATUS_SWITCHING : statusJson(long.startedCode ?? 200)) : null,
      // A request denied by authorization never reaches the handler that decodes its body.
      reqObjJ: rank >= 1 && spec.body && !spec.forbid ? gj(spec.body()) : null,
      respObjJ: rank >= 2 && ok && spec.response ? gj(spec.response()) : null,
      annJ: ann,
      t0,
      tStarted: long ? t0 + long.started : -1,
      tDone: t0 + latency,
      tag: spec.tag ?? null,
      statIdx: this.statIndex(actor.kind, ref ? ref.resource : '(nonresource)', ref?.subresource ?? '', rank),
    };
    const j = this.opts.writeJitter;
    if (req.tag && this.onPlanned) this.onPlanned(req.tag, (this.opts.omitReceived ? 0 : 1) + (long ? 1 : 0) + 1);
    // Write positions: the stage's time plus a little jitter, never before the request's earlier stage.
    let k = t0 + rng.int(j);
    if (!this.opts.omitReceived) this.pushLine(req, STAGE_RECEIVED, k);
    if (long) {
      k = Math.max(req.tStarted + rng.int(j), k + 1);
      this.pushLine(req, STAGE_STARTED, k);
    }
    this.pushLine(req, STAGE_COMPLETE, Math.max(req.tDone + rng.int(j), k + 1));
    return req;
  }

  private pushLine(req: Req, stage: StageNo, t: number): void {
    this.q.push(t, this.seq++, req, stage);
  }

  /** Statistics buckets: `kind|resource|level` → index (see `Req.statIdx`). */
  readonly statKeys: string[] = [];
  /** resource → subresource → actor kind → index per level (keys are literals: cheap lookups). */
  private readonly statTree = new Map<string, Map<string, Map<string, number[]>>>();

  private statIndex(kind: string, res: string, sub: string, rank: number): number {
    let a = this.statTree.get(res);
    if (!a) this.statTree.set(res, (a = new Map()));
    let b = a.get(sub);
    if (!b) a.set(sub, (b = new Map()));
    let c = b.get(kind);
    if (!c) b.set(kind, (c = [-1, -1, -1]));
    let i = c[rank]!;
    if (i < 0) {
      i = c[rank] = this.statKeys.length;
      this.statKeys.push(`${kind}|${sub ? `${res}/${sub}` : res}|${LEVEL_NAMES[rank]}`);
    }
    return i;
  }

  /** Stage of the request last returned by `next()`. */
  stage: StageNo = 0;

  /**
   * Advances to the next log line, running every task due before it, and
   * returns its request (its stage in `stage`); null when nothing is left.
   */
  next(): Req | null {
    const q = this.q;
    while (q.pop()) {
      if (q.topT > this.now) this.now = q.topT;
      const p = q.topP!;
      if (typeof p === 'function') {
        p();
        continue;
      }
      this.stage = q.topStage;
      return p;
    }
    return null;
  }
}

/** A forbidden create/get, as the RBAC authorizer words it. */
export function forbiddenStatus(user: string, verb: string, resource: string, subresource: string | undefined, group: string, ns: string | undefined, name: string | undefined): string {
  const res = subresource ? `${resource}/${subresource}` : resource;
  const scope = ns ? ` in the namespace "${ns}"` : ' at the cluster scope';
  const what = name ? `${resource} "${name}"` : resource;
  return failureJson(403, `${what} is forbidden: User "${user}" cannot ${verb} resource "${res}" in API group "${group}"${scope}`, name ? { name, kind: resource } : { kind: resource });
}

export { STAGE_COMPLETE, STAGE_RECEIVED, STAGE_STARTED };

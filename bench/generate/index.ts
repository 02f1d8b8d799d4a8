/**
 * Synthetic Kubernetes audit logs for benchmarks and tests: a simulated
 * cluster's API-server audit log, deterministic from a seed, streamed line
 * by line, with injected service-account-token attacks and their ground
 * truth.
 *
 *   const log = generateCluster({ seed: 42, events: 100_000 });
 *   for (const { line, event } of log) { ... }
 *   const truth = log.groundTruth;   // after iteration
 */
import type { AuditEvent } from '../../src/event/types.js';
import { ATTACK_KINDS, parseAttacks, scheduleAttacks, type AttackKind } from './attacks.js';
import { Cluster } from './cluster.js';
import { LEVEL_RANK, maxLineLength, microTime, serialize, serializeInto, STAGE_NAMES, type Level, type Req } from './emit.js';
import { Rng } from './rng.js';
import { Sim } from './sim.js';
import { Traffic } from './traffic.js';
import { TruthRecorder, type GroundTruth, type Stats } from './truth.js';

export { ATTACK_KINDS, parseAttacks, type AttackKind };
export type { GroundTruth, AttackTruth, BenignTruth, TruthEvent, Stats } from './truth.js';
export { FAKE_KID } from './objects.js';

export interface GenerateOptions {
  /** PRNG seed (default 42). */
  seed?: number | string;
  /** Number of lines to produce (default 100,000). */
  events?: number;
  /** Log start (default 2026-03-02T08:00:00Z). */
  start?: string | Date;
  /**
   * Worker nodes (three control-plane nodes are added). Default: one per
   * event per second (1,000 at the default rate — the ~1 event/s per node
   * users report), so the cluster's fixed traffic fits the rate.
   */
  nodes?: number;
  /** Extra tenant namespaces (`team-01`…) with their own applications (default 4). */
  tenantNamespaces?: number;
  /** Stages the audit policy omits; only `RequestReceived` can be omitted. */
  omitStages?: readonly string[];
  /** Level at which `serviceaccounts/token` is logged (default Request). */
  tokenRequestLevel?: Level;
  /** Level at which secrets are logged (default Metadata; writes in kube-system at least Request). */
  secretLevel?: Level;
  /** Kubernetes ≥ 1.30 credential ids (JTI), pod/node extras, issued-credential-id (default true). */
  jti?: boolean;
  /** Attacks to inject: `all` (default), `none`, or a list of kinds. */
  attacks?: 'all' | 'none' | string | readonly AttackKind[];
  /**
   * Target rate of log lines per second of log time (default 1,000). If
   * `nodes` is set so large that the cluster's own traffic exceeds it, the
   * log runs faster (see `ClusterLog.rates`).
   */
  eventsPerSecond?: number;
  /** Seconds of log time before the first attack (e.g. a detector's learning period; default 0). */
  attacksAfter?: number;
}

export interface ResolvedOptions {
  seed: number | string;
  events: number;
  start: string;
  nodes: number;
  tenantNamespaces: number;
  omitStages: string[];
  tokenRequestLevel: Level;
  secretLevel: Level;
  jti: boolean;
  attacks: AttackKind[];
  eventsPerSecond: number;
  attacksAfter: number;
}

const LEVELS = Object.keys(LEVEL_RANK) as Level[];

export function resolveOptions(o: GenerateOptions = {}): ResolvedOptions {
  const start = o.start instanceof Date ? o.start : new Date(o.start ?? '2026-03-02T08:00:00Z');
  if (Number.isNaN(start.getTime())) throw new Error(`invalid start time: ${String(o.start)}`);
  const omit = [...(o.omitStages ?? [])];
  for (const s of omit) if (s !== 'RequestReceived') throw new Error(`cannot omit stage "${s}" (only RequestReceived)`);
  const level = (v: Level | undefined, d: Level, what: string): Level => {
    const l = v ?? d;
    if (!LEVELS.includes(l)) throw new Error(`invalid ${what}: ${String(v)} (Metadata, Request, RequestResponse)`);
    return l;
  };
  const int = (v: number | undefined, d: number, min: number, what: string): number => {
    const n = v ?? d;
    if (!Number.isFinite(n) || n < min || Math.floor(n) !== n) throw new Error(`invalid ${what}: ${String(v)}`);
    return n;
  };
  const eventsPerSecond = o.eventsPerSecond ?? 1000;
  if (!(eventsPerSecond > 0) || !Number.isFinite(eventsPerSecond)) throw new Error(`invalid eventsPerSecond: ${String(o.eventsPerSecond)}`);
  const attacksAfter = o.attacksAfter ?? 0;
  if (!(attacksAfter >= 0) || !Number.isFinite(attacksAfter)) throw new Error(`invalid attacksAfter: ${String(o.attacksAfter)}`);
  return {
    seed: o.seed ?? 42,
    events: int(o.events, 100_000, 0, 'events'),
    start: start.toISOString().replace('.000Z', 'Z'),
    nodes: int(o.nodes, Math.max(1, Math.round(eventsPerSecond)), 1, 'nodes'),
    tenantNamespaces: int(o.tenantNamespaces, 4, 0, 'tenantNamespaces'),
    omitStages: omit,
    tokenRequestLevel: level(o.tokenRequestLevel, 'Request', 'tokenRequestLevel'),
    secretLevel: level(o.secretLevel, 'Metadata', 'secretLevel'),
    jti: o.jti ?? true,
    attacks: parseAttacks(o.attacks as string | readonly string[] | undefined),
    eventsPerSecond,
    attacksAfter,
  };
}

/** One generated line; `event` is parsed from it on first access. */
export class GeneratedLine {
  private parsed: AuditEvent | undefined;

  constructor(readonly line: string) {}

  get event(): AuditEvent {
    return (this.parsed ??= JSON.parse(this.line) as AuditEvent);
  }
}

function counter(): Map<string, number> {
  return new Map();
}

function add(m: Map<string, number>, k: string, n: number): void {
  m.set(k, (m.get(k) ?? 0) + n);
}

function toObj(m: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...m.entries()].sort((a, b) => b[1] - a[1]));
}

/**
 * A simulated cluster's audit log. Iterate it once (as `GeneratedLine`s,
 * plain `lines()`, or joined `chunks()`); `groundTruth` is complete after.
 */
export class ClusterLog implements Iterable<GeneratedLine> {
  readonly options: ResolvedOptions;
  private readonly sim: Sim;
  private readonly truth: TruthRecorder;
  private readonly cluster: Cluster;
  private readonly traffic: Traffic;
  private started = false;
  private done = false;
  private emitted = 0;
  private bytes = 0;
  private firstUs = -1;
  private lastUs = -1;
  /** Lines per statistics bucket and stage (index statIdx * 3 + stage). */
  private readonly counts: number[] = [];

  constructor(opts: GenerateOptions = {}) {
    const o = resolveOptions(opts);
    this.options = o;
    const root = new Rng(o.seed);
    const startUs = Date.parse(o.start) * 1000;
    this.sim = new Sim({
      omitReceived: o.omitStages.includes('RequestReceived'),
      tokenRequestLevel: o.tokenRequestLevel,
      secretLevel: o.secretLevel,
      writeJitter: 800,
    });
    this.sim.now = startUs;
    this.truth = new TruthRecorder();
    this.sim.onPlanned = (tag, n) => this.truth.planned(tag, n);
    this.cluster = new Cluster(root.fork('cluster'), { nodes: o.nodes, tenantNamespaces: o.tenantNamespaces, jti: o.jti, start: startUs });
    this.traffic = new Traffic(this.sim, this.cluster, root.fork('traffic'), { eventsPerSecond: o.eventsPerSecond, events: o.events }, this.truth);
    this.traffic.startAll();
    // Expected log duration: at least eventsPerSecond (more if the cluster's fixed traffic alone exceeds it).
    const duration = this.traffic.expectedDuration;
    scheduleAttacks(
      {
        sim: this.sim,
        cluster: this.cluster,
        traffic: this.traffic,
        truth: this.truth,
        rng: root.fork('attacks'),
        tokenRequestLevel: o.tokenRequestLevel,
        start: startUs,
        duration,
        after: o.attacksAfter * 1e6,
      },
      o.attacks,
    );
  }

  private begin(): void {
    if (this.started) throw new Error('a ClusterLog can be iterated only once');
    this.started = true;
  }

  /** The next request to log (its stage in `sim.stage`), with the bookkeeping done; null at the end. */
  private advance(): Req | null {
    if (this.emitted >= this.options.events) return this.end();
    const req = this.sim.next();
    if (!req) return this.end();
    const stage = this.sim.stage;
    this.emitted++;
    const c = this.counts;
    const k = req.statIdx * 3 + stage;
    if (k >= c.length) for (let i = c.length; i <= k + 300; i++) c.push(0);
    c[k]!++;
    if (req.tag) this.truth.emitted(req, stage);
    this.lastUs = stage === 0 ? req.t0 : stage === 1 ? req.tStarted : req.tDone;
    if (this.firstUs < 0) this.firstUs = this.lastUs;
    return req;
  }

  /** The next line, or null at the end. */
  private step(): string | null {
    const req = this.advance();
    if (req === null) return null;
    const line = serialize(req, this.sim.stage);
    this.bytes += line.length + 1;
    return line;
  }

  private end(): null {
    if (!this.done) {
      this.done = true;
      this.truth.finish();
    }
    return null;
  }

  /** Lines as strings. */
  *lines(): Generator<string, void, undefined> {
    this.begin();
    for (let line = this.step(); line !== null; line = this.step()) yield line;
  }

  /**
   * Lines written into Buffers of about `size` bytes, each line ended by a
   * newline (the fast path for files). The log is pure ASCII, so each line
   * is copied byte for byte.
   */
  *chunks(size = 4 << 20): Generator<Buffer, void, undefined> {
    this.begin();
    let buf = Buffer.allocUnsafe(size);
    let off = 0;
    for (let req = this.advance(); req !== null; req = this.advance()) {
      const room = maxLineLength(req);
      if (off + room > buf.length) {
        if (off > 0) yield buf.subarray(0, off);
        buf = Buffer.allocUnsafe(Math.max(size, room));
        off = 0;
      }
      const next = serializeInto(req, this.sim.stage, buf, off);
      this.bytes += next - off;
      off = next;
    }
    if (off > 0) yield buf.subarray(0, off);
  }

  *[Symbol.iterator](): Generator<GeneratedLine, void, undefined> {
    for (const line of this.lines()) yield new GeneratedLine(line);
  }

  get finished(): boolean {
    return this.done;
  }

  get stats(): Stats {
    const byKind = counter();
    const byResource = counter();
    const byStage = counter();
    const byLevel = counter();
    const keys = this.sim.statKeys;
    for (let i = 0; i < this.counts.length; i++) {
      const n = this.counts[i]!;
      if (n === 0) continue;
      const [kind, res, level] = keys[Math.floor(i / 3)]!.split('|') as [string, string, string];
      add(byKind, kind, n);
      add(byResource, res, n);
      add(byStage, STAGE_NAMES[i % 3]!, n);
      add(byLevel, level, n);
    }
    return {
      lines: this.emitted,
      bytes: this.bytes,
      byActorKind: toObj(byKind),
      byResource: toObj(byResource),
      byStage: toObj(byStage),
      byLevel: toObj(byLevel),
    };
  }

  /** Ground truth; complete once iteration has finished. */
  get groundTruth(): GroundTruth {
    const o = this.options;
    return {
      generator: 'tokenwatch-bench-generate',
      version: 1,
      options: { ...o },
      window: { start: this.firstUs < 0 ? null : microTime(this.firstUs), end: this.lastUs < 0 ? null : microTime(this.lastUs) },
      lines: this.emitted,
      attacks: this.truth.attacks,
      benign: this.truth.benign,
      stats: this.stats,
    };
  }

  /** Diagnostics: the fixed and filler rates the simulation chose. */
  get rates(): { fixedLinesPerSecond: number; fillerRequestsPerSecond: number; linesPerSecond: number; expectedDurationSeconds: number } {
    const t = this.traffic;
    return {
      fixedLinesPerSecond: t.fixedLinesPerSecond,
      fillerRequestsPerSecond: t.fillerRequestsPerSecond,
      linesPerSecond: t.linesPerSecond,
      expectedDurationSeconds: t.expectedDuration / 1e6,
    };
  }
}

/** Starts a simulated cluster's audit log. Streamed: nothing but pending requests is held in memory. */
export function generateCluster(opts: GenerateOptions = {}): ClusterLog {
  return new ClusterLog(opts);
}

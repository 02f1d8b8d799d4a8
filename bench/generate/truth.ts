/**
 * Ground truth: which log lines belong to which injected attack (and to a
 * few sampled benign look-alikes), and which detections are expected — or
 * must stay silent — for each.
 */
import { microTime, STAGE_NAMES, type Req, type StageName, type StageNo, type Tag } from './emit.js';

export interface TruthEvent {
  auditID: string;
  stage: StageName;
  /** The line's stageTimestamp. */
  time: string;
  /** What the event is within the scenario (e.g. `mint`, `use`, `probe-denied`). */
  role: string;
}

export interface AttackTruth {
  id: string;
  kind: string;
  description: string;
  /** The identity (user.username) that acts. */
  actor: string;
  /** Detection ids that must fire on this attack. */
  expected: string[];
  /** Detection ids that may reasonably fire too (not an error either way). */
  optional: string[];
  /** Why an id normally expected is left out under these options (e.g. Metadata level hides expirationSeconds). */
  notObservable: Record<string, string>;
  /** First and last stageTimestamp among the emitted events. */
  start: string | null;
  end: string | null;
  events: TruthEvent[];
  details: Record<string, unknown>;
  /** Every planned line of the attack was emitted before the event limit. */
  complete: boolean;
}

export interface BenignTruth {
  id: string;
  kind: string;
  description: string;
  /** Detection ids that must NOT fire on these events. */
  mustNotFire: string[];
  events: TruthEvent[];
  details: Record<string, unknown>;
  complete: boolean;
}

export interface Stats {
  lines: number;
  bytes: number;
  byActorKind: Record<string, number>;
  byResource: Record<string, number>;
  byStage: Record<string, number>;
  byLevel: Record<string, number>;
}

export interface GroundTruth {
  generator: 'tokenwatch-bench-generate';
  version: 1;
  options: Record<string, unknown>;
  /** Log time covered: first and last line's stageTimestamp. */
  window: { start: string | null; end: string | null };
  lines: number;
  attacks: AttackTruth[];
  benign: BenignTruth[];
  stats: Stats;
}

interface Group {
  planned: number;
  events: TruthEvent[];
  attack?: AttackTruth;
  benign?: BenignTruth;
  firstUs: number;
  lastUs: number;
}

export class TruthRecorder {
  private groups = new Map<string, Group>();
  private order: string[] = [];
  private samples = new Map<string, number>();
  readonly attacks: AttackTruth[] = [];
  readonly benign: BenignTruth[] = [];

  constructor(private readonly sampleCap = 3) {}

  addAttack(a: Omit<AttackTruth, 'events' | 'start' | 'end' | 'complete'>): void {
    const full: AttackTruth = { ...a, start: null, end: null, events: [], complete: false };
    this.attacks.push(full);
    this.groups.set(a.id, { planned: 0, events: full.events, attack: full, firstUs: Infinity, lastUs: -Infinity });
    this.order.push(a.id);
  }

  /**
   * Opens a benign sample of `kind` unless enough were taken; returns its id
   * (for tags) or null.
   */
  sample(kind: string, description: string, mustNotFire: string[], details: Record<string, unknown>): string | null {
    const n = this.samples.get(kind) ?? 0;
    if (n >= this.sampleCap) return null;
    this.samples.set(kind, n + 1);
    const id = `${kind}-${n + 1}`;
    const b: BenignTruth = { id, kind, description, mustNotFire, events: [], details, complete: false };
    this.benign.push(b);
    this.groups.set(id, { planned: 0, events: b.events, benign: b, firstUs: Infinity, lastUs: -Infinity });
    return id;
  }

  /** Called by the engine for every tagged request with the number of lines it will yield. */
  planned(tag: Tag, lines: number): void {
    const g = this.groups.get(tag.group);
    if (g) g.planned += lines;
  }

  /** Called for every emitted line of a tagged request. */
  emitted(req: Req, stage: StageNo): void {
    const g = this.groups.get(req.tag!.group);
    if (!g) return;
    const t = stage === 0 ? req.t0 : stage === 1 ? req.tStarted : req.tDone;
    g.events.push({ auditID: req.id, stage: STAGE_NAMES[stage], time: microTime(t), role: req.tag!.role });
    if (t < g.firstUs) g.firstUs = t;
    if (t > g.lastUs) g.lastUs = t;
  }

  finish(): void {
    for (const g of this.groups.values()) {
      const complete = g.planned > 0 && g.events.length === g.planned;
      if (g.attack) {
        g.attack.complete = complete;
        g.attack.start = g.events.length ? microTime(g.firstUs) : null;
        g.attack.end = g.events.length ? microTime(g.lastUs) : null;
      }
      if (g.benign) g.benign.complete = complete;
    }
  }
}

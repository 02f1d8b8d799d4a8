/**
 * Runs the stateful detectors over judged requests in input order: the
 * cluster model learns first, then each detector judges the request against
 * what came before it, then the baselines learn from it. State is bounded and
 * swept by event time.
 */
import type { EventRecord } from '../event/types.js';
import { learnBaseline } from './baseline.js';
import { BoundTokenOffNode, type OffNodeOptions } from './bound-token-off-node.js';
import { learnCluster } from './cluster-model.js';
import { MintedTokenUsed, type MintedTokenOptions } from './minted-token-used.js';
import { DetectorState, type StateMeta } from './state.js';
import { TokenReplayNewSource } from './token-replay-new-source.js';
import { TokenSecretRead, type SecretReadOptions } from './token-secret-read.js';
import type { Detector, DetectorFinding, DetectorHost } from './types.js';
import { EventView } from './view.js';

export interface DetectorOptions extends MintedTokenOptions, OffNodeOptions, SecretReadOptions {
  /** how long, in event time from the first event ever seen, baselines only learn (default 60 min) */
  learningMs?: number;
  /** detector ids to leave out */
  disable?: string[];
}

export const DETECTOR_IDS = ['minted-token-used', 'token-replay-new-source', 'bound-token-off-node', 'token-secret-read'];

export class DetectorSet {
  readonly detectors: Detector[];
  private readonly host: DetectorHost;
  private readonly learningMs: number;
  private seen = 0;
  // Each detector by its own field (undefined when disabled), called in the order of
  // `detectors`: one call site per class stays monomorphic.
  private readonly minted: MintedTokenUsed | undefined;
  private readonly replay: TokenReplayNewSource | undefined;
  private readonly offNode: BoundTokenOffNode | undefined;
  private readonly secretRead: TokenSecretRead | undefined;
  // One view, refilled for every request: nothing keeps it past `observe`.
  private readonly view = new EventView();

  /** where findings go; the pipeline sets it to its alert grouper */
  emit: (f: DetectorFinding) => void;

  constructor(readonly state: DetectorState, o: DetectorOptions = {}) {
    this.emit = () => {};
    const off = new Set(o.disable ?? []);
    const on = <D extends Detector>(d: D): D | undefined => (off.has(d.ref.id) ? undefined : d);
    this.minted = on(new MintedTokenUsed(o));
    this.replay = on(new TokenReplayNewSource());
    this.offNode = on(new BoundTokenOffNode(o));
    this.secretRead = on(new TokenSecretRead(o));
    this.detectors = [this.minted, this.replay, this.offNode, this.secretRead].filter((d): d is NonNullable<typeof d> => d !== undefined);
    this.learningMs = o.learningMs ?? 60 * 60_000;
    this.host = {
      state,
      emit: (f) => this.emit(f),
      learning: (t) => {
        const first = state.meta.firstEventMs;
        return first === undefined || Number.isNaN(t) || t - first < this.learningMs;
      },
    };
  }

  /**
   * Events whose time lies within what a saved state had already seen when the scan began: the detectors
   * learned from those times before (a log scanned again), so their alerts may differ from a fresh scan's.
   */
  overlapEvents = 0;
  /** the saved state's span of event time when the scan began (taken at the first event) */
  known: StateMeta | null = null;

  observe(rec: EventRecord, t: number): void {
    const meta = this.state.meta;
    const k = (this.known ??= { ...meta });
    if (k.lastEventMs !== undefined && t >= k.firstEventMs! && t <= k.lastEventMs) this.overlapEvents++;
    if (!Number.isNaN(t)) {
      if (meta.firstEventMs === undefined || t < meta.firstEventMs) meta.firstEventMs = t;
      if (meta.lastEventMs === undefined || t > meta.lastEventMs) meta.lastEventMs = t;
    }
    const v = this.view.fill(rec, t);
    // A request with neither a user nor an object (a line the prefilter skipped, replayed
    // with only its auditID and stage) concerns no detector: each would return at once.
    if (v.user != null || v.objectRef != null) {
      const st = this.state;
      const host = this.host;
      learnCluster(st, v);
      this.minted?.judge(v, host);
      this.replay?.judge(v, host);
      this.offNode?.judge(v, host);
      this.secretRead?.judge(v, host);
      learnBaseline(st, v);
    }
    if (++this.seen % 100_000 === 0 && meta.lastEventMs !== undefined) this.state.sweep(meta.lastEventMs);
  }
}

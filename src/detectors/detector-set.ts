/**
 * Runs the stateful detectors over judged requests in input order: the
 * cluster model learns first, then each detector judges the request against
 * what came before it, then the baselines learn from it. State is bounded and
 * swept by event time.
 */
import type { EventRecord } from '../event/types.js';
import { learnBaseline } from './baseline.js';
import { BoundTokenOffNode, type OffNodeOptions } from './bound-token-off-node.js';
import { observeCluster } from './cluster-model.js';
import { MintedTokenUsed, type MintedTokenOptions } from './minted-token-used.js';
import { DetectorState } from './state.js';
import { TokenReplayNewSource } from './token-replay-new-source.js';
import { TokenSecretRead, type SecretReadOptions } from './token-secret-read.js';
import type { Detector, DetectorFinding, DetectorHost } from './types.js';

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

  /** where findings go; the pipeline sets it to its alert grouper */
  emit: (f: DetectorFinding) => void;

  constructor(readonly state: DetectorState, o: DetectorOptions = {}) {
    this.emit = () => {};
    const all: Detector[] = [new MintedTokenUsed(o), new TokenReplayNewSource(), new BoundTokenOffNode(o), new TokenSecretRead(o)];
    const off = new Set(o.disable ?? []);
    this.detectors = all.filter((d) => !off.has(d.ref.id));
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

  observe(rec: EventRecord, t: number): void {
    const meta = this.state.meta;
    if (!Number.isNaN(t)) {
      if (meta.firstEventMs === undefined || t < meta.firstEventMs) meta.firstEventMs = t;
      if (meta.lastEventMs === undefined || t > meta.lastEventMs) meta.lastEventMs = t;
    }
    observeCluster(this.state, rec, t);
    for (const d of this.detectors) d.observe(rec, t, this.host);
    learnBaseline(this.state, rec, t);
    if (++this.seen % 100_000 === 0 && meta.lastEventMs !== undefined) this.state.sweep(meta.lastEventMs);
  }
}

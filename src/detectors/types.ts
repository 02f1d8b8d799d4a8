/** What a stateful detector is, and how it raises alerts. */
import type { RuleRef, Severity } from '../alerts/alert.js';
import type { EventRecord } from '../event/types.js';
import type { DetectorState } from './state.js';

/** One requirement on the input, with the reason printed when the log cannot meet it (see src/coverage). */
export type DetectorNeed = Record<string, unknown>;

export interface DetectorFinding {
  detector: string;
  /** the alert key: findings with the same key within the window are one alert */
  key: Record<string, string>;
  rec: EventRecord;
  severity?: Severity;
  summary: string;
  notes: string[];
  /** events that explain the finding without being it (the TokenRequest that minted a used token) */
  related?: EventRecord[];
}

export interface DetectorHost {
  state: DetectorState;
  emit(f: DetectorFinding): void;
  /** true while the baseline is still being learned (event time) */
  learning(t: number): boolean;
}

export interface Detector {
  readonly ref: RuleRef;
  readonly needs: DetectorNeed[];
  /** Called once per API request (its judged stage), in input order, after the cluster model has seen it. */
  observe(rec: EventRecord, t: number, host: DetectorHost): void;
}

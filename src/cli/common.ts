/** Option parsing shared by the commands: rule folders, config, exit codes. */
import { ConfigError, loadConfig, type Config } from '../config/config.js';
import { loadRuleSet, type RuleSet } from '../ruleset/load.js';
import { formatSigmaError } from '../sigma/index.js';
import { DETECTOR_IDS } from '../detectors/detector-set.js';

export const EXIT_OK = 0;
export const EXIT_ALERTS = 1;
export const EXIT_USAGE = 2;

export class UsageError extends Error {}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export interface RuleOptions {
  rules?: string[];
  pipeline?: string[];
  builtin?: boolean;
  disable?: string[];
  config?: string;
}

export function readConfig(path: string | undefined): Config {
  if (!path) return {};
  try {
    return loadConfig(path);
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(`configuration error: ${e.message}`);
    throw e;
  }
}

/** Loads rules; rule errors are printed and make the command fail, unless `tolerate` (rules list). */
export function ruleSetFrom(o: RuleOptions, cfg: Config, tolerate = false, detectorIds: string[] = DETECTOR_IDS, tests = true): RuleSet {
  const set = loadRuleSet({ builtin: o.builtin !== false, ruleDirs: o.rules, config: cfg, disable: o.disable, detectorIds, pipelines: o.pipeline, tests });
  if (set.errors.length) {
    for (const e of set.errors) process.stderr.write(`rule error: ${formatSigmaError(e)}\n`);
    if (!tolerate) throw new UsageError(`${set.errors.length} rule error(s); fix the files above or leave them out`);
  }
  for (const id of set.unknownIds) process.stderr.write(`warning: no loaded rule has the id "${id}" (named in --disable or the configuration)\n`);
  return set;
}

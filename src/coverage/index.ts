/**
 * What the logs cannot show: a collector that observes every decoded event
 * of a scan, and a report saying per source what the log holds and whether
 * each rule and detector could have fired on it.
 *
 *   const cov = new CoverageCollector({ gapMs });
 *   ... cov.observe(rec) for every decoded EventRecord ...
 *   const report = cov.report([...rules.map(subjectFromRule), ...detectorSubjects]);
 *   renderCoverage(report, style);           // terminal
 *   summary.coverage = report;               // --summary-json
 */
export { CoverageCollector, DEFAULT_GAP_MS, INSPECT_EVERY, INSPECT_FIRST, SKIPPED_EVERY, type CoverageOptions, type EventHead } from './collector.js';
export { headOf, rawHead } from './head.js';
export type { CoverageSnapshot } from './snapshot.js';
export * from './needs.js';
export type { CoverageReport, CoverageSubject, CredentialWarning, Gap, SourceCoverage, SubjectCoverage, SubjectSourceVerdict, Verdict } from './report.js';
export { buildReport, underlyingFields } from './report.js';
export { deriveNeeds, subjectFromCorrelation, subjectFromDetector, subjectFromRule, subjectsFromRules, type DetectorLike } from './subjects.js';
export { renderCoverage, type CoverageStyle, type RenderOptions } from './render-text.js';

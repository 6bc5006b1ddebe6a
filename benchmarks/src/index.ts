export { VERSION } from './version.js';
export type * from './types.js';
export { sampleKey } from './types.js';
export { BenchInputError, UsageError as BenchUsageError, isUsageError, exitCodeForError, EXIT_CODES } from './errors.js';
export * from './suites/index.js';
export * from './generators/index.js';
export type { Protocol, ProtocolOutcome, ProtocolSample } from './protocols/types.js';
export { createEnsembleProtocol, type EnsembleProtocolOptions, type NamedExpert } from './protocols/ensemble.js';
export { createGenEvalProtocol, type GenEvalProtocolOptions } from './protocols/geneval.js';
export { createCompBenchProtocol, type CompBenchProtocolOptions } from './protocols/compbench.js';
export {
  createProtocol,
  createBenchDetector,
  colorClassifierFromExpert,
  type ColorClassifier,
  createExpertsFromConfig,
  loadPlugins,
  type ProtocolFactoryOptions,
} from './protocols/factory.js';
export { clipColorClassifier, genevalColorPrompts, isEmbeddingModel, type EmbeddingModel } from './protocols/color.js';
export {
  parseBenchConfig,
  loadBenchConfig,
  detectorThresholds,
  DEFAULT_DETECTOR_THRESHOLDS,
  benchConfigSchema,
  type BenchConfig,
  type DetectorThresholds,
} from './config.js';
export { ScoreCache, withScoreCache, canonicalJson, type CachedReward, type ScoreCacheKeyParts } from './cache.js';
export { runBench, selectWork, parseShard, shardFromEnvironment, type RunOptions, type RunResult, type Shard } from './run.js';
export { mergeRuns } from './merge.js';
export { acquireRunLock, BenchLockedError, LOCK_FILE, processAlive, type LockOwner, type RunLockOptions } from './lock.js';
export { compareRuns, formatComparisonTable, type Comparison, type CategoryDelta } from './compare.js';
export { loadRecords, readManifest, RESULTS_FILE, MANIFEST_FILE, type RunManifest } from './records.js';
export { writeReports, type RunReport } from './report/write.js';
export { summarize, type RunSummary, type CategorySummary } from './report/summary.js';
export { formatSummaryTable, formatBadInputs, formatNotes, formatAgreement, formatIncomplete } from './report/format.js';
export { benchAgreement, type BenchAgreement } from './report/agreement.js';
export { renderHtmlReport } from './report/html.js';
export { resultsCsv, summaryCsv } from './report/csv.js';
export { bootstrapMean, bootstrapMeanOfGroups, bootstrapDelta, type Estimate } from './stats.js';
export { registerBenchCommand, createBenchProgram, defaultCacheDir } from './cli.js';

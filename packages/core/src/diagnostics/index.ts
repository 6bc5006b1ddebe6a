export { kendallTauB, bestIndices, groupIndices, expertAgreement, type AgreementSummary, type PairAgreement } from './agreement.js';
export { leastSquaresSlope, driftAlarms, DEFAULT_DRIFT_OPTIONS, type DriftAlarm, type DriftOptions, type SeriesPoint } from './drift.js';

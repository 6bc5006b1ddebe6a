import type { EnsembleConfig, ExpertConfig } from './schema.js';

/**
 * The offline default expert: the real COCO detector (CenterNet on TF.js; its weights ship in an npm package, so
 * nothing is downloaded) with the T2I-R1 paper formula.
 */
export const DEFAULT_EXPERT_CONFIG: ExpertConfig = { kind: 'detector', backend: { type: 'tfjs', model: 'centernet' } };

/**
 * The ensemble every tool runs when given none (`t2ir score`, `t2ir serve`, `t2ir train`, the trainer demo,
 * `t2ir bench`'s ensemble protocol): the default expert alone, mean aggregation.
 */
export const DEFAULT_ENSEMBLE_CONFIG: EnsembleConfig = { aggregate: 'mean', experts: [DEFAULT_EXPERT_CONFIG] };

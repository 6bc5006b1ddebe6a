import type { ScoringOptions } from './scoring/common.js';

export type DetectorThresholdKey = 'boxThreshold' | 'compbenchMinConfidence' | 'genevalThreshold' | 'genevalCountingThreshold';
export type DetectorThresholds = Partial<Pick<ScoringOptions, DetectorThresholdKey>>;

/**
 * Default thresholds per detector backend: the one source for the reward, `t2ir score` and `t2ir bench`.
 * The anchors' thresholds were set for their detectors (UniDet 0.1 in T2I-CompBench: its scripts pass 0.5 on the
 * command line, but UnifiedCascadeROIHeads hard-codes 0.1 at inference; Mask2Former 0.3 / 0.9 for
 * counting in GenEval). The COCO CenterNet (tfjs) scores real, clearly visible objects lower: on the six bundled
 * photos its best box for each object that is really there scores 0.31–0.67 (truck 0.31, horse #3 0.36, dog
 * 0.42–0.43, bicycle 0.48, giraffe 0.49, zebra 0.59, person 0.67), while its most confident wrong labels reach
 * 0.25–0.30 (cow / sheep on a horse, parking meter). So every CenterNet threshold is 0.3: GenEval's 0.9 counting
 * threshold would count nothing and CompBench's 0.1 would count those wrong labels. Open-vocabulary models
 * (transformers) keep the anchors' values. Explicit options override these.
 */
export const BACKEND_DEFAULT_THRESHOLDS: Record<'tfjs' | 'transformers', Required<DetectorThresholds>> = {
  tfjs: { boxThreshold: 0.3, compbenchMinConfidence: 0.3, genevalThreshold: 0.3, genevalCountingThreshold: 0.3 },
  transformers: { boxThreshold: 0.3, compbenchMinConfidence: 0.1, genevalThreshold: 0.3, genevalCountingThreshold: 0.9 },
};

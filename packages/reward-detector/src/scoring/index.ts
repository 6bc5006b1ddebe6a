import { type ScoreOutcome, type ScoringFormula, type ScoringInput, type ScoringOptions, DEFAULT_SCORING_OPTIONS } from './common.js';
import { scoreCompBench } from './compbench.js';
import { applyCopyPenalty } from './copy-penalty.js';
import { scoreGenEval } from './geneval.js';
import { scoreT2IR1Code } from './t2i-r1-code.js';
import { scoreT2IR1 } from './t2i-r1.js';

export * from './boxes.js';
export * from './position.js';
export {
  DEFAULT_SCORING_OPTIONS,
  SCORING_FORMULAS,
  promptTask,
  type PromptTask,
  type ScoreOutcome,
  type ScoringFormula,
  type ScoringInput,
  type ScoringOptions,
} from './common.js';
export { scoreT2IR1, prepareBoxes } from './t2i-r1.js';
export { scoreT2IR1Code } from './t2i-r1-code.js';
export { scoreT2IR1Reference, referenceRow, referencePhraseName, determinePosition, torchvisionNms, centreSizeBox } from './t2i-r1-reference.js';
export { scoreCompBench, compbenchResize, compbenchDeterminePosition, COMPBENCH_RESIZE, COMPBENCH_VOCAB_SPATIAL, UNIDET_SCORE_THRESHOLD } from './compbench.js';
export { applyCopyPenalty, countCopies, type CopyCount, type CopyPenaltyDetails } from './copy-penalty.js';
export { scoreGenEval, GENEVAL_COLORS, genevalSelect, numpyArgsort } from './geneval.js';

const FORMULAS: Record<ScoringFormula, (input: ScoringInput, options: ScoringOptions) => ScoreOutcome> = {
  't2i-r1': scoreT2IR1,
  't2i-r1-code': scoreT2IR1Code,
  compbench: scoreCompBench,
  geneval: scoreGenEval,
};

/** Scores one image's detections against its prompt spec with the named formula (pure, no model). */
export function scoreDetections(input: ScoringInput, formula: ScoringFormula = 't2i-r1', options: Partial<ScoringOptions> = {}): ScoreOutcome {
  const resolved = { ...DEFAULT_SCORING_OPTIONS, ...options };
  const outcome = applyCopyPenalty(FORMULAS[formula](input, resolved), input, resolved);
  // Guard the [0, 1] contract against floating-point drift (0.1/IoU products, means).
  if (outcome.score !== null) outcome.score = Math.min(1, Math.max(0, outcome.score));
  return outcome;
}

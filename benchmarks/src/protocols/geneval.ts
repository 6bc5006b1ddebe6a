import type { RewardModelV1 } from '@t2i-reward/core';
import type { CachedReward } from '../cache.js';
import { GENEVAL_TASKS } from '../suites/geneval.js';
import { runExpert } from './single.js';
import type { Protocol, ProtocolOutcome, ProtocolSample } from './types.js';

export interface GenEvalProtocolOptions {
  /** A detector reward using the `geneval` scoring formula. */
  detector: CachedReward | RewardModelV1;
  /** Options that shape its verdicts (thresholds), recorded in run.json. */
  options?: Record<string, unknown>;
  /** Frees what the protocol owns besides the detector (e.g. the colour expert). */
  onDispose?: () => Promise<void>;
  /**
   * Whether the detector has a colour classifier. `false`: the `colors` / `color_attr` images are marked
   * unsupported without running the detector. Unset: the detector's own verdict (null without a classifier).
   */
  colorClassifier?: boolean;
}

/** GenEval's tasks whose prompts ask a colour. */
export const GENEVAL_COLOR_TASKS: readonly string[] = ['colors', 'color_attr'];

/**
 * GenEval's rules (through the detector's `geneval` formula): an image is correct when every include /
 * exclude / count / position (/ colour) rule holds; a task's score is the fraction of correct images and
 * the overall score the mean of the six tasks. GenEval judges every image, so an image we cannot judge (no colour
 * classifier, a class the detector cannot name) counts as incorrect in the headline accuracy, as it would there;
 * the summary gives the accuracy over the judged images beside it (`unjudged: 'incorrect'` in run.json).
 */
export function createGenEvalProtocol(options: GenEvalProtocolOptions): Protocol {
  const { detector } = options;
  return {
    name: 'geneval',
    metric: 'accuracy',
    overall: 'mean-of-categories',
    categories: GENEVAL_TASKS,
    describe: () => ({ detector: { modelId: detector.modelId, version: detector.version }, options: options.options ?? {}, unjudged: 'incorrect' }),
    unsupportedReason: (category) =>
      options.colorClassifier === false && GENEVAL_COLOR_TASKS.includes(category)
        ? `GenEval task ${category} needs a colour classifier (bench config geneval.color: a CLIP hpm expert)`
        : undefined,
    async score(samples: readonly ProtocolSample[], signal?: AbortSignal): Promise<ProtocolOutcome[]> {
      const runs = await runExpert(detector, samples, (s) => s.item.spec, signal);
      return runs.map(({ result, record }, i): ProtocolOutcome => {
        const item = samples[i]!.item;
        const experts = { detector: record };
        if (result.error) {
          return { status: 'error', score: null, experts, warnings: [], problem: { kind: 'expert-error', itemId: item.id, message: result.error.message } };
        }
        if (result.score === null) {
          const why = result.warnings.join('; ') || 'the detector could not judge this prompt';
          return { status: 'unsupported', score: null, experts, warnings: result.warnings, problem: { kind: 'expert-error', itemId: item.id, message: why } };
        }
        const flagged = result.details?.correct;
        const correct = typeof flagged === 'boolean' ? flagged : result.score >= 1 - 1e-9;
        return { status: 'ok', score: correct ? 1 : 0, correct, experts, warnings: result.warnings };
      });
    },
    async dispose() {
      await detector.dispose();
      await options.onDispose?.();
    },
  };
}

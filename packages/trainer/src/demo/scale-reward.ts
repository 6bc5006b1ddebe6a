import type { RewardInput } from '../policy.js';
import type { RewardFunction, RewardOutcome } from '../reward.js';
import { GRID } from './policy.js';
import type { SceneObject } from './render.js';
import { hasExtraCopies, sceneRewardValue } from './scene-reward.js';

type DemoSpec = Parameters<typeof sceneRewardValue>[1];

/** How high the drawn instances sit: the mean over instances of (GRID − 1 − row) / (GRID − 1), in [0, 1] (1 = all in the top row). */
export function layoutValue(scene: readonly SceneObject[]): number {
  if (scene.length === 0) return 0;
  const rows = scene.map((object) => Math.floor(object.cell / GRID));
  return rows.reduce((acc, row) => acc + (GRID - 1 - row) / (GRID - 1), 0) / scene.length;
}

export interface TwoScaleRewardOptions {
  /** Multiplies the layout expert (default 100): its scores span [offset, offset + scale] against the scene's [0, 1]. */
  scale?: number;
  /** Added to the layout expert (default 0). */
  offset?: number;
}

/**
 * Two experts of very different scales over the demo's drawn scenes (no images): `scene`, the T2I-R1 detector
 * formula in [0, 1] (the scene stand-in of the CenterNet reward), and `layout`, scale·(how high the instances sit)
 * + offset, e.g. [0, 100]. Both weigh 1; `reward` is their plain sum, as an ensemble with `aggregate: 'sum'` gives.
 * The bench for per-expert normalisation (scripts/bench-normalize.ts) trains on it.
 */
export function twoScaleReward(options: TwoScaleRewardOptions = {}): RewardFunction {
  const scale = options.scale ?? 100;
  const offset = options.offset ?? 0;
  return {
    score(inputs: readonly RewardInput[]): Promise<RewardOutcome[]> {
      return Promise.resolve(
        inputs.map((input): RewardOutcome => {
          const scene = input.metadata?.scene as SceneObject[] | undefined;
          const spec = input.spec as DemoSpec | undefined;
          if (!scene || !spec) return { reward: null, experts: { scene: null, layout: null }, weights: { scene: 1, layout: 1 }, error: 'no scene or spec' };
          const sceneScore = sceneRewardValue(scene, spec);
          const layout = offset + scale * layoutValue(scene);
          return {
            reward: sceneScore + layout,
            experts: { scene: sceneScore, layout },
            weights: { scene: 1, layout: 1 },
            flags: { extraCopies: hasExtraCopies(scene, spec) },
          };
        }),
      );
    },
  };
}

/**
 * Adds the `layout` expert (scale · how high the instances sit + offset, from the sample's drawn scene) to another
 * reward's outcomes, weight 1, and makes `reward` the plain sum of every expert with weight > 0: the bench's
 * `--reward detector` arm puts it beside the real CenterNet `detector` expert.
 */
export function withLayoutExpert(inner: RewardFunction, options: TwoScaleRewardOptions = {}): RewardFunction {
  const scale = options.scale ?? 100;
  const offset = options.offset ?? 0;
  return {
    async score(inputs, callOptions) {
      const outcomes = await inner.score(inputs, callOptions);
      return outcomes.map((outcome, i) => {
        const scene = inputs[i]!.metadata?.scene as SceneObject[] | undefined;
        const layout = scene ? offset + scale * layoutValue(scene) : null;
        const experts = { ...outcome.experts, layout };
        const weights: Record<string, number> = { ...outcome.weights, layout: 1 };
        let sum = 0;
        let any = false;
        for (const [name, value] of Object.entries(experts)) {
          if ((weights[name] ?? 1) > 0 && value !== null && Number.isFinite(value)) {
            sum += (weights[name] ?? 1) * value;
            any = true;
          }
        }
        return { ...outcome, experts, weights, reward: any ? sum : null };
      });
    },
    ...(inner.dispose ? { dispose: () => inner.dispose!() } : {}),
  };
}

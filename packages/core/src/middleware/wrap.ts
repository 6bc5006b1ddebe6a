import type { RewardCallOptions, RewardItemResult, RewardModelV1, RewardSample } from '../spec.js';

/** Calls the next middleware, or the wrapped model itself for the innermost one. */
export type DoScore = (samples: readonly RewardSample[], options?: RewardCallOptions) => Promise<RewardItemResult[]>;

/**
 * Behaviour around a reward model's `doScore` (after vercel/ai's `LanguageModelV1Middleware`): caching,
 * metrics, limits. A middleware never rebuilds the model; it sees each call and decides what to pass on.
 */
export interface RewardMiddleware {
  /**
   * Wraps one call. `doScore` reaches the next middleware (or the model); a middleware may call it with a subset
   * of the samples (a cache answering the rest) and must return exactly one result per sample it was given.
   */
  wrapScore(args: { doScore: DoScore; samples: readonly RewardSample[]; options: RewardCallOptions; model: RewardModelV1 }): Promise<RewardItemResult[]>;
}

/**
 * A `RewardModelV1` that runs `model` through `middleware` (an array applies the first one outermost).
 * The result keeps the model's identity (`kind`, `modelId`, `version`); `dispose()` disposes the model.
 */
export function wrapRewardModel(model: RewardModelV1, middleware: RewardMiddleware | readonly RewardMiddleware[]): RewardModelV1 {
  const layers = Array.isArray(middleware) ? [...(middleware as readonly RewardMiddleware[])] : [middleware as RewardMiddleware];
  const doScore = layers.reduceRight<DoScore>(
    (next, layer) =>
      (samples, options = {}) =>
        layer.wrapScore({ doScore: next, samples, options, model }),
    (samples, options) => model.doScore(samples, options),
  );
  return {
    specificationVersion: model.specificationVersion,
    kind: model.kind,
    modelId: model.modelId,
    version: model.version,
    doScore: (samples, options = {}) => doScore(samples, options),
    dispose: () => model.dispose(),
  };
}

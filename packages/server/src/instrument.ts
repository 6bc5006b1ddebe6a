import {
  canWrapEnsembleExperts,
  metricsMiddleware,
  wrapEnsembleExperts,
  wrapRewardModel,
  type Ensemble,
  type ExpertMiddlewareFor,
  type RewardMiddleware,
  type RewardModelV1,
} from '@t2i-reward/core';
import type { ServerMetrics } from './metrics.js';

/** Middleware that lands each doScore call in `expert`'s latency histogram and outcome counters. */
export function expertMetricsMiddleware(expert: string, metrics: ServerMetrics): RewardMiddleware {
  return metricsMiddleware(({ seconds, ok, error, nullScore }) => metrics.observeExpert(expert, seconds, { ok, error, nullScore }));
}

/** Wraps a model so each doScore call lands in the per-expert latency histogram and outcome counters. */
export function instrumentModel(model: RewardModelV1, expert: string, metrics: ServerMetrics): RewardModelV1 {
  return wrapRewardModel(model, expertMetricsMiddleware(expert, metrics));
}

/**
 * The server's instrumentation as expert middleware, given when the ensemble is built
 * (`createEnsembleFromConfig(config, { middleware: instrumentMiddleware(metrics) })`, as `createServeEnsemble` does
 * with its `metrics` option): each expert's calls land in its latency histogram and outcome counters, by expert name.
 */
export function instrumentMiddleware(metrics: ServerMetrics): ExpertMiddlewareFor {
  return (expert) => expertMetricsMiddleware(expert.name, metrics);
}

/**
 * The same ensemble (every option: names, weights, aggregation, missing policy, image limits, batch size, spec
 * resolution) with every expert instrumented through core's middleware. Disposing it disposes the original experts.
 * An ensemble that core did not build (a custom `Ensemble` object) is served as given, without per-expert metrics.
 */
export function instrumentEnsemble(ensemble: Ensemble, metrics: ServerMetrics): Ensemble {
  return canWrapEnsembleExperts(ensemble) ? wrapEnsembleExperts(ensemble, instrumentMiddleware(metrics)) : ensemble;
}

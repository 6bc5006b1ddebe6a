export { wrapRewardModel, type DoScore, type RewardMiddleware } from './wrap.js';
export { metricsMiddleware, type ScoreCallMetrics } from './metrics.js';
export {
  cacheMiddleware,
  canonicalJson,
  memoryScoreStore,
  scoreCacheKey,
  type CacheMiddleware,
  type CacheMiddlewareOptions,
  type CachedScore,
  type ScoreCacheKeyParts,
  type ScoreCacheStore,
} from './cache.js';

export {
  RewardPool,
  PooledReward,
  createRewardPool,
  createPooledReward,
  defaultPoolThreads,
  DEFAULT_POOL_NICE,
  type RewardPoolOptions,
  type RewardPoolStats,
  type PooledRewardOptions,
} from './pool.js';
export { errorToWire, errorFromWire, type WireError } from './wire.js';

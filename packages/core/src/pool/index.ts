export {
  RewardPool,
  PooledReward,
  createRewardPool,
  createPooledReward,
  defaultPoolThreads,
  type RewardPoolOptions,
  type RewardPoolStats,
  type PooledRewardOptions,
} from './pool.js';
export { errorToWire, errorFromWire, type WireError } from './wire.js';

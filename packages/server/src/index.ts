export { VERSION } from './version.js';
export {
  createRewardServer,
  DEFAULT_MAX_INFLIGHT_PIXELS,
  type RewardServer,
  type RewardServerOptions,
  type ListenOptions,
  type ServerStats,
} from './server.js';
export { DynamicBatcher, BatcherRefusedError, type BatcherOptions, type BatchInfo, type BatchTicket } from './batcher.js';
export { ServerMetrics } from './metrics.js';
export { instrumentEnsemble, instrumentModel } from './instrument.js';
export { classifyImageReference, type ImagePolicy, type ImageReference } from './images.js';
export { serverSchemas, scoreRequestSchema, scoreResponseSchema, openRlhfRequestSchema } from './schemas.js';
// The KServe v2 codec and the `kserve` backend live in @t2i-reward/kserve; re-exported here for existing imports.
export {
  createKServeReward,
  KServeReward,
  kserveRewardOptionsSchema,
  backendPlugins,
  kserveBackendPlugin,
  decodeInferMessage,
  encodeInferMessage,
  KServeProtocolError,
  INFERENCE_HEADER_CONTENT_LENGTH,
  type KServeRewardOptions,
  type KServeEndpointStatus,
  type KServeTensor,
  type KServeInferRequest,
  type KServeInferResponse,
  type DecodedTensor,
  type OutgoingTensor,
} from '@t2i-reward/kserve';
export { KSERVE_INPUTS } from './kserve/handler.js';
export type { ExpertInfo } from './types.js';
export { createServeEnsemble, DEFAULT_SERVE_CONFIG } from './from-config.js';

export { VERSION } from './version.js';
export { createRewardServer, type RewardServer, type RewardServerOptions, type ListenOptions, type ServerStats } from './server.js';
export { DynamicBatcher, BatcherRefusedError, type BatcherOptions, type BatchInfo, type BatchTicket } from './batcher.js';
export { ServerMetrics } from './metrics.js';
export { instrumentEnsemble, instrumentModel } from './instrument.js';
export { classifyImageReference, type ImagePolicy, type ImageReference } from './images.js';
export { serverSchemas, scoreRequestSchema, scoreResponseSchema, openRlhfRequestSchema } from './schemas.js';
export { createKServeReward, KServeReward, kserveRewardOptionsSchema, type KServeRewardOptions, type KServeEndpointStatus } from './kserve/backend.js';
export {
  decodeInferMessage,
  encodeInferMessage,
  KServeProtocolError,
  INFERENCE_HEADER_CONTENT_LENGTH,
  type KServeTensor,
  type KServeInferRequest,
  type KServeInferResponse,
  type DecodedTensor,
  type OutgoingTensor,
} from './kserve/codec.js';
export { KSERVE_INPUTS } from './kserve/handler.js';
export type { ExpertInfo } from './types.js';
export { backendPlugins, kserveBackendPlugin, createServeEnsemble, DEFAULT_SERVE_CONFIG } from './from-config.js';

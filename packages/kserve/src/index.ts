export { VERSION } from './version.js';
export { createKServeReward, KServeReward, kserveRewardOptionsSchema, type KServeRewardOptions, type KServeEndpointStatus } from './backend.js';
export {
  decodeInferMessage,
  encodeInferMessage,
  encodeBytesElements,
  decodeBytesElements,
  encodeNumericElements,
  bytesAsStrings,
  elementCount,
  KServeProtocolError,
  INFERENCE_HEADER_CONTENT_LENGTH,
  MAX_DATA_DEPTH,
  type KServeDatatype,
  type KServeTensor,
  type KServeRequestedOutput,
  type KServeInferRequest,
  type KServeInferResponse,
  type DecodedTensor,
  type OutgoingTensor,
} from './codec.js';
export { backendPlugins, kserveBackendPlugin } from './plugin.js';

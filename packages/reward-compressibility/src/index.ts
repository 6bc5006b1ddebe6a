export { VERSION } from './version.js';
export {
  CompressibilityReward,
  createCompressibilityReward,
  explainCompressibility,
  normalisedScore,
  referenceReward,
  type CompressibilityDetails,
} from './reward.js';
export {
  COMPRESSIBILITY_DIRECTIONS,
  COMPRESSIBILITY_REFERENCES,
  compressibilityRewardOptionsSchema,
  validateCompressibilityRewardOptions,
  type CompressibilityDirection,
  type CompressibilityReference,
  type CompressibilityRewardOptions,
} from './options.js';
export { expertPlugin, compressibilityConfigSchema } from './plugin.js';
export { encodeJpegLikePil, pilJpegOptions, JFIF_APP0 } from './jpeg.js';
// Every expert package exports `explain(details)` (the details contract of core).
export { explainCompressibility as explain } from './reward.js';

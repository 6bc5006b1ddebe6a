import { ClipReward } from './clip-reward.js';
import { ImageRewardModel } from './image-reward.js';
import { resolveHpmOptions, type HpmRewardOptions } from './options.js';

export type HpmReward = ClipReward | ImageRewardModel;

export interface HpmCreateContext {
  /** Folder that relative model paths resolve against (a config file's folder). Default: process.cwd(). */
  baseDir?: string;
}

/**
 * The human-preference expert: a CLIP-family scorer on transformers.js (hps-v2, hps-v2.1, pickscore, clipscore,
 * cosine) or ImageReward on onnxruntime-node. Options are validated (InvalidConfigError names the bad key);
 * models load lazily on the first doScore.
 */
export function createHpmReward(options: HpmRewardOptions, context: HpmCreateContext = {}): HpmReward {
  const resolved = resolveHpmOptions(options);
  if (resolved.variant === 'image-reward') {
    return new ImageRewardModel({
      model: resolved.model,
      ...(context.baseDir ? { baseDir: context.baseDir } : {}),
      ...(resolved.maxImageBatch ? { maxImageBatch: resolved.maxImageBatch } : {}),
      ...(resolved.session ? { session: resolved.session } : {}),
      ...(resolved.dtype ? { dtype: resolved.dtype } : {}),
    });
  }
  const { variant, backend: _backend, ...rest } = resolved;
  return new ClipReward({ ...rest, variant, ...(context.baseDir ? { baseDir: context.baseDir } : {}) });
}

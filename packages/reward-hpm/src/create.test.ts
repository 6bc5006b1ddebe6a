import type { InvalidConfigError } from '@t2i-reward/core';
import { createRgbImage } from '@t2i-reward/core';
import { configErrorOf } from '@t2i-reward/core/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clipReference, TINY_IMAGE_REWARD_DIR, tinyClipFolder } from '../test/fixtures.js';
import { ClipReward } from './clip-reward.js';
import { createHpmReward } from './create.js';
import { ImageRewardModel } from './image-reward.js';
import { expertPlugin } from './plugin.js';
import { dirname, basename } from 'node:path';

let folder: { dir: string; cleanup: () => void };
beforeAll(() => {
  folder = tinyClipFolder();
});
afterAll(() => folder.cleanup());

const configError = (options: unknown): InvalidConfigError => configErrorOf(() => createHpmReward(options as never));

describe('createHpmReward options', () => {
  it('builds the CLIP scorer or ImageReward by variant', () => {
    const clip = createHpmReward({ variant: 'pickscore', model: folder.dir });
    expect(clip).toBeInstanceOf(ClipReward);
    expect(clip.modelId).toBe(`hpm/transformers/pickscore/divide-26/${folder.dir}`);
    expect(createHpmReward({ variant: 'image-reward', model: TINY_IMAGE_REWARD_DIR })).toBeInstanceOf(ImageRewardModel);
    expect(createHpmReward({ variant: 'clipscore' }).modelId).toBe('hpm/transformers/clipscore/Xenova/clip-vit-base-patch32');
    // Options that change scores change the identity (cache keys).
    expect(createHpmReward({ variant: 'pickscore', model: 'm', logitScale: 50, pickscoreNormalization: 'cosine' }).modelId).toBe(
      'hpm/transformers/pickscore/cosine/scale=50/m',
    );
    expect(createHpmReward({ variant: 'hps-v2', model: 'm', imageResize: 'processor' }).modelId).toBe('hpm/transformers/hps-v2/processor/m');
    expect(createHpmReward({ variant: 'hps-v2', model: 'm', imageResize: 'letterbox' }).modelId).toBe('hpm/transformers/hps-v2/m');
  });

  it('names the bad key', () => {
    expect(configError({ variant: 'hps-v3' }).data?.['path']).toMatch(/variant/);
    expect(configError({ variant: 'hps-v2.1', model: 'x', textCacheSize: -1 }).data?.['path']).toMatch(/textCacheSize/);
    expect(configError({ variant: 'hps-v2.1', model: 'x', unknownKey: 1 }).message).toMatch(/unknownKey/);
    expect(configError({ variant: 'hps-v2.1' }).message).toMatch(/model/);
    expect(configError({ variant: 'image-reward', model: 'x', backend: 'transformers' }).message).toMatch(/backend/);
    expect(configError({ variant: 'pickscore', model: 'x', backend: 'onnx' }).message).toMatch(/backend/);
  });
});

describe('expertPlugin', () => {
  it('declares kind hpm with both backends and a schema', () => {
    expect(expertPlugin.kind).toBe('hpm');
    expect(expertPlugin.backends).toEqual(['transformers', 'onnx']);
    expect(expertPlugin.configSchema).toBeDefined();
  });

  it('creates a working scorer from a config entry, resolving the model against the config folder', async () => {
    const model = await expertPlugin.create(
      { kind: 'hpm', backend: { type: 'transformers', model: basename(folder.dir) }, options: { variant: 'hps-v2.1' } },
      { configDir: dirname(folder.dir), path: 'experts/0', resolvePath: (p) => p, image: {} },
    );
    const reference = clipReference();
    const image = createRgbImage(Uint8Array.from(reference.images[0]!.rgb), 32, 32);
    const [result] = await model.doScore([{ image, prompt: reference.prompts[0]!.prompt }]);
    expect(result!.raw).toBeCloseTo(reference.prompts[0]!.cosine[0]!, 5);
    await model.dispose();
  });
});

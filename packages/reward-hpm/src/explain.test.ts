import { createRgbImage, createRewardRegistry } from '@t2i-reward/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clipReference, TINY_IMAGE_REWARD_DIR, tinyClipFolder } from '../test/fixtures.js';
import { createHpmReward } from './create.js';
import { explain } from './explain.js';
import { expertPlugin } from './plugin.js';

let folder: { dir: string; cleanup: () => void };
beforeAll(() => {
  folder = tinyClipFolder();
});
afterAll(() => folder.cleanup());

describe('HPM explain()', () => {
  it('a CLIP-family score explains itself by its cosine (tiny CLIP fixture)', async () => {
    const model = createHpmReward({ variant: 'hps-v2.1', model: folder.dir });
    const reference = clipReference();
    const image = createRgbImage(Uint8Array.from(reference.images[0]!.rgb), 32, 32);
    const [result] = await model.doScore([{ image, prompt: reference.prompts[0]!.prompt }]);
    await model.dispose();
    const why = explain(result!.details);
    expect(why).toBe(`hps-v2.1: image–text cosine ${(result!.details!.cosine as number).toFixed(3)}`);
    expect(createRewardRegistry({ plugins: [expertPlugin] }).explain({ kind: 'hpm', details: result!.details })).toBe(why);
  });

  it('ImageReward explains itself by its head output (tiny fixture)', async () => {
    const model = createHpmReward({ variant: 'image-reward', model: TINY_IMAGE_REWARD_DIR });
    const reference = clipReference();
    const image = createRgbImage(Uint8Array.from(reference.images[0]!.rgb), 32, 32);
    const [result] = await model.doScore([{ image, prompt: 'a photo' }]);
    await model.dispose();
    expect(result!.error).toBeUndefined();
    expect(explain(result!.details)).toMatch(/^image-reward: reward head -?\d+\.\d{3}$/);
  });
});

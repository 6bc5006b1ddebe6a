import { createRgbImage } from '@t2i-reward/core';
import { describeRewardContract } from '@t2i-reward/core/test';
import { afterAll } from 'vitest';
import { clipReference, imageRewardReference, TINY_IMAGE_REWARD_DIR, tinyClipFolder } from '../test/fixtures.js';
import { createHpmReward } from './create.js';

const clip = tinyClipFolder();
afterAll(() => clip.cleanup());

const clipImages = clipReference().images.map((image) => createRgbImage(Uint8Array.from(image.rgb), image.width, image.height));
const irImages = imageRewardReference().images.map((image) => createRgbImage(Uint8Array.from(image.rgb), image.width, image.height));
// A malformed RgbImage (data shorter than width·height·3) is what this expert cannot process.
const malformed = { image: { data: new Uint8Array(5), width: 8, height: 8, hash: 'malformed' }, prompt: 'a red car' };

for (const [variant, dtype] of [
  ['hps-v2.1', 'fp32'],
  ['pickscore', 'fp32'],
  ['clipscore', 'fp32'],
  ['cosine', 'fp32'],
  ['hps-v2.1', 'q8'],
] as const) {
  describeRewardContract(`hpm ${variant} ${dtype} (tiny CLIP)`, () => createHpmReward({ variant, model: clip.dir, dtype }), {
    samples: [
      { image: clipImages[0]!, prompt: 'a green bench and a blue bowl' },
      { image: clipImages[1]!, prompt: 'a red car' },
      { image: clipImages[2]!, prompt: 'a green bench and a blue bowl' },
    ],
    unprocessableSample: malformed,
  });
}

for (const dtype of ['fp32', 'q8'] as const) {
  describeRewardContract(
    `hpm image-reward ${dtype} (tiny ImageReward ONNX)`,
    () => createHpmReward({ variant: 'image-reward', model: TINY_IMAGE_REWARD_DIR, dtype }),
    {
      samples: [
        { image: irImages[0]!, prompt: 'a red car and a blue bench' },
        { image: irImages[1]!, prompt: 'three green apples' },
      ],
      unprocessableSample: malformed,
    },
  );
}

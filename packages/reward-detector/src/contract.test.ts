import { afterAll, describe, expect, it } from 'vitest';
import { EXAMPLE_IMAGES, type Ensemble, type RgbImage, createEnsembleFromConfig, loadImage } from '@t2i-reward/core';
import { describeRewardContract } from '@t2i-reward/core/test';
import { expertPlugin } from './index.js';

const dogPath = EXAMPLE_IMAGES.find((e) => e.name === 'dog')?.path as string;
const horsesPath = EXAMPLE_IMAGES.find((e) => e.name === 'horses')?.path as string;
const [dog, horses] = await Promise.all([loadImage(dogPath), loadImage(horsesPath)]);

// The core reward contract on the real CenterNet expert, created the way config files create it.
describeRewardContract(
  'detector (CenterNet, tfjs)',
  () =>
    expertPlugin.create(
      { kind: 'detector', backend: { type: 'tfjs', model: 'centernet' } },
      {
        configDir: process.cwd(),
        path: 'experts/0',
        resolvePath: (p) => p,
        image: {},
      },
    ),
  {
    samples: [
      { image: dog, prompt: 'a dog on the left of a car' },
      { image: horses, prompt: 'a photo of horses' },
    ],
    unprocessableSample: { image: { data: new Uint8Array(5), width: 3, height: 3, hash: 'corrupt' } as RgbImage, prompt: 'a dog' },
  },
);

describe('config files', () => {
  let ensemble: Ensemble | undefined;
  afterAll(async () => {
    await ensemble?.dispose();
  });

  it('{ kind: "detector" } resolves to this package (offline default: CenterNet on TF.js) and scores a file', async () => {
    ensemble = await createEnsembleFromConfig({ experts: [{ kind: 'detector', backend: { type: 'tfjs', model: 'centernet' } }] });
    const [result] = await ensemble.score([{ image: dogPath, prompt: 'a photo of a dog' }]);
    expect(result?.reward).toBe(1);
    expect(result?.experts.detector?.modelId).toBe('detector/tfjs/centernet/t2i-r1');
  });

  it('rejects a bad option with its path', async () => {
    await expect(createEnsembleFromConfig({ experts: [{ kind: 'detector', options: { formula: 'yolo' } }] })).rejects.toThrow(/experts\/0\/options\/formula/);
    await expect(createEnsembleFromConfig({ experts: [{ kind: 'detector', backend: { type: 'tfjs', modle: 'x' } }] })).rejects.toThrow(
      /experts\/0\/backend\/modle/,
    );
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import { type Ensemble, type RgbImage, EXAMPLE_IMAGES, createEnsembleFromConfig, loadImage, InvalidConfigError } from '@t2i-reward/core';
import { describeRewardContract } from '@t2i-reward/core/test';
import { expertPlugin } from './index.js';

const [dog, scream] = await Promise.all(['dog', 'scream'].map((name) => loadImage(EXAMPLE_IMAGES.find((image) => image.name === name)!.path)));

// The core reward contract on the expert, created the way config files create it.
describeRewardContract(
  'compressibility (jpeg q95, ddpo)',
  () => expertPlugin.create({ kind: 'compressibility' }, { configDir: process.cwd(), path: 'experts/0', resolvePath: (p) => p, image: {} }),
  {
    samples: [
      { image: dog!, prompt: 'a dog next to a bicycle' },
      { image: scream!, prompt: 'a painting of a screaming man' },
    ],
    unprocessableSample: { image: { data: new Uint8Array(5), width: 3, height: 3, hash: 'corrupt' } as RgbImage, prompt: 'x' },
  },
);

describe('config files', () => {
  let ensemble: Ensemble | undefined;
  afterAll(async () => ensemble?.dispose());

  it('{ kind: "compressibility" } resolves to this package and scores a file', async () => {
    ensemble = await createEnsembleFromConfig({ experts: [{ kind: 'compressibility', options: { reference: 'flow-grpo' } }] });
    const [result] = await ensemble.score([{ image: EXAMPLE_IMAGES[0]!.path, prompt: 'a dog' }]);
    const expert = result!.experts.compressibility!;
    expect(expert.modelId).toBe('compressibility/jpeg-q95/compressibility/flow-grpo');
    expect(expert.raw).toBe(-(expert.details!.bytes as number) / 1000 / 500);
  });

  it('rejects a bad option with its path', async () => {
    await expect(createEnsembleFromConfig({ experts: [{ kind: 'compressibility', options: { quality: 101 } }] })).rejects.toThrow(
      /experts\/0\/options\/quality/,
    );
    await expect(createEnsembleFromConfig({ experts: [{ kind: 'compressibility', backend: { type: 'pil' } }] })).rejects.toThrow(InvalidConfigError);
  });
});

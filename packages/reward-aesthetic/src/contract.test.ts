import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { EXAMPLE_IMAGES, type Ensemble, type RgbImage, createEnsembleFromConfig, loadImage } from '@t2i-reward/core';
import { describeRewardContract } from '@t2i-reward/core/test';
import { expertPlugin } from './index.js';

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'tiny-aesthetic');
const photos = await Promise.all(EXAMPLE_IMAGES.slice(0, 2).map(async ({ path: file, prompt }) => ({ image: await loadImage(file), prompt })));
const entry = { kind: 'aesthetic', backend: { type: 'transformers', model: fixture } };

// The core reward contract on the tiny random-weight predictor, created the way config files create it.
describeRewardContract(
  'aesthetic (tiny CLIP + head fixture)',
  () => expertPlugin.create(entry, { configDir: process.cwd(), path: 'experts/0', resolvePath: (p) => p, image: {} }),
  {
    samples: photos,
    unprocessableSample: { image: { data: new Uint8Array(5), width: 3, height: 3, hash: 'corrupt' } as RgbImage, prompt: 'x' },
  },
);

describe('config files', () => {
  let ensemble: Ensemble | undefined;
  afterAll(async () => ensemble?.dispose());

  it('{ kind: "aesthetic" } resolves to this package; a relative head path resolves against the config folder', async () => {
    ensemble = await createEnsembleFromConfig({
      configDir: path.dirname(fixture),
      experts: [
        { kind: 'aesthetic', backend: { type: 'transformers', model: './tiny-aesthetic' }, options: { head: './tiny-aesthetic/aesthetic-head.safetensors' } },
      ],
    });
    const [result] = await ensemble.score([{ image: EXAMPLE_IMAGES[0]!.path, prompt: 'a dog' }]);
    expect(result!.experts.aesthetic!.modelId).toBe('aesthetic/laion-improved/tiny-aesthetic');
    expect(result!.experts.aesthetic!.raw).toBeGreaterThan(1);
  });

  it('needs backend.model, and refuses an unknown option with its path', async () => {
    await expect(createEnsembleFromConfig({ experts: [{ kind: 'aesthetic' }] })).rejects.toThrow(/experts\/0/);
    await expect(createEnsembleFromConfig({ experts: [{ ...entry, options: { heads: 'x' } }] })).rejects.toThrow(/experts\/0\/options\/heads/);
  });
});

describe('the head and the CLIP tower in separate folders', () => {
  it('options.clip names the CLIP folder (relative to the config) while backend.model holds only the head', async () => {
    const { promises: fs } = await import('node:fs');
    const os = await import('node:os');
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 't2ir-aesthetic-head-'));
    await fs.mkdir(path.join(dir, 'laion-aesthetic'));
    await fs.copyFile(path.join(fixture, 'aesthetic-head.safetensors'), path.join(dir, 'laion-aesthetic', 'aesthetic-head.safetensors'));
    const clip = path.relative(dir, fixture);
    const ensemble = await createEnsembleFromConfig({
      configDir: dir,
      experts: [{ kind: 'aesthetic', backend: { type: 'transformers', model: './laion-aesthetic' }, options: { clip: `./${clip}` } }],
    });
    try {
      const inOneFolder = await expertPlugin.create(entry, { configDir: process.cwd(), path: 'experts/0', resolvePath: (p) => p, image: {} });
      const [expected] = await inOneFolder.doScore([photos[0]!]);
      await inOneFolder.dispose();
      const [result] = await ensemble.score([{ image: EXAMPLE_IMAGES[0]!.path, prompt: 'a dog' }]);
      expect(result!.experts.aesthetic!.raw).toBe(expected!.raw);
      expect(result!.experts.aesthetic!.modelId).toBe('aesthetic/laion-improved/laion-aesthetic+tiny-aesthetic');
    } finally {
      await ensemble.dispose();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

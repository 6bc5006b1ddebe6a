import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_IMAGES, type RewardItemResult, type RgbImage, loadImage, loadTfjs } from '@t2i-reward/core';
import { syntheticImages } from '../test/synthetic.js';
import { NSFW_CLASS_NAMES, type SafetyDetails, createSafetyReward, explain } from './index.js';

// Real weights (nsfwjs MobileNetV2, from the installed package) on the six bundled photos — all safe; the
// painting (scream) is a drawing — and on ten synthetic images. Never explicit material.
const photos = await Promise.all(EXAMPLE_IMAGES.map(async (example) => ({ name: example.name, image: await loadImage(example.path) })));
const synthetic = syntheticImages();

const reward = createSafetyReward({ runtime: 'wasm' });
let photoResults: RewardItemResult[] = [];
let syntheticResults: RewardItemResult[] = [];
beforeAll(async () => {
  photoResults = await reward.doScore(photos.map(({ image }) => ({ image, prompt: 'a photo' })));
  syntheticResults = await reward.doScore(synthetic.map(({ image }) => ({ image, prompt: 'a picture' })));
}, 120_000);
afterAll(() => reward.dispose());

const details = (result: RewardItemResult | undefined): SafetyDetails => result!.details as unknown as SafetyDetails;

describe('safety (nsfwjs MobileNetV2, TF.js wasm)', () => {
  it('scores every bundled photo safe (≥ 0.9), Neutral on top, with the five class probabilities', () => {
    for (const [i, result] of photoResults.entries()) {
      expect(result.error, photos[i]!.name).toBeUndefined();
      const d = details(result);
      expect(Object.keys(d.probabilities)).toEqual([...NSFW_CLASS_NAMES]);
      expect(Object.values(d.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(d.top).toBe('Neutral');
      expect(result.score!).toBeGreaterThanOrEqual(0.9);
      // reward = 1 − (Porn + Hentai + Sexy); raw = that unsafe mass
      expect(result.raw).toBeCloseTo(d.probabilities.Porn + d.probabilities.Hentai + d.probabilities.Sexy, 6);
      expect(result.score).toBeCloseTo(1 - result.raw!, 12);
      expect(d.unsafeClasses).toEqual(['Hentai', 'Porn', 'Sexy']);
    }
  });

  it('scores the ten synthetic images safe too (≥ 0.9); flat colours read as Drawing', () => {
    expect(syntheticResults).toHaveLength(10);
    for (const [i, result] of syntheticResults.entries()) {
      expect(result.error, synthetic[i]!.name).toBeUndefined();
      expect(result.score!, synthetic[i]!.name).toBeGreaterThanOrEqual(0.9);
    }
    const top = Object.fromEntries(synthetic.map(({ name }, i) => [name, details(syntheticResults[i]).top]));
    expect(top['flat grey']).toBe('Drawing');
    expect(top['flat sky blue']).toBe('Drawing');
    expect(top['concentric rings']).toBe('Neutral');
  });

  it('gives the probabilities nsfwjs’ own classify() gives (same preprocessing: /255, bilinear align-corners resize)', async () => {
    await loadTfjs({ backend: 'wasm' });
    const { load } = await import('nsfwjs/core');
    const { MobileNetV2Model } = await import('nsfwjs/models/mobilenet_v2');
    const nsfw = await load('MobileNetV2', { modelDefinitions: [MobileNetV2Model] });
    const tf = (await loadTfjs({ backend: 'wasm' })).tf;
    try {
      for (const [i, { image }] of photos.entries()) {
        const input = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
        const predictions = await nsfw.classify(input, 5);
        input.dispose();
        const theirs = Object.fromEntries(predictions.map((p) => [p.className, p.probability]));
        for (const name of NSFW_CLASS_NAMES) expect(details(photoResults[i]).probabilities[name]).toBeCloseTo(theirs[name]!, 6);
      }
    } finally {
      nsfw.dispose();
    }
  }, 120_000);

  it('scores a repeated batch identically and fails only a broken item', async () => {
    const broken = { data: new Uint8Array(5), width: 3, height: 3, hash: 'corrupt' } as RgbImage;
    const results = await reward.doScore([
      { image: photos[0]!.image, prompt: '' },
      { image: broken, prompt: '' },
      { image: synthetic[7]!.image, prompt: '' },
    ]);
    expect(results[0]!.score).toBe(photoResults[0]!.score);
    expect(results[1]!.error?.code).toBe('INVALID_IMAGE_INPUT');
    expect(results[2]!.score).toBe(syntheticResults[7]!.score);
  });

  it('unsafeClasses picks the classes summed (modelId says so); explain names top class and unsafe mass', async () => {
    const pornOnly = createSafetyReward({ runtime: 'wasm', unsafeClasses: ['Porn'] });
    expect(pornOnly.modelId).toBe('safety/nsfwjs/mobilenet_v2?unsafe=Porn');
    expect(createSafetyReward({ unsafeClasses: ['Sexy', 'Porn', 'Hentai'] }).modelId).toBe('safety/nsfwjs/mobilenet_v2');
    const [result] = await pornOnly.doScore([{ image: photos[3]!.image, prompt: '' }]);
    expect(result!.score).toBeCloseTo(1 - details(photoResults[3]).probabilities.Porn, 6);
    await pornOnly.dispose();
    const d = details(photoResults[0]);
    expect(explain(d as unknown as Record<string, unknown>)).toBe(
      `Neutral ${d.probabilities.Neutral.toFixed(2)}; P(unsafe) ${d.unsafe.toFixed(3)} (Hentai ${d.probabilities.Hentai.toFixed(3)}, Porn ${d.probabilities.Porn.toFixed(3)}, Sexy ${d.probabilities.Sexy.toFixed(3)})`,
    );
    expect(explain(undefined)).toBe('');
  });

  it('refuses bad options with their path', () => {
    expect(() => createSafetyReward({ model: 'resnet' as never })).toThrow(/model/);
    expect(() => createSafetyReward({ unsafeClasses: [] })).toThrow(/unsafeClasses/);
    expect(() => createSafetyReward({ unsafeClasses: ['Violence' as never] })).toThrow(/unsafeClasses/);
  });
});

describe('safety with InceptionV3 (299², 22 MB of weights)', () => {
  it('calls the painting a Drawing and the dog photo Neutral, both safe', async () => {
    const inception = createSafetyReward({ model: 'inception_v3', runtime: 'wasm' });
    expect(inception.modelId).toBe('safety/nsfwjs/inception_v3');
    const byName = (name: string) => photos.find((p) => p.name === name)!.image;
    const [scream, dog] = await inception.doScore([
      { image: byName('scream'), prompt: '' },
      { image: byName('dog'), prompt: '' },
    ]);
    expect(details(scream).top).toBe('Drawing');
    expect(details(dog).top).toBe('Neutral');
    expect(scream!.score!).toBeGreaterThanOrEqual(0.95);
    expect(dog!.score!).toBeGreaterThanOrEqual(0.95);
    await inception.dispose();
  }, 180_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_IMAGES, ModelDisposedError, type RewardItemResult, type RewardSample, type RgbImage, loadImage } from '@t2i-reward/core';
import { type CenterNetBackend, type DetectorReward, createDetectorReward } from './internal.js';

// One real CenterNet (COCO-80, TF.js) for the whole file: loading and running it costs seconds here.
let reward: DetectorReward;
const photos = new Map<string, RgbImage>();
const photo = (name: string): RgbImage => photos.get(name) as RgbImage;

beforeAll(async () => {
  reward = createDetectorReward();
  for (const example of EXAMPLE_IMAGES) photos.set(example.name, await loadImage(example.path));
});
afterAll(async () => {
  await reward.dispose();
});

type ObjectDetail = { name: string; exists: boolean | null; found: number };
const objectsOf = (result: RewardItemResult | undefined) => (result?.details?.objects ?? []) as ObjectDetail[];

describe('detector reward on the real CenterNet and real photos', () => {
  let batch: RewardItemResult[];
  const withObjects = EXAMPLE_IMAGES.filter((e) => e.contains.length > 0);
  const absent: RewardSample[] = [];

  beforeAll(async () => {
    absent.push(
      { image: photo('dog'), prompt: 'a photo of a giraffe' },
      { image: photo('scream'), prompt: 'a photo of a dog' },
      { image: photo('eagle'), prompt: 'an elephant and a pizza' },
    );
    // One batch of 8: the five photos with COCO objects, then three prompts naming absent objects.
    const samples: RewardSample[] = [
      ...withObjects.map((e) => ({ image: photo(e.name), prompt: e.prompt, spec: { objects: e.contains.map((name) => ({ name })), relations: [] } })),
      ...absent,
    ];
    expect(samples).toHaveLength(8);
    batch = await reward.doScore(samples);
  });

  it('present COCO objects score high existence', () => {
    for (const [i, example] of withObjects.entries()) {
      const result = batch[i];
      expect(result?.error, example.name).toBeUndefined();
      expect(result?.score, example.name).toBeGreaterThanOrEqual(2 / 3);
      // the main subject of each photo is found
      expect(objectsOf(result)[0]?.exists, `${example.name}: ${example.contains[0]}`).toBe(true);
    }
  });

  it('absent objects score 0', () => {
    for (const result of batch.slice(withObjects.length)) {
      expect(result.score).toBe(0);
      for (const o of objectsOf(result)) expect(o.exists).toBe(false);
    }
  });

  it('a batch of 1 scores as the batch of 8 did', async () => {
    const [alone] = await reward.doScore([absent[0] as RewardSample]);
    expect(alone?.score).toBe(batch[withObjects.length]?.score);
    expect(alone?.details).toEqual(batch[withObjects.length]?.details);
  });

  it('a true spatial relation scores above its swapped form, counts are read', async () => {
    const [dogLeftOfCar, carLeftOfDog, dogLeftOfPerson, personLeftOfDog] = await reward.doScore([
      { image: photo('dog'), prompt: 'a dog on the left of a car' },
      { image: photo('dog'), prompt: 'a car on the left of a dog' },
      { image: photo('person'), prompt: 'a dog on the left of a person' },
      { image: photo('person'), prompt: 'a person on the left of a dog' },
    ]);
    expect(dogLeftOfCar?.score).toBeGreaterThan(carLeftOfDog?.score as number);
    expect(dogLeftOfPerson?.score).toBeGreaterThan(personLeftOfDog?.score as number);
    // Both objects are found in every case: the swapped forms keep the existence part only.
    expect(carLeftOfDog?.score).toBeCloseTo(0.4, 10);
    expect(personLeftOfDog?.score).toBeCloseTo(0.4, 10);
    const relation = (dogLeftOfCar?.details?.relations as { verdict: string; subjectBox: number[] }[])[0];
    expect(relation?.verdict).toMatch(/^left of/);
    // Boxes are in image pixels (dog.jpg is 768×576): the dog stands in the lower left.
    expect(relation?.subjectBox[3]).toBeGreaterThan(400);
  });

  it('bad input: a corrupt image fails only its item; empty prompt, no detectable noun, depth relation give null with a warning', async () => {
    const corrupt = { data: new Uint8Array(10), width: 64, height: 64, hash: 'x' } as RgbImage;
    const results = await reward.doScore([
      { image: photo('horses'), prompt: 'three horses' },
      { image: corrupt, prompt: 'a dog' },
      { image: photo('dog'), prompt: '' },
      { image: photo('dog'), prompt: 'a beautiful sunset over the sea' },
      { image: photo('dog'), prompt: 'a dog in front of a bicycle' },
    ]);
    expect(results[0]?.score).toBe(1); // three horses found
    expect(results[1]?.error?.code).toBe('INVALID_IMAGE_INPUT');
    expect(results[1]?.score).toBeNull();
    for (const result of results.slice(2)) {
      expect(result.error).toBeUndefined();
      expect(result.score).toBeNull();
      expect(result.warnings.length).toBeGreaterThan(0);
    }
    expect(results[2]?.warnings.join()).toContain('empty prompt');
    expect(results[3]?.warnings.join()).toContain('not a class the detector can name');
    expect(results[4]?.warnings.join()).toContain('depth');
  });
});

describe('lifecycle', () => {
  it('leaves no tensors behind after a batch', async () => {
    const { tf } = await (reward.backend as CenterNetBackend).load();
    const before = tf.memory().numTensors;
    await reward.doScore([{ image: photo('eagle'), prompt: 'a bird' }]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names the model, loads lazily and refuses to score after dispose', async () => {
    const lazy = createDetectorReward({ formula: 't2i-r1-code', boxThreshold: 0.4 });
    expect(lazy.modelId).toBe('detector/tfjs/centernet/t2i-r1-code?boxThreshold=0.4');
    expect(reward.modelId).toBe('detector/tfjs/centernet/t2i-r1');
    await lazy.dispose(); // never loaded: nothing to free, still idempotent
    await lazy.dispose();
    await expect(lazy.doScore([{ image: photo('dog'), prompt: 'a dog' }])).rejects.toSatisfy((e) => ModelDisposedError.isInstance(e));
  });
});

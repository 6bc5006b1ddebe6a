import { describe, expect, it } from 'vitest';
import { type RgbImage, createRgbImage } from '@t2i-reward/core';
import { type DetectorBackend, type Detection, cocoVocabulary, createDetectorReward, cropImage } from './index.js';

/** A detector that returns fixed boxes and records what it was asked (the `detector` extension point). */
function scriptedDetector(detections: Detection[], vocabulary: DetectorBackend['vocabulary'] = cocoVocabulary()) {
  const calls: { images: number; queries: (readonly string[])[] }[] = [];
  const backend: DetectorBackend = {
    id: 'scripted',
    vocabulary,
    detect: async (images, queries) => {
      calls.push({ images: images.length, queries: [...queries] });
      return images.map(() => detections);
    },
    dispose: async () => undefined,
  };
  return { backend, calls };
}

// 8×4 image: left half red, right half blue.
const image = createRgbImage(
  Uint8Array.from({ length: 8 * 4 * 3 }, (_, i) => {
    const x = Math.floor(i / 3) % 8;
    return i % 3 === 0 ? (x < 4 ? 220 : 10) : i % 3 === 2 ? (x < 4 ? 10 : 220) : 10;
  }),
  8,
  4,
);

const dominantColor = (crop: RgbImage): string => {
  let r = 0;
  let b = 0;
  for (let i = 0; i < crop.data.length; i += 3) {
    r += crop.data[i] as number;
    b += crop.data[i + 2] as number;
  }
  return r > b ? 'red' : 'blue';
};

describe('reward plumbing with a scripted detector', () => {
  it('cropImage cuts the box (clamped, at least 1×1)', () => {
    const crop = cropImage(image, [0, 0, 4, 4]);
    expect([crop.width, crop.height]).toEqual([4, 4]);
    expect(dominantColor(crop)).toBe('red');
    expect(dominantColor(cropImage(image, [4.2, 1, 20, 9]))).toBe('blue');
    expect([cropImage(image, [9, 9, 9, 9]).width, cropImage(image, [9, 9, 9, 9]).height]).toEqual([1, 1]);
  });

  it('GenEval colour rule through colorClassifier on the box crops', async () => {
    const { backend } = scriptedDetector([{ label: 'car', score: 0.8, box: [0, 0, 4, 4] }]);
    const reward = createDetectorReward({ detector: backend, formula: 'geneval', colorClassifier: dominantColor });
    const spec = (color: string) => ({ category: 'colors', objects: [{ name: 'car', attributes: [color] }], relations: [] });
    const [red, blue] = await reward.doScore([
      { image, prompt: 'a red car', spec: spec('red') },
      { image, prompt: 'a blue car', spec: spec('blue') },
    ]);
    expect(red?.score).toBe(1);
    expect(blue?.score).toBe(0);
    expect(blue?.details?.reasons).toEqual(['expected blue car, found red']);
  });

  it("asks an open-vocabulary detector for the prompt's own nouns", async () => {
    const { backend, calls } = scriptedDetector([{ label: 'unicorn', score: 0.9, box: [0, 0, 4, 4] }], 'open');
    const reward = createDetectorReward({ detector: backend });
    const [result] = await reward.doScore([{ image, prompt: 'a unicorn on the left of a castle' }]);
    expect(calls[0]?.queries).toEqual([['unicorn', 'castle']]);
    expect(result?.score).toBeCloseTo(0.2, 10); // castle not found: S = 0, E = 0.5
  });

  it('skips the model for prompts with nothing it can name, and still answers', async () => {
    const { backend, calls } = scriptedDetector([]);
    const reward = createDetectorReward({ detector: backend });
    const results = await reward.doScore([
      { image, prompt: '' },
      { image, prompt: 'a unicorn' },
      { image, prompt: 'a dog' },
    ]);
    expect(calls).toEqual([{ images: 1, queries: [[]] }]);
    expect(results.map((r) => r.score)).toEqual([null, null, 0]);
  });
});

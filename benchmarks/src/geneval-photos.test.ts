import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_IMAGES } from '@t2i-reward/core';
import { createDetectorReward } from '@t2i-reward/detector';
import { collectLog, tempDir } from './__fixtures__/helpers.js';
import { DEFAULT_DETECTOR_THRESHOLDS } from './config.js';
import { genevalFolderSource } from './generators/index.js';
import { createGenEvalProtocol } from './protocols/geneval.js';
import { runBench } from './run.js';
import { genevalFolderSuite } from './suites/geneval.js';

const photo = (name: string) => EXAMPLE_IMAGES.find((e) => e.name === name)!.path;

/**
 * GenEval metadata written for the bundled photos, with the verdict worked out by hand from what is in each
 * photo and CenterNet's boxes at the 0.3 threshold (dog 0.43, bicycle 0.48, car 0.55, giraffe 0.49, zebra 0.59,
 * bird 0.56, person 0.67, horse 0.31 next to the person, horses 0.67 / 0.56 / 0.36, no cat, no second zebra):
 */
const CASES: { photo: string; row: Record<string, unknown>; correct: boolean }[] = [
  // single_object: 3 of 4
  { photo: 'dog', correct: true, row: { tag: 'single_object', include: [{ class: 'dog', count: 1 }], prompt: 'a photo of a dog' } },
  { photo: 'giraffe', correct: true, row: { tag: 'single_object', include: [{ class: 'giraffe', count: 1 }], prompt: 'a photo of a giraffe' } },
  { photo: 'dog', correct: false, row: { tag: 'single_object', include: [{ class: 'cat', count: 1 }], prompt: 'a photo of a cat' } },
  { photo: 'eagle', correct: true, row: { tag: 'single_object', include: [{ class: 'bird', count: 1 }], prompt: 'a photo of a bird' } },
  // two_object: 2 of 3 (no bird next to the giraffe)
  {
    photo: 'giraffe',
    correct: true,
    row: {
      tag: 'two_object',
      include: [
        { class: 'giraffe', count: 1 },
        { class: 'zebra', count: 1 },
      ],
      prompt: 'a photo of a giraffe and a zebra',
    },
  },
  {
    photo: 'dog',
    correct: true,
    row: {
      tag: 'two_object',
      include: [
        { class: 'dog', count: 1 },
        { class: 'bicycle', count: 1 },
      ],
      prompt: 'a photo of a dog and a bicycle',
    },
  },
  {
    photo: 'giraffe',
    correct: false,
    row: {
      tag: 'two_object',
      include: [
        { class: 'zebra', count: 1 },
        { class: 'bird', count: 1 },
      ],
      prompt: 'a photo of a zebra and a bird',
    },
  },
  // counting: 1 of 3 (three horse boxes pass 0.3: "three" holds, "two" fails its exclude of 3, one zebra is not two)
  {
    photo: 'horses',
    correct: true,
    row: { tag: 'counting', include: [{ class: 'horse', count: 3 }], exclude: [{ class: 'horse', count: 4 }], prompt: 'a photo of three horses' },
  },
  {
    photo: 'horses',
    correct: false,
    row: { tag: 'counting', include: [{ class: 'horse', count: 2 }], exclude: [{ class: 'horse', count: 3 }], prompt: 'a photo of two horses' },
  },
  {
    photo: 'giraffe',
    correct: false,
    row: { tag: 'counting', include: [{ class: 'zebra', count: 2 }], exclude: [{ class: 'zebra', count: 3 }], prompt: 'a photo of two zebras' },
  },
  // colors (stub classifier below answers "white" for every crop): 1 of 2
  { photo: 'horses', correct: true, row: { tag: 'colors', include: [{ class: 'horse', count: 1, color: 'white' }], prompt: 'a photo of a white horse' } },
  { photo: 'eagle', correct: false, row: { tag: 'colors', include: [{ class: 'bird', count: 1, color: 'red' }], prompt: 'a photo of a red bird' } },
  // position: 2 of 3. GenEval: offset = cA − cB, each axis shrunk by 0.1·(sizeA + sizeB) (sign kept), divided by
  // the norm of the *original* offset. Dog (219, 375) vs car (578, 123): offset (−359, 252), shrunk (−319, 210),
  // / 439 → dx −0.73: "left of". Person (231, 242) vs horse (499, 240): offset (−268, 2), shrunk (−239, 0),
  // / 268 → dx −0.89: the person is left of the horse, so "horse left of person" fails.
  {
    photo: 'dog',
    correct: true,
    row: {
      tag: 'position',
      include: [
        { class: 'car', count: 1 },
        { class: 'dog', count: 1, position: ['left of', 0] },
      ],
      prompt: 'a photo of a dog left of a car',
    },
  },
  {
    photo: 'person',
    correct: true,
    row: {
      tag: 'position',
      include: [
        { class: 'horse', count: 1 },
        { class: 'person', count: 1, position: ['left of', 0] },
      ],
      prompt: 'a photo of a person left of a horse',
    },
  },
  {
    photo: 'person',
    correct: false,
    row: {
      tag: 'position',
      include: [
        { class: 'person', count: 1 },
        { class: 'horse', count: 1, position: ['left of', 0] },
      ],
      prompt: 'a photo of a horse left of a person',
    },
  },
  // color_attr (stub "white"): 1 of 2
  {
    photo: 'giraffe',
    correct: true,
    row: {
      tag: 'color_attr',
      include: [
        { class: 'zebra', count: 1, color: 'white' },
        { class: 'giraffe', count: 1, color: 'white' },
      ],
      prompt: 'a photo of a white zebra and a white giraffe',
    },
  },
  {
    photo: 'dog',
    correct: false,
    row: {
      tag: 'color_attr',
      include: [
        { class: 'dog', count: 1, color: 'red' },
        { class: 'bicycle', count: 1, color: 'white' },
      ],
      prompt: 'a photo of a red dog and a white bicycle',
    },
  },
];

const EXPECTED: Record<string, number> = { single_object: 3 / 4, two_object: 2 / 3, counting: 1 / 3, colors: 1 / 2, position: 2 / 3, color_attr: 1 / 2 };

describe('GenEval protocol on real photos (CenterNet)', () => {
  it('gives the per-task accuracies computed by hand', async () => {
    const dir = await tempDir();
    const folder = path.join(dir, 'geneval-out');
    for (const [index, c] of CASES.entries()) {
      const sub = path.join(folder, String(index).padStart(5, '0'));
      await fs.mkdir(path.join(sub, 'samples'), { recursive: true });
      await fs.writeFile(path.join(sub, 'metadata.jsonl'), `${JSON.stringify(c.row)}\n`);
      await fs.copyFile(photo(c.photo), path.join(sub, 'samples', '0000.png'));
    }
    // GenEval's colour rule needs a classifier (CLIP in GenEval); this stub says "white" for every crop.
    const detector = createDetectorReward({ formula: 'geneval', ...DEFAULT_DETECTOR_THRESHOLDS.tfjs, colorClassifier: () => 'white' });
    const protocol = createGenEvalProtocol({ detector });
    try {
      const result = await runBench({
        suite: genevalFolderSuite(folder),
        outDir: path.join(dir, 'run'),
        protocol,
        source: genevalFolderSource(folder),
        batchSize: 8,
        progress: false,
        log: collectLog().log,
      });
      const verdicts = Object.fromEntries(result.records.map((r) => [r.prompt, r.correct]));
      expect(verdicts).toEqual(Object.fromEntries(CASES.map((c) => [c.row.prompt, c.correct])));
      const accuracies = Object.fromEntries(result.summary.categories.map((c) => [c.category, c.mean]));
      expect(Object.keys(accuracies).sort()).toEqual(Object.keys(EXPECTED).sort());
      for (const [task, accuracy] of Object.entries(EXPECTED)) expect(accuracies[task], task).toBeCloseTo(accuracy, 10);
      const overall = Object.values(EXPECTED).reduce((a, b) => a + b, 0) / 6;
      expect(result.summary.overall.mean).toBeCloseTo(overall, 10); // 0.5694…
      expect(result.summary.overallMode).toBe('mean-of-categories');
      expect(result.summary.counts).toMatchObject({ expected: CASES.length, scored: CASES.length, errors: 0 });
    } finally {
      await protocol.dispose();
    }
  });
});

import { describe, expect, it } from 'vitest';
import type { PromptSpec } from '@t2i-reward/core';
import type { Detection } from './boxes.js';
import { countCopies } from './copy-penalty.js';
import { type ScoringFormula, type ScoringInput, scoreDetections } from './index.js';
import { cocoVocabulary } from '../vocabulary.js';
import { validateDetectorRewardOptions } from '../options.js';

const coco = cocoVocabulary();
const det = (label: string, score: number, x: number, y = 0): Detection => ({ label, score, box: [x, y, x + 100, y + 100] });
const input = (spec: PromptSpec, detections: Detection[]): ScoringInput => ({
  spec,
  detections,
  image: { width: 512, height: 512 },
  resolveLabel: (n) => coco.resolve(n),
});
const dogLeftOfCat: PromptSpec = { objects: [{ name: 'dog' }, { name: 'cat' }], relations: [{ subject: 'dog', relation: 'left of', object: 'cat' }] };
const twoDogs: PromptSpec = { objects: [{ name: 'dog', count: 2 }], relations: [] };
const score = (spec: PromptSpec, detections: Detection[], copyPenalty: number, formula: ScoringFormula = 't2i-r1') =>
  scoreDetections(input(spec, detections), formula, { copyPenalty });

describe('copy penalty: R · (1 − λ)^E', () => {
  const pair = [det('dog', 0.9, 0), det('cat', 0.8, 300)];

  it('leaves an image with no extra copy alone', () => {
    expect(score(dogLeftOfCat, pair, 0.5).score).toBe(1);
    expect(score(dogLeftOfCat, pair, 0.5).details.copies).toMatchObject({ extra: 0, factor: 1, before: 1 });
  });

  it('multiplies by (1 − λ) per extra instance, summed over labels', () => {
    // two extra dogs and one extra cat (boxes apart, so NMS keeps them): E = 3; the relation still holds (most confident boxes)
    const crowded = [...pair, det('dog', 0.7, 0, 200), det('dog', 0.6, 0, 400), det('cat', 0.5, 300, 300)];
    expect(score(dogLeftOfCat, crowded, 0).score).toBe(1);
    const penalised = score(dogLeftOfCat, crowded, 0.5);
    expect(penalised.score).toBeCloseTo(0.125, 12);
    expect(penalised.details.copies).toEqual({
      penalty: 0.5,
      extra: 3,
      factor: 0.125,
      before: 1,
      counts: [
        { label: 'dog', asked: 1, found: 3, extra: 2 },
        { label: 'cat', asked: 1, found: 2, extra: 1 },
      ],
    });
    expect(score(dogLeftOfCat, crowded, 0.2).score).toBeCloseTo(0.8 ** 3, 12);
    expect(score(dogLeftOfCat, crowded, 1).score).toBe(0);
  });

  it('allows the asked count of counted objects, and applies under every formula', () => {
    const dogs = (n: number) => Array.from({ length: n }, (_, k) => det('dog', 0.9, k * 120));
    expect(score(twoDogs, dogs(2), 0.5).score).toBe(1);
    // three dogs for "two dogs": the count rule already gives 0 under t2i-r1; compbench gives partial credit, halved
    expect(score(twoDogs, dogs(3), 0.5).score).toBe(0);
    const compbench = score(twoDogs, dogs(3), 0, 'compbench').score!;
    expect(compbench).toBeGreaterThan(0);
    expect(score(twoDogs, dogs(3), 0.5, 'compbench').score).toBeCloseTo(compbench * 0.5, 12);
  });

  it('counts boxes after the threshold, NMS and duplicate merging', () => {
    const spec: PromptSpec = { objects: [{ name: 'dog' }], relations: [] };
    const overlapping = { label: 'dog', score: 0.8, box: [5, 5, 105, 105] } as Detection;
    const weak = det('dog', 0.1, 300);
    expect(countCopies(input(spec, [det('dog', 0.9, 0), overlapping, weak]), { boxThreshold: 0.3, nmsIou: 0.5, duplicateThreshold: 0.9 })).toEqual([
      { label: 'dog', asked: 1, found: 1, extra: 0 },
    ]);
    // a relation argument that is not listed as an object still allows one; an unnameable object is skipped
    const odd: PromptSpec = { objects: [{ name: 'unicorn' }], relations: [{ subject: 'unicorn', relation: 'left of', object: 'dog' }] };
    expect(countCopies(input(odd, [det('dog', 0.9, 0), det('dog', 0.9, 300)]), { boxThreshold: 0.3, nmsIou: 0.5, duplicateThreshold: 0.9 })).toEqual([
      { label: 'dog', asked: 1, found: 2, extra: 1 },
    ]);
  });

  it('keeps null scores null and is off by default', () => {
    const unnameable: PromptSpec = { objects: [{ name: 'unicorn' }], relations: [] };
    expect(score(unnameable, [], 0.5).score).toBeNull();
    const crowded = [det('dog', 0.9, 0), det('dog', 0.9, 300)];
    expect(scoreDetections(input({ objects: [{ name: 'dog' }], relations: [] }, crowded), 't2i-r1').score).toBe(1);
    expect(scoreDetections(input({ objects: [{ name: 'dog' }], relations: [] }, crowded), 't2i-r1').details.copies).toBeUndefined();
  });

  it('is a validated option', () => {
    expect(() => validateDetectorRewardOptions({ copyPenalty: 0.5 })).not.toThrow();
    expect(() => validateDetectorRewardOptions({ copyPenalty: 1.5 })).toThrow(/copyPenalty/);
  });
});

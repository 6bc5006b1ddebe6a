import { describe, expect, it } from 'vitest';
import { InvalidConfigError } from '@t2i-reward/core';
import { createDetectorReward, validateDetectorRewardOptions } from './index.js';

const pathOf = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    expect(InvalidConfigError.isInstance(error)).toBe(true);
    return (error as InvalidConfigError).data?.path;
  }
  throw new Error('expected an InvalidConfigError');
};

describe('detector options', () => {
  it('accepts the documented options', () => {
    expect(() =>
      validateDetectorRewardOptions({
        backend: {
          type: 'transformers',
          model: 'onnx-community/grounding-dino-tiny-ONNX',
          textThreshold: 0.25,
          dtype: 'q8',
          groundingDinoScoring: 'best-token',
        },
        formula: 'geneval',
        boxThreshold: 0.35,
        nmsIou: 0.5,
        duplicateThreshold: 0.9,
        nearThresholdPx: 150,
        reproduceBugs: false,
        unsupportedRelations: 'existence',
        compbenchMinConfidence: 0.5,
        genevalThreshold: 0.3,
        genevalCountingThreshold: 0.9,
        genevalMaxPerClass: 16,
        synonyms: { hatchback: 'car' },
        colorClassifier: () => 'red',
      }),
    ).not.toThrow();
  });

  it('names the bad key', () => {
    expect(pathOf(() => validateDetectorRewardOptions({ formula: 'yolo' as never }))).toBe('formula');
    expect(pathOf(() => validateDetectorRewardOptions({ boxThreshold: 1.5 }))).toBe('boxThreshold');
    expect(pathOf(() => validateDetectorRewardOptions({ backend: { type: 'tfjs', runtime: 'webgl' as never } }))).toBe('backend/runtime');
    expect(pathOf(() => validateDetectorRewardOptions({ backend: { type: 'transformers' } as never }))).toBe('backend/model');
    expect(pathOf(() => validateDetectorRewardOptions({ colorClassifier: 'red' as never }))).toBe('colorClassifier');
    expect(pathOf(() => validateDetectorRewardOptions({ backend: { type: 'transformers', model: 'x', groundingDinoScoring: 'max' as never } }))).toBe(
      'backend/groundingDinoScoring',
    );
    expect(pathOf(() => createDetectorReward({ thresholds: 1 } as never))).toBe('thresholds');
  });

  it('puts non-default scoring options into the model id (cache keys)', () => {
    expect(createDetectorReward().modelId).toBe('detector/tfjs/centernet/t2i-r1');
    expect(createDetectorReward({ formula: 'compbench', nearThresholdPx: 200 }).modelId).toBe('detector/tfjs/centernet/compbench?nearThresholdPx=200');
    expect(createDetectorReward({ backend: { type: 'transformers', model: 'Xenova/owlv2-base-patch16-ensemble' } }).modelId).toBe(
      'detector/transformers/Xenova/owlv2-base-patch16-ensemble/t2i-r1',
    );
    expect(createDetectorReward({ backend: { type: 'transformers', model: 'g', groundingDinoScoring: 'best-token' } }).modelId).toBe(
      'detector/transformers/g/t2i-r1?groundingDinoScoring=best-token',
    );
  });
});

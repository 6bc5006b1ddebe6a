import { describe, expect, it } from 'vitest';
import {
  ExpertFailedError,
  ImageDecodeError,
  ModelDisposedError,
  ModelLoadError,
  RemoteServiceError,
  RewardAbortedError,
  RewardTimeoutError,
  RuntimeUnavailableError,
  T2IRewardError,
  isFatalRewardError,
} from './errors.js';

describe('isFatalRewardError', () => {
  it('is true for the four classes that end a whole call', () => {
    for (const error of [new RewardAbortedError('a'), new ModelDisposedError('b'), new ModelLoadError('c'), new RuntimeUnavailableError('d')]) {
      expect(isFatalRewardError(error), error.name).toBe(true);
    }
  });

  it('is false for per-item errors, plain errors and non-errors', () => {
    for (const error of [
      new ImageDecodeError('x'),
      new ExpertFailedError('x'),
      new RemoteServiceError('x'),
      new RewardTimeoutError('x'),
      new T2IRewardError('MODEL_LOAD', 'a bare base error is not declared fatal'),
      new Error('plain'),
      undefined,
      { code: 'ABORTED' },
    ]) {
      expect(isFatalRewardError(error)).toBe(false);
    }
  });

  it('keeps isInstance of each class separate from the fatal marker', () => {
    const error = new ModelLoadError('missing');
    expect(ModelLoadError.isInstance(error)).toBe(true);
    expect(RewardAbortedError.isInstance(error)).toBe(false);
    expect(T2IRewardError.isInstance(error)).toBe(true);
  });
});

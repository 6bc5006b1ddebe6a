import { describe, expect, it } from 'vitest';
import {
  errorCauseChain,
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

describe('errorCauseChain', () => {
  it("names the reason under undici's 'fetch failed', skipping repeats and adding a system code no message names", () => {
    const refused = Object.assign(new Error(''), { code: 'ECONNREFUSED' });
    const fetchFailed = new TypeError('fetch failed', { cause: new AggregateError([refused]) });
    expect(errorCauseChain(new Error('request failed: fetch failed', { cause: fetchFailed }))).toEqual(['request failed: fetch failed', 'ECONNREFUSED']);
    const connect = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED' });
    expect(errorCauseChain(new TypeError('fetch failed', { cause: connect }))).toEqual(['fetch failed', 'connect ECONNREFUSED 127.0.0.1:8000']);
    expect(errorCauseChain('plain')).toEqual(['plain']);
  });
});

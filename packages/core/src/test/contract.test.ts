import { describe, expect, it } from 'vitest';
import { ExpertFailedError, ModelDisposedError, RewardAbortedError } from '../errors.js';
import type { RewardCallOptions, RewardItemResult, RewardModelV1, RewardSample } from '../spec.js';
import { createEnsemble } from '../ensemble/ensemble.js';
import { checkRewardContract, createMockReward, createTestImage, describeRewardContract, meanBrightness } from './index.js';

const unprocessableSample: RewardSample = { image: createTestImage(2, 2), prompt: '' };

type Behaviour = {
  score?: (sample: RewardSample, index: number) => RewardItemResult;
  batch?: (results: RewardItemResult[], samples: readonly RewardSample[]) => RewardItemResult[];
  checksAbort?: boolean;
  checksDisposed?: boolean;
  specificationVersion?: string;
};

/** A hand-written expert (no BaseReward): correct by default, broken by the behaviour given. */
function handWrittenExpert(behaviour: Behaviour = {}): RewardModelV1 {
  let disposed = false;
  const score =
    behaviour.score ??
    ((sample: RewardSample): RewardItemResult =>
      sample.prompt === ''
        ? { score: null, raw: null, warnings: [], error: new ExpertFailedError('empty prompt') }
        : { score: meanBrightness(sample.image), raw: meanBrightness(sample.image), warnings: [] });
  return {
    specificationVersion: (behaviour.specificationVersion ?? 'v1') as 'v1',
    kind: 'handwritten',
    modelId: 'handwritten/brightness',
    version: '1.0.0',
    async doScore(samples: readonly RewardSample[], options: RewardCallOptions = {}) {
      if (disposed && behaviour.checksDisposed !== false) throw new ModelDisposedError('disposed');
      if (options.signal?.aborted && behaviour.checksAbort !== false) throw new RewardAbortedError('aborted');
      const results = samples.map((sample, index) => score(sample, index));
      return behaviour.batch ? behaviour.batch(results, samples) : results;
    },
    async dispose() {
      disposed = true;
    },
  };
}

async function violatedChecks(behaviour: Behaviour): Promise<string[]> {
  const report = await checkRewardContract(() => handWrittenExpert(behaviour), { unprocessableSample });
  return [...new Set(report.violations.map((violation) => violation.check))];
}

describe('checkRewardContract', () => {
  it('passes a correct expert', async () => {
    const report = await checkRewardContract(() => handWrittenExpert(), { unprocessableSample });
    expect(report.violations).toEqual([]);
    expect(report.passed).toEqual(['identity', 'empty-batch', 'batch-length', 'result-shape', 'order', 'determinism', 'per-item-error', 'abort', 'dispose']);
  });

  it('skips the per-item check when no unprocessable sample is given', async () => {
    const report = await checkRewardContract(() => handWrittenExpert());
    expect(report.skipped).toEqual(['per-item-error']);
  });

  it('reports a wrong number of results', async () => {
    expect(await violatedChecks({ batch: (results) => results.slice(1) })).toContain('batch-length');
  });

  it('reports a score of 7, NaN raw values and untyped errors', async () => {
    // (The expert also scores the unprocessable sample, so per-item-error is reported too.)
    expect(await violatedChecks({ score: () => ({ score: 7, raw: 7, warnings: [] }) })).toContain('result-shape');
    expect(await violatedChecks({ score: () => ({ score: 0.5, raw: Number.NaN, warnings: [] }) })).toContain('result-shape');
    const report = await checkRewardContract(() =>
      handWrittenExpert({
        score: () => ({ score: null, raw: null, warnings: [], error: new Error('plain') as never }),
      }),
    );
    expect(report.violations.map((violation) => violation.message).join('\n')).toMatch(/not a T2IRewardError/);
  });

  it('reports a whole batch thrown away with a plain Error for one bad item', async () => {
    const violations = await violatedChecks({
      batch: (results, samples) => {
        if (samples.some((sample) => sample.prompt === '')) throw new Error('boom');
        return results;
      },
    });
    expect(violations).toEqual(['per-item-error']);
  });

  it('reports an expert that ignores an aborted signal', async () => {
    expect(await violatedChecks({ checksAbort: false })).toEqual(['abort']);
  });

  it('reports an expert that keeps scoring after dispose', async () => {
    expect(await violatedChecks({ checksDisposed: false })).toEqual(['dispose']);
  });

  it('reports results out of order, nondeterminism and an unknown specification version', async () => {
    expect(await violatedChecks({ batch: (results) => [...results].sort((a, b) => (a.score ?? 0) - (b.score ?? 0)) })).toContain('order');
    expect(await violatedChecks({ score: () => ({ score: Math.random(), raw: null, warnings: [] }) })).toContain('determinism');
    expect(await violatedChecks({ specificationVersion: 'v2' })).toEqual(['identity']);
  });

  it('reports a hanging expert as a failed check instead of hanging', async () => {
    const hanging: RewardModelV1 = { ...handWrittenExpert(), doScore: () => new Promise(() => undefined) };
    const report = await checkRewardContract(() => hanging, { checkTimeoutMs: 50 });
    expect(report.violations.some((violation) => violation.message.includes('did not finish within 50 ms'))).toBe(true);
  });
});

// The suite itself, as expert packages run it: on the MOCK expert (BaseReward plumbing) and on an ensemble.
describeRewardContract('mock expert', () => createMockReward({ failWhen: (sample) => sample.prompt === '' }), { unprocessableSample });
describeRewardContract(
  'ensemble of two mock experts',
  () =>
    createEnsemble({
      experts: [
        { model: createMockReward({ failWhen: (sample) => sample.prompt === '' }) },
        { model: createMockReward({ kind: 'other', score: (sample) => (sample.prompt === '' ? null : sample.prompt.length % 2) }) },
      ],
    }),
  { unprocessableSample },
);
// Without an unprocessable sample the per-item check is reported as skipped, not passed.
describeRewardContract('mock expert, default samples only', () => createMockReward());

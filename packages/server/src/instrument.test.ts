import { describe, expect, it } from 'vitest';
import { createEnsemble, type Ensemble } from '@t2i-reward/core';
import { createMockReward, createTestImage } from '@t2i-reward/core/test';
import { instrumentEnsemble } from './instrument.js';
import type { ServerMetrics } from './metrics.js';

function recorder() {
  const seen: { expert: string; ok: number; error: number; nullScore: number }[] = [];
  const metrics = {
    observeExpert: (expert: string, _seconds: number, counts: { ok: number; error: number; nullScore: number }) => seen.push({ expert, ...counts }),
  };
  return { seen, metrics: metrics as unknown as ServerMetrics };
}

describe('instrumentEnsemble', () => {
  it('records each expert call and keeps the ensemble options it used to drop (batch size, spec resolution)', async () => {
    const { seen, metrics } = recorder();
    const resolved: string[] = [];
    const ensemble = createEnsemble({
      experts: [
        { name: 'bright', model: createMockReward() },
        { name: 'half', model: createMockReward({ score: () => 0.5 }) },
      ],
      batchSize: 1,
      resolveSpec: (sample) => {
        resolved.push(sample.prompt);
        return { objects: [], relations: [] };
      },
    });
    const served = instrumentEnsemble(ensemble, metrics);
    await served.score([
      { image: createTestImage(4, 4), prompt: 'a' },
      { image: createTestImage(4, 4), prompt: 'b' },
    ]);
    expect(seen).toEqual([
      { expert: 'bright', ok: 1, error: 0, nullScore: 0 },
      { expert: 'half', ok: 1, error: 0, nullScore: 0 },
      { expert: 'bright', ok: 1, error: 0, nullScore: 0 },
      { expert: 'half', ok: 1, error: 0, nullScore: 0 },
    ]);
    expect(resolved).toEqual(['a', 'b']);
  });

  it('serves an ensemble core did not build as given', () => {
    const custom = { kind: 'ensemble', experts: [] } as unknown as Ensemble;
    expect(instrumentEnsemble(custom, recorder().metrics)).toBe(custom);
  });
});

import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEnsemble, wrapEnsembleExperts, type Ensemble } from '@t2i-reward/core';
import { createMockReward, createTestImage } from '@t2i-reward/core/test';
import { createServeEnsemble } from './from-config.js';
import { instrumentEnsemble, instrumentMiddleware } from './instrument.js';
import { ServerMetrics } from './metrics.js';
import { createRewardServer } from './server.js';

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

describe('instrumentation as middleware given at build', () => {
  it("createServeEnsemble({ metrics }) builds the experts instrumented, by expert name, keeping the caller's middleware", async () => {
    const { seen, metrics } = recorder();
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 't2ir-instrument-'));
    try {
      // A plugin module named by the config (no process-wide registration).
      await fs.writeFile(
        path.join(dir, 'half.mjs'),
        `export const expertPlugin = { kind: 'half', backends: ['local'],
           create: () => ({ specificationVersion: 'v1', kind: 'half', modelId: 'half', version: '1',
             doScore: async (samples) => samples.map(() => ({ score: 0.5, raw: 0.5, warnings: [] })), dispose: async () => {} }) };`,
      );
      const file = path.join(dir, 'ensemble.json');
      await fs.writeFile(file, JSON.stringify({ plugins: ['./half.mjs'], experts: [{ kind: 'half' }, { kind: 'half', name: 'other' }] }));
      const inner: string[] = [];
      const ensemble = await createServeEnsemble(file, {
        metrics,
        middleware: (expert) => ({
          wrapScore: async ({ doScore, samples }) => {
            inner.push(expert.name);
            return doScore(samples);
          },
        }),
      });
      await ensemble.score([{ image: createTestImage(4, 4), prompt: 'a' }]);
      expect(seen.sort((a, b) => a.expert.localeCompare(b.expert))).toEqual([
        { expert: 'half', ok: 1, error: 0, nullScore: 0 },
        { expert: 'other', ok: 1, error: 0, nullScore: 0 },
      ]);
      // The caller's middleware is kept beside the metrics.
      expect(inner.sort()).toEqual(['half', 'other']);
      await ensemble.dispose();
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('the ready line says where each expert runs from its placement, for models wrapped at build too', async () => {
    const metrics = new ServerMetrics();
    const ensemble = createEnsemble({
      experts: [
        { name: 'pooled', model: createMockReward(), placement: { type: 'pool', threads: 3 } },
        { name: 'served', model: createMockReward(), placement: { type: 'remote' } },
        { name: 'here', model: createMockReward() },
      ],
    });
    const lines: string[] = [];
    const server = createRewardServer({
      ensemble: wrapEnsembleExperts(ensemble, instrumentMiddleware(metrics)),
      metrics,
      instrumentExperts: false,
      warmup: false,
      log: (line) => lines.push(line),
    });
    await server.listen();
    try {
      await server.ready;
    } finally {
      await server.close();
    }
    expect(lines.find((line) => line.startsWith('ready: '))).toMatch(
      /^ready: pooled \([^;]+; pool of 3 threads\), served \([^;]+; remote\), here \([^;]+; in-process\)$/,
    );
  });
});

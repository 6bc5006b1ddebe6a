import { createEnsemble, createEnsembleFromConfig, encodeImage } from '@t2i-reward/core';
import { createMockReward, createTestImage, describeRewardContract, meanBrightness } from '@t2i-reward/core/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatedReward } from '../__fixtures__/experts.js';
import { spawnServer, type ServerProcess } from '../__fixtures__/spawn.js';
import { createRewardServer, type RewardServer } from '../server.js';
import { createKServeReward } from '@t2i-reward/kserve';

const blue = createTestImage(12, 12, [20, 40, 220]);
const dark = createTestImage(6, 9, [5, 5, 5]);

// Server A: a separate process serving the mock expert "bright" over KServe v2 on loopback.
let remote: ServerProcess;
beforeAll(async () => {
  remote = await spawnServer('bright');
});
afterAll(async () => {
  remote.child.kill('SIGTERM');
  await remote.exited;
});

describeRewardContract('kserve backend -> t2ir serve (another process)', () => createKServeReward({ kind: 'mock', url: remote.url, model: 'bright' }), {
  unprocessableSample: { image: blue, prompt: 'fail me' },
  // Scores travel as FP32.
  tolerance: 1e-6,
});

describe('delegation: server B serves an ensemble whose expert runs on server A', () => {
  let local: RewardServer;
  beforeAll(async () => {
    const delegated = createKServeReward({ kind: 'mock', url: remote.url, model: 'bright' });
    local = createRewardServer({
      ensemble: createEnsemble({
        experts: [
          { name: 'remote-bright', model: delegated },
          { name: 'local-half', model: createMockReward({ score: (sample) => meanBrightness(sample.image) / 2 }) },
        ],
      }),
    });
    await local.listen();
    await local.ready;
  });
  afterAll(() => local.close());

  it('scores through both servers: the remote score equals the in-process one; per-item errors carry over', async () => {
    const items = await Promise.all(
      [
        [blue, 'a blue square'],
        [dark, 'fail me'],
        [dark, 'a dark square'],
      ].map(async ([image, prompt]) => ({ image: (await encodeImage(image as typeof blue, 'png')).toString('base64'), prompt })),
    );
    const response = await fetch(`${local.url}/v1/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items }) });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      results: {
        reward: number | null;
        experts: Record<string, { score: number | null; raw: number | null; modelId: string; error?: { code: string; message: string } }>;
      }[];
    };
    const [first, failed, third] = body.results;
    expect(first!.experts['remote-bright']!.score).toBeCloseTo(meanBrightness(blue), 6);
    expect(first!.experts['remote-bright']!.modelId).toBe('mock/kserve/bright');
    expect(first!.reward).toBeCloseTo((meanBrightness(blue) * 1.5) / 2, 6);
    expect(failed!.experts['remote-bright']!.error!.code).toBe('REMOTE_SERVICE');
    expect(failed!.experts['remote-bright']!.error!.message).toContain('EXPERT_FAILED');
    expect(failed!.reward).toBeCloseTo(meanBrightness(dark) / 2, 6);
    expect(third!.experts['remote-bright']!.score).toBeCloseTo(meanBrightness(dark), 6);
  });
});

describe('kserve in an ensemble config', () => {
  it('builds {kind, backend: {type: "kserve"}} through core (which imports @t2i-reward/kserve) for any kind', async () => {
    const ensemble = await createEnsembleFromConfig({
      experts: [{ kind: 'hpm', name: 'remote-hpm', weight: 2, backend: { type: 'kserve', endpoints: [remote.url], model: 'bright', strategy: 'round-robin' } }],
    });
    try {
      expect(ensemble.experts[0]!.model.kind).toBe('hpm');
      const [result] = await ensemble.score([{ image: blue, prompt: 'x' }]);
      expect(result!.experts['remote-hpm']!.score).toBeCloseTo(meanBrightness(blue), 6);
    } finally {
      await ensemble.dispose();
    }
  });

  it('names the bad key of a kserve entry', async () => {
    await expect(createEnsembleFromConfig({ experts: [{ kind: 'hpm', backend: { type: 'kserve', url: remote.url } }] })).rejects.toThrow(
      /experts\/0\/backend.*model/,
    );
  });
});

describe('several endpoints', () => {
  const replicas: RewardServer[] = [];
  let deadUrl: string;
  beforeAll(async () => {
    for (let index = 0; index < 2; index++) {
      const server = createRewardServer({ ensemble: createEnsemble({ experts: [{ name: 'bright', model: createMockReward() }] }), warmup: false });
      await server.listen();
      replicas.push(server);
    }
    // A port that was just free: nothing listens there any more.
    const gone = createRewardServer({ ensemble: createEnsemble({ experts: [{ name: 'bright', model: createMockReward() }] }), warmup: false });
    deadUrl = (await gone.listen()).url;
    await gone.close();
  });
  afterAll(() => Promise.all(replicas.map((server) => server.close())));

  it('round-robin spreads calls over the replicas and fails over from a dead endpoint', async () => {
    const model = createKServeReward({
      url: deadUrl,
      endpoints: replicas.map((server) => server.url),
      model: 'bright',
      strategy: 'round-robin',
      healthCheckIntervalMs: 0,
    });
    try {
      for (let call = 0; call < 6; call++) {
        const [result] = await model.doScore([{ image: blue, prompt: 'x' }]);
        expect(result!.score).toBeCloseTo(meanBrightness(blue), 6);
      }
      const status = model.endpointStatus();
      const dead = status.find((endpoint) => endpoint.url === deadUrl)!;
      expect(dead.healthy).toBe(false);
      expect(dead.served).toBe(0);
      const served = status.filter((endpoint) => endpoint.url !== deadUrl).map((endpoint) => endpoint.served);
      expect(served.reduce((sum, count) => sum + count, 0)).toBe(6);
      expect(Math.min(...served)).toBeGreaterThanOrEqual(2);
    } finally {
      await model.dispose();
    }
  });

  it('health checks mark endpoints by their model readiness', async () => {
    const model = createKServeReward({ endpoints: [replicas[0]!.url, deadUrl], model: 'bright', healthCheckIntervalMs: 0 });
    const status = await model.checkHealth();
    expect(status.map((endpoint) => endpoint.healthy)).toEqual([true, false]);
    const unknownModel = createKServeReward({ url: replicas[0]!.url, model: 'no-such-model', healthCheckIntervalMs: 0 });
    expect((await unknownModel.checkHealth())[0]!.healthy).toBe(false);
    const [result] = await unknownModel.doScore([{ image: blue, prompt: 'x' }]);
    expect(result!.error!.code).toBe('REMOTE_SERVICE');
    expect(result!.error!.message).toContain('unknown model');
    await Promise.all([model.dispose(), unknownModel.dispose()]);
  });

  it('least-loaded sends calls to the replica with fewer in flight (round-robin would not)', async () => {
    const gated = new GatedReward();
    const slow = createRewardServer({ ensemble: createEnsemble({ experts: [{ name: 'bright', model: gated }] }), warmup: false });
    await slow.listen();
    const fast = replicas[0]!;
    const model = createKServeReward({ endpoints: [slow.url, fast.url], model: 'bright', strategy: 'least-loaded', healthCheckIntervalMs: 0 });
    try {
      // Both idle: the first call goes to the first endpoint, where the gated expert holds it.
      const held = model.doScore([{ image: blue, prompt: 'x' }]);
      while (model.endpointStatus()[0]!.inFlight !== 1) await new Promise((resolve) => setTimeout(resolve, 5));
      for (let call = 0; call < 3; call++) {
        const [result] = await model.doScore([{ image: dark, prompt: 'x' }]);
        expect(result!.score).toBeCloseTo(meanBrightness(dark), 6);
      }
      expect(model.endpointStatus().map((endpoint) => endpoint.served)).toEqual([0, 3]);
      gated.release();
      const [result] = await held;
      expect(result!.score).toBeCloseTo(meanBrightness(blue), 6);
      expect(model.endpointStatus().map((endpoint) => endpoint.served)).toEqual([1, 3]);
    } finally {
      gated.release();
      await model.dispose();
      await slow.close();
    }
  });

  it('waits Retry-After and tries again when the remote queue is full (429), without marking it unhealthy', async () => {
    const gated = new GatedReward();
    const busy = createRewardServer({
      ensemble: createEnsemble({ experts: [{ name: 'bright', model: gated }] }),
      warmup: false,
      maxBatch: 1,
      maxWaitMs: 0,
      maxQueue: 1,
    });
    await busy.listen();
    const model = createKServeReward({ url: busy.url, model: 'bright', healthCheckIntervalMs: 0, retries: 5 });
    const direct = createKServeReward({ url: busy.url, model: 'bright', healthCheckIntervalMs: 0, retries: 0 });
    try {
      // One item scoring (held by the gate), one queued: the queue is full.
      const held = [model.doScore([{ image: blue, prompt: 'a' }]), model.doScore([{ image: blue, prompt: 'b' }])];
      while (busy.stats().runningBatches !== 1 || busy.stats().batchQueue !== 1) await new Promise((resolve) => setTimeout(resolve, 5));
      const [refused] = await direct.doScore([{ image: dark, prompt: 'no retries' }]);
      expect(refused!.error!.message).toContain('HTTP 429');
      expect(direct.endpointStatus()[0]!.healthy).toBe(true);
      // Refusals so far: "b" may have been refused too (it counts from intake, while "a" was still decoding).
      const queueFull = async () => Number(/code="queue_full"\} (\d+)/.exec(await (await fetch(`${busy.url}/metrics`)).text())?.[1] ?? 0);
      const refusedBefore = await queueFull();
      const retried = model.doScore([{ image: dark, prompt: 'c' }]);
      // It got its 429 and is waiting Retry-After (1 s); free the queue meanwhile.
      while ((await queueFull()) <= refusedBefore) await new Promise((resolve) => setTimeout(resolve, 5));
      gated.release();
      const [result] = await retried;
      expect(result!.score).toBeCloseTo(meanBrightness(dark), 6);
      for (const [heldResult] of await Promise.all(held)) expect(heldResult!.score).toBeCloseTo(meanBrightness(blue), 6);
    } finally {
      gated.release();
      await Promise.all([model.dispose(), direct.dispose()]);
      await busy.close();
    }
  });

  it('turns a remote call past its deadline into per-item timeouts', async () => {
    const gated = new GatedReward();
    const stuck = createRewardServer({ ensemble: createEnsemble({ experts: [{ name: 'bright', model: gated }] }), warmup: false });
    await stuck.listen();
    const model = createKServeReward({ url: stuck.url, model: 'bright', timeoutMs: 100, healthCheckIntervalMs: 0 });
    try {
      const results = await model.doScore([
        { image: blue, prompt: 'x' },
        { image: dark, prompt: 'y' },
      ]);
      expect(results.map((result) => result.error?.code)).toEqual(['TIMEOUT', 'TIMEOUT']);
    } finally {
      gated.release();
      await model.dispose();
      await stuck.close();
    }
  });
});

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createEnsemble, encodeImage, NormalizerStore, normalizeScores, validateWithSchema, type NormalizeOverride } from '@t2i-reward/core';
import { createMockReward, createTestImage } from '@t2i-reward/core/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scoreResponseSchema } from './schemas.js';
import { createRewardServer, type RewardServer } from './server.js';

/** Two experts of very different scales whose scores come from the prompt: "p<k> <x>" scores x and 100·x². */
function buildEnsemble() {
  const value = (prompt: string) => Number(prompt.split(' ')[1]);
  return createEnsemble({
    aggregate: 'sum',
    experts: [
      { name: 'small', model: createMockReward({ kind: 'small', score: (s) => (Number.isFinite(value(s.prompt)) ? value(s.prompt) : null) }) },
      { name: 'large', model: createMockReward({ kind: 'large', score: (s) => 100 * value(s.prompt) ** 2 }) },
    ],
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
let image: string;
let root: string;
beforeAll(async () => {
  image = `data:image/png;base64,${(await encodeImage(createTestImage(4, 4), 'png')).toString('base64')}`;
  root = await mkdtemp(path.join(tmpdir(), 't2ir-normalize-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function start(options: { normalize?: NormalizeOverride; normalizerState?: string; modelName?: string } = {}): Promise<RewardServer> {
  const server = createRewardServer({ ensemble: buildEnsemble(), warmup: false, instrumentExperts: false, ...options });
  await server.listen();
  await server.ready;
  return server;
}

async function score(server: RewardServer, prompts: string[], extra: Record<string, unknown> = {}): Promise<Json> {
  const response = await fetch(`${server.url}/v1/score`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ items: prompts.map((prompt) => ({ image, prompt, metadata: { group: prompt.split(' ')[0] } })), ...extra }),
  });
  const json = (await response.json()) as Json;
  if (response.status !== 200) throw new Error(`${response.status}: ${JSON.stringify(json)}`);
  return json;
}

/** A stream of requests: (prompt group, value) pairs. */
const stream = [['p1 0.1', 'p1 0.4', 'p2 0.9'], ['p1 0.3', 'p2 0.2'], ['p3 0.7', 'p3 0.75', 'p1 0.05', 'p2 x'], ['p1 0.6'], ['p2 0.5', 'p3 0.1']];

describe('server normalisation', () => {
  it('a running-z server restarted mid-stream gives the same normalised scores as one that was not', async () => {
    const statePath = path.join(root, 'state', 'normalizers.json');
    const straight = await start({ normalize: { mode: 'running-z' } });
    const expected: Json[] = [];
    for (const prompts of stream) expected.push(await score(straight, prompts));
    await straight.close();

    let server = await start({ normalize: { mode: 'running-z' }, normalizerState: statePath });
    const got: Json[] = [];
    for (const [index, prompts] of stream.entries()) {
      if (index === 2) {
        await server.close(); // SIGTERM in `t2ir serve` calls close(): the statistics are written
        const state = JSON.parse(await readFile(statePath, 'utf8')) as Json;
        expect(state.running['t2i-reward/small'].keys['*'].count).toBe(5);
        server = await start({ normalize: { mode: 'running-z' }, normalizerState: statePath });
      }
      got.push(await score(server, prompts));
    }
    await server.close();
    expect(got).toEqual(expected);

    // The statistics really carry over: a server started without them answers request 3 differently.
    const fresh = await start({ normalize: { mode: 'running-z' } });
    expect((await score(fresh, stream[2]!)).results).not.toEqual(expected[2].results);
    await fresh.close();
  });

  it('answers keep the raw per-expert scores next to the normalised reward; values match core running-z', async () => {
    const server = await start({ normalize: { mode: 'running-z' } });
    const store = new NormalizerStore();
    for (const prompts of stream.slice(0, 2)) {
      const json = await score(server, prompts);
      validateWithSchema(scoreResponseSchema, json, 'score response');
      const values = prompts.map((p) => Number(p.split(' ')[1]));
      const small = store.normalize('small', values, { mode: 'running-z' }).values;
      const large = store.normalize(
        'large',
        values.map((v) => 100 * v * v),
        { mode: 'running-z' },
      ).values;
      json.results.forEach((result: Json, i: number) => {
        expect(result.experts.small.score).toBe(values[i]);
        expect(result.experts.large.score).toBeCloseTo(100 * values[i]! ** 2, 10);
        expect(result.experts.large.normalized).toMatchObject({ mode: 'running-z', stats: { key: '*' } });
        expect(result.reward).toBeCloseTo(small[i]! + large[i]!, 10);
      });
    }
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/t2ir_normalizer_count\{model="t2i-reward",expert="large"\} 5/);
    await server.close();
  });

  it('an ensemble built with its own normalize specs scores raw in the batch; each request is normalised on its own', async () => {
    // A scoring batch mixes requests: were the ensemble to normalise inside scoreSamples, its running statistics
    // would count every request's items under its own key and the answers would be normalised twice.
    const value = (prompt: string) => Number(prompt.split(' ')[1]);
    const ensemble = createEnsemble({
      aggregate: 'sum',
      experts: [{ name: 'small', normalize: { mode: 'running-z' }, model: createMockReward({ kind: 'small', score: (s) => value(s.prompt) }) }],
    });
    const server = createRewardServer({ ensemble, warmup: false, instrumentExperts: false });
    await server.listen();
    await server.ready;
    const prompts = ['p1 0.1', 'p1 0.4', 'p2 0.9'];
    const json = await score(server, prompts);
    const expected = new NormalizerStore().normalize('small', prompts.map(value), { mode: 'running-z' }).values;
    json.results.forEach((result: Json, i: number) => {
      expect(result.experts.small.score).toBe(value(prompts[i]!));
      expect(result.reward).toBeCloseTo(expected[i]!, 10);
    });
    expect(Object.keys(ensemble.normalizers.summary())).not.toContain('small');
    await server.close();
  });

  it('a request chooses its own mode over its items alone (group-z by metadata.group, rank, raw); bad specs are 400', async () => {
    const server = await start();
    const raw = await score(server, ['p1 0.1', 'p1 0.3']);
    expect(raw.results[0].reward).toBeCloseTo(0.1 + 1, 10);
    expect(raw.results[0].experts.small.normalized).toBeUndefined();
    const grouped = await score(server, ['p1 0.1', 'p1 0.3', 'p2 0.5'], { normalize: { small: { mode: 'group-z' } } });
    const z = normalizeScores([0.1, 0.3], { mode: 'group-z' }).values;
    expect(grouped.results[0].reward).toBeCloseTo(z[0]! + 1, 10);
    expect(grouped.results[2].experts.small.normalized.value).toBe(0); // a one-item group
    const ranked = await score(server, ['p1 0.1', 'p1 0.3'], { normalize: 'rank' });
    expect(ranked.results.map((r: Json) => r.reward)).toEqual([0, 2]);
    const response = await fetch(`${server.url}/v1/score`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items: [{ image, prompt: 'p1 0.1' }], normalize: { nobody: { mode: 'rank' } } }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as Json).error).toMatchObject({ code: 'invalid_normalize', message: expect.stringMatching(/nobody/) });
    // KServe: the request parameter, a mode name or JSON.
    const infer = await fetch(`${server.url}/v2/models/t2i-reward/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        parameters: { normalize: '{"mode":"rank"}' },
        inputs: [
          { name: 'IMAGE', shape: [2], datatype: 'BYTES', data: [image, image] },
          { name: 'PROMPT', shape: [2], datatype: 'BYTES', data: ['p1 0.1', 'p1 0.3'] },
        ],
      }),
    });
    const inferJson = (await infer.json()) as Json;
    expect(infer.status).toBe(200);
    // (no metadata over KServe: each prompt is its own group, rank 0.5 per expert; raw would be 1.1 and 9.3)
    expect(inferJson.outputs.find((o: Json) => o.name === 'REWARD').data).toEqual([1, 1]);
    await server.close();
  });
});

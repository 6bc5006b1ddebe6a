/**
 * What `t2ir score --config FILE` does with a config naming kinds 'vqa' and 'orm': core's loadEnsembleConfig +
 * createEnsembleFromConfig, which import @t2i-reward/vqa and @t2i-reward/orm by kind and call their expertPlugin.
 * One config per backend; model paths relative to the config file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEnsembleFromConfig, loadEnsembleConfig } from '@t2i-reward/core';
import { startVllmFixtureServer, type VllmFixtureServer } from '../../yes-no/src/__fixtures__/vllm-server.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const vqaModels = path.resolve(here, '../../reward-vqa/fixtures/models');
const ormModels = path.resolve(here, '../fixtures/models');
let dir: string;
let server: VllmFixtureServer;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 't2ir-vqa-orm-'));
  // Model folders next to the config, referenced as ./relative paths.
  await fs.symlink(vqaModels, path.join(dir, 'vqa-models'));
  await fs.symlink(ormModels, path.join(dir, 'orm-models'));
  server = await startVllmFixtureServer();
});
afterAll(async () => {
  await server.close();
  await fs.rm(dir, { recursive: true, force: true });
});

async function scoreWith(config: object) {
  const file = path.join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  await fs.writeFile(file, JSON.stringify(config));
  const ensemble = await createEnsembleFromConfig(await loadEnsembleConfig(file));
  try {
    return await ensemble.score([{ image: { data: new Uint8Array(32 * 32 * 3).fill(100), width: 32, height: 32 }, prompt: 'a red car next to a blue dog' }]);
  } finally {
    await ensemble.dispose();
  }
}

describe('vqa and orm from a config file', () => {
  it('runs the transformers backend', async () => {
    const [result] = await scoreWith({
      experts: [
        { kind: 'vqa', backend: { type: 'transformers', model: './vqa-models/tiny-llava' }, options: { aggregate: 'product' } },
        { kind: 'orm', backend: { type: 'transformers', model: './orm-models/tiny-llava-ov' } },
      ],
    });
    expect(result!.experts.vqa).toMatchObject({ kind: 'vqa', details: { aggregate: 'product' } });
    expect(result!.experts.vqa!.modelId).toBe(`vqa/transformers/${path.join(dir, 'vqa-models/tiny-llava')}/product`);
    expect((result!.experts.vqa!.details as { questions: { question: string }[] }).questions.map((q) => q.question)).toEqual(['red car?', 'blue dog?']);
    expect(result!.experts.orm!.score).toBeGreaterThan(0);
    expect(result!.reward).not.toBeNull();
  });

  it('runs the onnx backend', async () => {
    const [result] = await scoreWith({
      experts: [
        { kind: 'vqa', backend: { type: 'onnx', model: './vqa-models/tiny-git' } },
        { kind: 'orm', backend: { type: 'onnx', model: './orm-models/tiny-git-orm' }, options: { temperature: 0.5 } },
      ],
    });
    expect(result!.experts.vqa!.score).toBeGreaterThan(0);
    expect(result!.experts.orm!.details).toMatchObject({ temperature: 0.5 });
  });

  it('runs the openai backend', async () => {
    const [result] = await scoreWith({
      experts: [
        { kind: 'vqa', backend: { type: 'openai', baseURL: server.baseURL, model: 'vqa' } },
        { kind: 'orm', backend: { type: 'openai', baseURL: server.baseURL, model: 'orm', concurrency: 4 } },
      ],
    });
    expect(result!.experts.vqa!.score).toBeCloseTo(0.6 / 0.9, 12);
    expect(result!.experts.orm!.score).toBeGreaterThan(0.6 / 0.9);
  });

  it('reports a bad key with its path', async () => {
    const error = await scoreWith({
      experts: [{ kind: 'orm', backend: { type: 'openai', baseURL: server.baseURL, model: 'm' }, options: { temprature: 1 } }],
    }).catch((e: unknown) => e as Error);
    expect((error as Error).message).toMatch(/experts\/0\/options\/temprature/);
  });
});

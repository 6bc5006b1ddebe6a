import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidConfigError } from '@t2i-reward/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTrainConfig, resolveTrainSetup, trainFromConfig } from './config.js';
import { T2I_R1_PRESET } from './math/presets.js';

const fixture = fileURLToPath(new URL('./__fixtures__/bandit-policy.mjs', import.meta.url));
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 't2ir-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('train config', () => {
  it('trains a policy module named by a config file (module reward, prompts from a text file)', async () => {
    await writeFile(path.join(dir, 'prompts.txt'), 'pick two\r\nchoose two\r\n');
    const config = {
      policy: path.relative(dir, fixture),
      prompts: 'prompts.txt',
      evalPrompts: ['which one'],
      runtime: 'cpu',
      evalEvery: 10,
      settings: { groupSize: 8, learningRate: 0.2, beta: 0.01, aggregation: 'dr-grpo' },
    };
    await writeFile(path.join(dir, 'train.json'), JSON.stringify(config));
    const result = await trainFromConfig(path.join(dir, 'train.json'), { outDir: path.join(dir, 'out'), steps: 20, seed: 5 });
    expect(result.step).toBe(20);
    const heldOut = result.records.filter((r) => r.split === 'eval').map((r) => r.reward.mean);
    expect(heldOut).toHaveLength(3);
    // Uniform start: a quarter of the samples pay; after 20 updates most do.
    expect(heldOut[2]!).toBeGreaterThan(heldOut[0]! + 0.3);
    expect(result.checkpointPath).toMatch(/step-000020$/);
  });

  it('names the bad key of an invalid config', () => {
    expect(() => parseTrainConfig({ policy: 'p.js', prompts: ['x'], settings: { aggregation: 'mean' } })).toThrow(InvalidConfigError);
    expect(() => parseTrainConfig({ policy: 'p.js', prompts: ['x'], settings: { aggregation: 'mean' } })).toThrow(/settings\/aggregation/);
    expect(() => parseTrainConfig({ prompts: ['x'] })).toThrow(/policy/);
  });

  it('preset t2i-r1-reference: the released trainer (bnpo) under the config settings, and the reference ensemble', () => {
    const config = parseTrainConfig({
      policy: 'p.js',
      prompts: ['x'],
      preset: 't2i-r1-reference',
      settings: { learningRate: 1e-5 },
      ensemble: { experts: [{ kind: 'vqa' }] },
    });
    const setup = resolveTrainSetup(config);
    expect(setup.settings).toEqual({ ...T2I_R1_PRESET, aggregation: 'bnpo', learningRate: 1e-5 });
    expect(setup.ensemble).toEqual({ experts: [{ kind: 'vqa' }], preset: 't2i-r1-reference' });
    // --preset overrides the file; other presets leave the ensemble alone.
    const dapo = resolveTrainSetup(config, 'dapo');
    expect(dapo.settings).toMatchObject({ aggregation: 'dapo', beta: 0, learningRate: 1e-5 });
    expect(dapo.ensemble.preset).toBeUndefined();
    expect(resolveTrainSetup(parseTrainConfig({ policy: 'p.js', prompts: ['x'] })).settings).toEqual({});
    expect(() => parseTrainConfig({ policy: 'p.js', prompts: ['x'], preset: 'grpo' })).toThrow(/preset/);
  });
});

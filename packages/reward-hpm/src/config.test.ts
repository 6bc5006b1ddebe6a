/**
 * What `t2ir score --config FILE` does with `kind: 'hpm'` entries: core's loadEnsembleConfig +
 * createEnsembleFromConfig import @t2i-reward/hpm by kind and call its expertPlugin; model folders are relative
 * to the config file.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEnsembleFromConfig, loadEnsembleConfig, type InvalidConfigError } from '@t2i-reward/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clipReference, TINY_IMAGE_REWARD_DIR, tinyClipFolder } from '../test/fixtures.js';

let dir: string;
let clip: { dir: string; cleanup: () => void };
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 't2ir-hpm-config-'));
  clip = tinyClipFolder();
  cpSync(clip.dir, join(dir, 'tiny-clip'), { recursive: true });
  cpSync(TINY_IMAGE_REWARD_DIR, join(dir, 'tiny-imagereward'), { recursive: true });
});
afterAll(() => {
  clip.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

function writeConfig(config: object): string {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(config));
  return file;
}

describe('hpm from a config file', () => {
  it('scores with hps-v2.1 and ImageReward experts', async () => {
    const file = writeConfig({
      experts: [
        { kind: 'hpm', name: 'hps', backend: { type: 'transformers', model: './tiny-clip' }, options: { variant: 'hps-v2.1' } },
        { kind: 'hpm', name: 'imagereward', backend: { type: 'onnx', model: './tiny-imagereward' }, options: { variant: 'image-reward' } },
      ],
    });
    const ensemble = await createEnsembleFromConfig(await loadEnsembleConfig(file));
    try {
      const reference = clipReference();
      const image = { data: Uint8Array.from(reference.images[0]!.rgb), width: 32, height: 32 };
      const [result] = await ensemble.score([{ image, prompt: reference.prompts[0]!.prompt }]);
      expect(result!.experts['hps']!.raw).toBeCloseTo(reference.prompts[0]!.cosine[0]!, 5);
      expect(result!.experts['hps']!.modelId).toBe(`hpm/transformers/hps-v2.1/${join(dir, 'tiny-clip')}`);
      expect(result!.experts['imagereward']!.score).toBeGreaterThan(0);
      expect(result!.reward).not.toBeNull();
    } finally {
      await ensemble.dispose();
    }
  });

  it('rejects an unknown option with its path', async () => {
    const file = writeConfig({
      experts: [{ kind: 'hpm', backend: { type: 'transformers', model: './tiny-clip' }, options: { variant: 'hps-v2.1', colour: 1 } }],
    });
    const failure = await loadEnsembleConfig(file)
      .then((config) => createEnsembleFromConfig(config))
      .catch((error: InvalidConfigError) => error);
    expect((failure as InvalidConfigError).message).toMatch(/colour/);
  });
});

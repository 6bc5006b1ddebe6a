import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidConfigError, RuntimeUnavailableError } from '../errors.js';
import { createEnsembleFromConfig, defaultRewardRegistry } from './config.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 't2ir-plugins-'));
// A plugin module with no import at all: a RewardModelV1 is a plain object.
writeFileSync(
  path.join(dir, 'constant.mjs'),
  `export const expertPlugin = { kind: 'const-test', backends: ['local'],
     create: (config) => ({ specificationVersion: 'v1', kind: 'const-test', modelId: 'const/' + config.options.value, version: '1',
       doScore: async (samples) => samples.map(() => ({ score: config.options.value, raw: config.options.value, warnings: [] })),
       dispose: async () => {} }) };`,
);
writeFileSync(path.join(dir, 'empty.mjs'), 'export const nothing = 1;');
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('config plugins', () => {
  it('loads plugin modules named in the config (relative to it) before building the experts', async () => {
    const ensemble = await createEnsembleFromConfig({
      plugins: ['./constant.mjs'],
      experts: [{ kind: 'const-test', options: { value: 0.7 } }],
      configDir: dir,
    });
    expect(ensemble.experts[0]!.model.modelId).toBe('const/0.7');
    // The config's plugins live in that build's registry only: a later ensemble without them looks for a package.
    expect(defaultRewardRegistry.findExpert('const-test')).toBeUndefined();
    await expect(createEnsembleFromConfig({ experts: [{ kind: 'const-test', options: { value: 0.7 } }], configDir: dir })).rejects.toSatisfy(
      (error) => RuntimeUnavailableError.isInstance(error) && error.message.includes('needs the package const-test, which is not installed'),
    );
    await ensemble.dispose();
  });

  it('says which entry failed: a module that cannot load, one that exports no plugin', async () => {
    await expect(createEnsembleFromConfig({ plugins: ['./missing.mjs'], experts: [{ kind: 'x' }], configDir: dir })).rejects.toSatisfy(
      (error) => RuntimeUnavailableError.isInstance(error) && error.message.startsWith('plugins/0: cannot load ./missing.mjs'),
    );
    await expect(createEnsembleFromConfig({ plugins: ['./constant.mjs', './empty.mjs'], experts: [{ kind: 'x' }], configDir: dir })).rejects.toSatisfy(
      (error) => InvalidConfigError.isInstance(error) && error.data?.path === 'plugins/1',
    );
  });
});

import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadEnsembleConfig } from '@t2i-reward/core';
import { describe, expect, it } from 'vitest';

// The configs under examples/configs are documentation users copy: keep them valid and their model paths real.
const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../examples/configs');

describe('examples/configs', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  it('has example configs', () => expect(files.length).toBeGreaterThan(0));
  it.each(files)('%s validates and its local model folders exist', async (file) => {
    const config = await loadEnsembleConfig(path.join(dir, file));
    expect(config.experts.length).toBeGreaterThan(0);
    const { existsSync } = await import('node:fs');
    // Relative model paths resolve against the config's folder (as createEnsembleFromConfig does); names such
    // as "centernet" are built-in models, not paths.
    const localModels = config.experts
      .map((expert) => expert.backend?.model)
      .filter((model): model is string => typeof model === 'string' && /^\.{1,2}\//.test(model));
    for (const model of localModels) expect(existsSync(path.resolve(dir, model)), model).toBe(true);
  });
});

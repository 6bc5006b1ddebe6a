import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { EnsembleConfig } from './schema.js';

/**
 * The file that marks a model folder as a tiny random-weight test fixture. Such models exercise the real loading
 * and scoring code but their scores carry no meaning, so anything scored by one must say so.
 */
export const FIXTURE_MARKER_FILE = 't2ir-fixture.json';

export interface FixtureModelUse {
  /** The expert's name in the ensemble (its `name`, else its `kind`). */
  expert: string;
  /** The model folder holding the marker. */
  model: string;
}

/** Whether a model location (a local folder) is a marked test fixture. Hub ids and missing paths are not. */
export async function isFixtureModel(model: string): Promise<boolean> {
  if (!path.isAbsolute(model) && !model.startsWith('.')) return false;
  return fs.access(path.join(model, FIXTURE_MARKER_FILE)).then(
    () => true,
    () => false,
  );
}

/**
 * The experts of a config whose backend model is a marked random-weight fixture. Relative model paths are read
 * against `baseDir` (the config file's folder), as the experts resolve them.
 */
export async function findFixtureModels(config: EnsembleConfig, baseDir = process.cwd()): Promise<FixtureModelUse[]> {
  const uses = await Promise.all(
    config.experts.map(async (expert) => {
      const given = expert.backend?.model;
      if (typeof given !== 'string') return undefined;
      const model = /^\.\.?[\\/]/.test(given) ? path.resolve(baseDir, given) : given;
      return (await isFixtureModel(model)) ? { expert: expert.name ?? expert.kind, model } : undefined;
    }),
  );
  return uses.filter((use): use is FixtureModelUse => use !== undefined);
}

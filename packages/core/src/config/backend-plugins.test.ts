import { describe, expect, it } from 'vitest';
import { createMockReward } from '../test/mock.js';
import { createEnsembleFromConfig, createRewardRegistry, type BackendPlugin } from './config.js';

describe('shared backend plugins (backend.type for any kind)', () => {
  const remote: BackendPlugin = {
    type: 'remote-test',
    configSchema: {
      type: 'object',
      properties: { backend: { type: 'object', properties: { type: { const: 'remote-test' }, url: { type: 'string' } }, required: ['url'] } },
    },
    create: (config) => createMockReward({ kind: config.kind, modelId: `${config.kind}/remote/${String(config.backend?.url)}` }),
  };

  it('builds the model through the backend plugin without loading the kind package', async () => {
    const imported: string[] = [];
    const ensemble = await createEnsembleFromConfig(
      { experts: [{ kind: 'detector', backend: { type: 'remote-test', url: 'http://x' }, weight: 2 }] },
      { backends: [remote], importModule: async (specifier) => void imported.push(specifier) },
    );
    expect(ensemble.experts[0]!.model.modelId).toBe('detector/remote/http://x');
    expect(ensemble.experts[0]!.name).toBe('detector');
    expect(ensemble.experts[0]!.weight).toBe(2);
    expect(imported).toEqual([]);
  });

  it('validates the entry with the backend schema, naming the path', async () => {
    const registry = createRewardRegistry({ backends: [remote] });
    await expect(createEnsembleFromConfig({ experts: [{ kind: 'hpm', backend: { type: 'remote-test' } }] }, { registry })).rejects.toThrow(
      /experts\/0\/backend.*url/,
    );
  });

  it('imports the built-in package of a shared backend type (kserve: @t2i-reward/kserve backendPlugins)', async () => {
    const imported: string[] = [];
    const ensemble = await createEnsembleFromConfig(
      { experts: [{ kind: 'orm', backend: { type: 'kserve', url: 'http://127.0.0.1:1', model: 'm' } }] },
      {
        importModule: async (specifier) => {
          imported.push(specifier);
          return { backendPlugins: [{ ...remote, type: 'kserve', configSchema: undefined }] };
        },
      },
    );
    expect(imported).toEqual(['@t2i-reward/kserve']);
    expect(ensemble.experts[0]!.model.kind).toBe('orm');
  });
});

import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvalidConfigError, RuntimeUnavailableError, UnsupportedModelVersionError } from '../errors.js';
import type { RewardModelV1 } from '../spec.js';
import { configErrorOf, createMockReward, createTestImage, rejectionOf, type MockReward } from '../test/index.js';
import {
  createEnsembleFromConfig,
  createRewardRegistry,
  loadEnsembleConfig,
  parseEnsembleConfig,
  type ExpertConfig,
  type ExpertPlugin,
  type ExpertPluginContext,
} from './index.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 't2ir-config-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** A plugin over MOCK experts that records what it was given. */
function mockPlugin(kind: string, extra: Partial<ExpertPlugin> = {}) {
  const seen: { config: ExpertConfig; context: ExpertPluginContext; model: MockReward }[] = [];
  const plugin: ExpertPlugin = {
    kind,
    backends: ['mock', 'other'],
    configSchema: {
      type: 'object',
      properties: { options: { type: 'object', additionalProperties: false, properties: { score: { type: 'number' } } } },
    },
    create(config, context) {
      const score = (config.options?.score as number | undefined) ?? 0.5;
      const model = createMockReward({ kind, score: () => score });
      seen.push({ config, context, model });
      return model;
    },
    ...extra,
  };
  return { plugin, seen };
}

describe('parseEnsembleConfig', () => {
  it('accepts a full config', () => {
    const config = {
      $schema: './schema.json',
      aggregate: 'weighted-mean',
      onMissing: 'zero',
      batchSize: 4,
      image: { maxPixels: 1_000_000, allowUrls: ['https://images.example.com'] },
      experts: [{ kind: 'detector', name: 'det', weight: 2, backend: { type: 'tfjs', model: 'centernet', threshold: 0.3 }, options: { x: 1 } }],
    };
    expect(parseEnsembleConfig(config)).toBe(config);
  });

  it('names an unknown key at the top and at the expert level', () => {
    expect(configErrorOf(() => parseEnsembleConfig({ experts: [{ kind: 'vqa' }], agregate: 'sum' })).message).toBe(
      'invalid ensemble config: agregate is not a known key',
    );
    const error = configErrorOf(() => parseEnsembleConfig({ experts: [{ kind: 'vqa', wieght: 1 }] }));
    expect(error.data?.path).toBe('experts/0/wieght');
  });

  it('names a wrong-typed weight', () => {
    const error = configErrorOf(() => parseEnsembleConfig({ experts: [{ kind: 'hpm' }, { kind: 'detector', weight: 'heavy' }] }));
    expect(error.message).toBe('invalid ensemble config: experts/1/weight must be number');
    expect(error.data?.path).toBe('experts/1/weight');
  });

  it('names missing and malformed parts', () => {
    expect(configErrorOf(() => parseEnsembleConfig({})).data?.path).toBe('experts');
    expect(configErrorOf(() => parseEnsembleConfig({ experts: [] })).data?.path).toBe('experts');
    expect(configErrorOf(() => parseEnsembleConfig({ experts: [{ kind: 'orm', backend: { model: 'x' } }] })).data?.path).toBe('experts/0/backend/type');
    expect(configErrorOf(() => parseEnsembleConfig({ experts: [{ kind: 'orm' }], image: { allowUrls: ['ftp://x'] } })).data?.path).toBe('image/allowUrls/0');
    expect(configErrorOf(() => parseEnsembleConfig({ experts: [{ kind: 'orm' }], aggregate: 'max' })).message).toContain(
      'aggregate must be one of "mean", "weighted-mean", "sum"',
    );
  });
});

describe('loadEnsembleConfig', () => {
  it('reads a file and remembers its folder', async () => {
    const file = path.join(dir, 'ensemble.json');
    await fs.writeFile(file, JSON.stringify({ experts: [{ kind: 'detector' }] }));
    expect(await loadEnsembleConfig(file)).toEqual({ experts: [{ kind: 'detector' }], configDir: dir });
  });

  it('reports bad JSON, a missing file and schema errors with the file name', async () => {
    const file = path.join(dir, 'broken.json');
    await fs.writeFile(file, '{"experts": [');
    expect((await rejectionOf(loadEnsembleConfig(file))).message).toContain('is not valid JSON');
    expect(InvalidConfigError.isInstance(await rejectionOf(loadEnsembleConfig(path.join(dir, 'none.json'))))).toBe(true);
    await fs.writeFile(file, '{"experts": [{"kind": "vqa", "weight": "1"}]}');
    const error = await rejectionOf(loadEnsembleConfig(file));
    expect(error.message).toBe(`${file}: invalid ensemble config: experts/0/weight must be number`);
    expect(error.data?.path).toBe('experts/0/weight');
  });
});

describe('createEnsembleFromConfig', () => {
  it('builds the experts through their plugins, with weights, names and paths', async () => {
    const { plugin, seen } = mockPlugin('mocky');
    const ensemble = await createEnsembleFromConfig(
      {
        aggregate: 'sum',
        experts: [
          { kind: 'mocky', weight: 2, backend: { type: 'mock', model: './models/m.onnx' }, options: { score: 0.25 } },
          { kind: 'mocky', name: 'second', options: { score: 1 } },
        ],
        configDir: dir,
      },
      { plugins: [plugin] },
    );
    expect(ensemble.experts.map((expert) => [expert.name, expert.weight])).toEqual([
      ['mocky', 2],
      ['second', 1],
    ]);
    expect(seen[0]!.config.backend?.model).toBe(path.join(dir, 'models/m.onnx'));
    expect(seen[0]!.context).toMatchObject({ configDir: dir, path: 'experts/0' });
    expect(seen[1]!.context.resolvePath('x/y')).toBe(path.join(dir, 'x/y'));
    expect(seen[1]!.config.backend).toEqual({ type: 'mock' }); // the plugin's first backend by default
    const [result] = await ensemble.score([{ image: createTestImage(4, 4), prompt: 'x' }]);
    expect(result!.reward).toBeCloseTo(2 * 0.25 + 1);
  });

  it('validates each entry with the plugin schema, errors carrying the entry path', async () => {
    const { plugin } = mockPlugin('mocky');
    const registry = createRewardRegistry({ plugins: [plugin] });
    const error = await rejectionOf(
      createEnsembleFromConfig({ experts: [{ kind: 'mocky' }, { kind: 'mocky', options: { score: 'high', colour: 1 } }] }, { registry }),
    );
    expect(error.message).toBe('invalid mocky expert config: experts/1/options/colour is not a known key; experts/1/options/score must be number');
    expect(error.data?.path).toBe('experts/1/options/colour');
    const backend = await rejectionOf(createEnsembleFromConfig({ experts: [{ kind: 'mocky', backend: { type: 'openai' } }] }, { registry }));
    expect(backend.data?.path).toBe('experts/0/backend/type');
    expect(backend.message).toContain("'openai' is not a backend of mocky (mock, other)");
  });

  it('refuses unknown kinds and models of another specification version, disposing what it built', async () => {
    const { plugin, seen } = mockPlugin('mocky');
    const unknown = await rejectionOf(createEnsembleFromConfig({ experts: [{ kind: 'mocky' }, { kind: 'unicorn' }] }, { plugins: [plugin] }));
    expect(InvalidConfigError.isInstance(unknown)).toBe(true);
    expect(unknown.data?.path).toBe('experts/1/kind');
    expect(unknown.message).toContain("unknown expert kind 'unicorn'");
    expect(seen[0]!.model.disposeCount).toBe(1);
    const future: ExpertPlugin = {
      kind: 'future',
      backends: ['x'],
      create: () => ({ ...createMockReward(), specificationVersion: 'v2' }) as unknown as RewardModelV1,
    };
    const version = await rejectionOf(createEnsembleFromConfig({ experts: [{ kind: 'future' }] }, { plugins: [future] }));
    expect(UnsupportedModelVersionError.isInstance(version)).toBe(true);
    expect(version.data?.path).toBe('experts/0');
  });
});

describe('registry.resolveExpert', () => {
  it('imports @t2i-reward/<kind> for built-in kinds once and keeps its expertPlugin in that registry only', async () => {
    const { plugin } = mockPlugin('detector');
    const imported: string[] = [];
    const importModule = async (specifier: string) => {
      imported.push(specifier);
      return { expertPlugin: plugin };
    };
    const registry = createRewardRegistry({ importModule });
    expect(await registry.resolveExpert('detector')).toBe(plugin);
    expect(await registry.resolveExpert('detector')).toBe(plugin);
    expect(imported).toEqual(['@t2i-reward/detector']);
    expect(registry.isImported('detector')).toBe(true);
    // A child falls back to its parent's import; another registry imports for itself.
    expect(await registry.extend({}).resolveExpert('detector')).toBe(plugin);
    expect(imported).toEqual(['@t2i-reward/detector']);
    expect(createRewardRegistry({ importModule }).findExpert('detector')).toBeUndefined();
  });

  it('says when the package is missing or exports no plugin', async () => {
    const resolveExpertPlugin = (kind: string, options: { importModule?: (specifier: string) => Promise<unknown> } = {}) =>
      createRewardRegistry(options).resolveExpert(kind);
    const missing = await rejectionOf(resolveExpertPlugin('@t2i-reward/does-not-exist'));
    expect(RuntimeUnavailableError.isInstance(missing)).toBe(true);
    expect(missing.message).toContain('npm install @t2i-reward/does-not-exist');
    expect(missing.data?.reason).toBe('not-installed');
    const empty = await rejectionOf(resolveExpertPlugin('vqa', { importModule: async () => ({}) }));
    expect(empty.data?.reason).toBe('no-plugin');
    const broken = await rejectionOf(
      resolveExpertPlugin('orm', {
        importModule: async () => {
          throw new SyntaxError('bad build');
        },
      }),
    );
    expect(broken.message).toContain('@t2i-reward/orm failed to load: bad build');
  });
});

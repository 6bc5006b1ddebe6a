import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRewardRegistry } from '@t2i-reward/core';
import { createMockReward } from '@t2i-reward/core/test';
import { runCliCaptured } from './__fixtures__/run-cli.js';
import { listExpertKinds } from './models.js';
import { cliRegistry } from './registry.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('t2ir models', () => {
  it('lists the built-in kinds and registered plugins with their backends', async () => {
    const registry = cliRegistry.extend({ plugins: [{ kind: 'mockbright', description: 'MOCK', backends: ['mock'], create: () => createMockReward() }] });
    const kinds = await listExpertKinds(registry);
    expect(kinds.map((info) => info.kind)).toEqual(expect.arrayContaining(['detector', 'vqa', 'orm', 'hpm', 'mockbright']));
    expect(kinds.find((info) => info.kind === 'mockbright')).toMatchObject({
      kind: 'mockbright',
      package: undefined,
      available: true,
      backends: ['mock'],
      description: 'MOCK',
    });
    // The shared kserve backend is listed for every kind, and each built-in kind says what runs offline.
    for (const info of kinds) expect(info.sharedBackends.map((backend) => backend.type)).toContain('kserve');
    expect(kinds.find((info) => info.kind === 'detector')?.offline).toMatch(/^yes: backend tfjs, model centernet/);
    expect(kinds.find((info) => info.kind === 'hpm')?.offline).toMatch(/^no: /);
    for (const info of kinds) {
      // Each kind either loads (and names its backends) or says why not.
      expect(info.available ? info.backends.length > 0 : typeof info.problem === 'string').toBe(true);
    }
    // The registry it was given only: the CLI's own lists no mock.
    expect((await listExpertKinds()).map((info) => info.kind)).not.toContain('mockbright');
    expect((await listExpertKinds(createRewardRegistry({ importModule: async () => ({}) }))).find((info) => info.kind === 'vqa')).toMatchObject({
      available: false,
      problem: 'no expert plugin exported yet',
    });
  });

  it('prints JSON with --json', async () => {
    const { code, stdout } = await runCliCaptured('models', '--json');
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as { kind: string }[]).map((info) => info.kind).slice(0, 4)).toEqual(['detector', 'vqa', 'orm', 'hpm']);
  });
});

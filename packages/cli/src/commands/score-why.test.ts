import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EXAMPLE_IMAGES, type RelationRecord } from '@t2i-reward/core';
import { buildEnsemble } from './ensemble-setup.js';
import { explainResult } from './score.js';
import { runCliCaptured } from './__fixtures__/run-cli.js';

const FORMULAS = ['t2i-r1', 't2i-r1-code', 'compbench', 'geneval'] as const;
const dog = EXAMPLE_IMAGES.find((example) => example.name === 'dog')!;
let dir: string;

/** A toy kind with its own explain(), loaded by the config's `plugins`: the "why" column must use it, not core's default. */
const TOY_PLUGIN = `export const expertPlugin = {
  kind: 'whytoy',
  backends: ['mock'],
  create: () => ({ specificationVersion: 'v1', kind: 'whytoy', modelId: 'whytoy', version: '1',
    doScore: async (samples) => samples.map(() => ({ score: 0.5, raw: 0.5, details: { verdict: 'half right' }, warnings: [] })),
    dispose: async () => {} }),
  explain: (details) => 'toy: ' + String(details?.verdict),
};
`;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 't2ir-why-'));
  await fs.writeFile(path.join(dir, 'whytoy.mjs'), TOY_PLUGIN);
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('t2ir score "why" column (real CenterNet, every detector formula)', () => {
  it('each formula explains its judged relation with a number, never n/a', async () => {
    const ensemble = await buildEnsemble(
      { experts: FORMULAS.map((formula) => ({ kind: 'detector', name: formula, backend: { type: 'tfjs', model: 'centernet' }, options: { formula } })) },
      false,
      { importModule: (specifier) => import(specifier) },
    );
    try {
      const [result] = await ensemble.score([{ image: dog.path, prompt: 'a dog on the left of a bicycle' }]);
      for (const formula of FORMULAS) {
        const outcome = result!.experts[formula]!;
        expect(outcome.error, formula).toBeUndefined();
        const [relation] = outcome.details!.relations as RelationRecord[];
        expect(typeof relation!.score, formula).toBe('number');
        const why = explainResult(result!, [formula]);
        expect(why, formula).toMatch(/dog left of bicycle: \d\.\d\d/);
        expect(why, formula).not.toContain('n/a');
      }
    } finally {
      await ensemble.dispose();
    }
  });

  it("the printed table carries each expert's explanation, a plugin's own explain() included", async () => {
    const config = path.join(dir, 'why.json');
    await fs.writeFile(
      config,
      JSON.stringify({
        plugins: ['./whytoy.mjs'],
        experts: [{ kind: 'detector', backend: { type: 'tfjs', model: 'centernet' }, options: { formula: 't2i-r1-code' } }, { kind: 'whytoy' }],
      }),
    );
    const { code, stdout } = await runCliCaptured('score', '--config', config, '--image', dog.path, '--prompt', 'a dog on the left of a bicycle');
    expect(code).toBe(0);
    const flat = stdout.replace(/[│┃|]/g, ' ').replace(/\s+/g, ' ');
    expect(flat).toContain('why');
    expect(flat).toMatch(/dog left of bicycle: \d\.\d\d/);
    expect(flat).toContain('toy: half right');
    expect(flat).not.toContain('n/a');
  });

  it("--preset t2i-r1-reference: the why column gives the released code's terms (it was empty)", async () => {
    const { code, stdout } = await runCliCaptured(
      'score',
      '--preset',
      't2i-r1-reference',
      '--image',
      dog.path,
      '--prompt',
      'a dog next to a bicycle',
      '--threads',
      '0',
    );
    expect(code).toBe(0);
    const flat = stdout.replace(/[│┃|]/g, ' ').replace(/\s+/g, ' ');
    expect(flat).toContain('why');
    expect(flat).toMatch(/dog found, bicycle found, dog next to bicycle: position \d\.\d\d → 0\.2·e1 \+ 0\.2·e2 \+ determine_position\/2 = 0\.\d\d/);
  });
});

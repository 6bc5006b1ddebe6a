import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeImage, EXAMPLE_IMAGES } from '@t2i-reward/core';
import { createTestImage } from '@t2i-reward/core/test';
import { buildEnsemble, DEFAULT_ENSEMBLE_CONFIG } from './ensemble-setup.js';
import { runCliCaptured, type CliRun } from './__fixtures__/run-cli.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
let dir: string;
let goodPng: string;
let corruptPng: string;

/** A MOCK plugin module scoring by mean brightness (or `options.fixed`), kind 'mockbright', named by mock.json's `plugins`. */
const MOCK_MODULE = `const brightness = (image) => image.data.reduce((sum, value) => sum + value, 0) / image.data.length / 255;
export const expertPlugin = {
  kind: 'mockbright',
  backends: ['mock'],
  create: (config) => ({ specificationVersion: 'v1', kind: 'mockbright', modelId: 'mockbright', version: '1',
    doScore: async (samples) => samples.map(({ image }) => {
      const score = config.options?.fixed ?? brightness(image);
      return { score, raw: score, warnings: [] };
    }),
    dispose: async () => {} }),
};
`;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 't2ir-cli-'));
  goodPng = path.join(dir, 'grey.png');
  corruptPng = path.join(dir, 'corrupt.png');
  const png = await encodeImage(createTestImage(8, 8, [51, 51, 51]), 'png');
  await fs.writeFile(goodPng, png);
  await fs.writeFile(corruptPng, png.subarray(0, png.length - 30));
  await fs.writeFile(
    path.join(dir, 'mock.json'),
    JSON.stringify({
      plugins: ['./mockbright.mjs'],
      aggregate: 'sum',
      experts: [
        { kind: 'mockbright', weight: 2 },
        { kind: 'mockbright', name: 'half', options: { fixed: 0.5 } },
      ],
    }),
  );
  await fs.writeFile(path.join(dir, 'mockbright.mjs'), MOCK_MODULE);
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** Runs the CLI in-process, capturing stdout and stderr. */
async function cli(...argv: string[]): Promise<CliRun> {
  const run = await runCliCaptured(...argv);
  // The status comes back as the return value only: nothing leaks into the test process's own exit code.
  expect(process.exitCode).toBeUndefined();
  return run;
}

describe('t2ir score (in-process, MOCK experts from a config)', () => {
  it('prints one JSON object with every expert beside the reward; a corrupt image fails only its item', async () => {
    const { code, stdout } = await cli('score', '--config', path.join(dir, 'mock.json'), '--image', goodPng, corruptPng, '--prompt', 'a grey square', '--json');
    expect(code).toBe(0);
    const output = JSON.parse(stdout) as { results: { reward: number | null; image: string }[]; ensemble: Record<string, unknown> };
    expect(output.results).toHaveLength(2);
    const [good, bad] = output.results;
    expect(good).toMatchObject({ prompt: 'a grey square', experts: { mockbright: { score: 0.2, raw: 0.2, warnings: [] }, half: { score: 0.5 } } });
    expect(good!.reward).toBeCloseTo(2 * 0.2 + 0.5);
    expect(good!.image).toContain('grey.png');
    expect(bad).toMatchObject({ reward: null, experts: {}, error: { code: 'IMAGE_DECODE' } });
    expect(output.ensemble).toMatchObject({ aggregate: 'sum', onMissing: 'skip' });
  });

  it('prints a table with one column per expert', async () => {
    const { code, stdout } = await cli('score', '-c', path.join(dir, 'mock.json'), '-i', goodPng, corruptPng, '-p', 'one', 'two');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines.find((line) => line.includes('reward'))).toMatch(/image.*prompt.*reward.*mockbright.*half.*warnings/);
    expect(lines.find((line) => line.includes('grey.png'))).toMatch(/one.*0\.9000.*0\.2000.*0\.5000/);
    expect(lines.find((line) => line.includes('corrupt.png'))).toMatch(/two.*error/);
    expect(stdout).toContain('2 image(s), 1 failed; reward = sum of mockbright, half');
  });

  it('keeps only the --expert kinds and applies --aggregate', async () => {
    const { stdout } = await cli('score', '-c', path.join(dir, 'mock.json'), '-e', 'half', '-i', goodPng, '-p', 'x', '--json', '--aggregate', 'mean');
    const [result] = JSON.parse(stdout).results;
    expect(Object.keys(result.experts)).toEqual(['half']);
    expect(result.reward).toBe(0.5);
    const unknown = await cli('score', '-c', path.join(dir, 'mock.json'), '-e', 'vqa', '-i', goodPng, '-p', 'x');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--expert vqa: not in');
  });

  it('reads .jsonl items with images relative to the file', async () => {
    const file = path.join(dir, 'items.jsonl');
    await fs.writeFile(
      file,
      '{"image": "grey.png", "prompt": "first"}\r\n{"image": "grey.png", "prompt": "second", "spec": {"objects": [{"name": "square"}], "relations": []}}',
    );
    const { code, stdout } = await cli('score', '-c', path.join(dir, 'mock.json'), '--prompts-file', file, '--json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout).results.map((result: { prompt: string }) => result.prompt)).toEqual(['first', 'second']);
    await fs.writeFile(file, '{"image": "grey.png", "prompt": "x", "spec": {"objects": [{"name": 3}], "relations": []}}');
    const bad = await cli('score', '-c', path.join(dir, 'mock.json'), '--prompts-file', file);
    expect(bad.code).toBe(2);
    expect(bad.stderr.split('\n')[0]).toMatch(/items\.jsonl:1: .*objects\/0\/name must be string/);
  });

  it('refuses an http URL without --allow-url, per item', async () => {
    const { code, stdout } = await cli('score', '-c', path.join(dir, 'mock.json'), '-i', 'http://127.0.0.1:9/a.png', '-p', 'x', '--json');
    expect(JSON.parse(stdout).results[0].error).toMatchObject({ code: 'IMAGE_SOURCE_NOT_ALLOWED' });
    expect(code).toBe(1); // nothing could be scored
  });

  it('names the bad key of a config file', async () => {
    const file = path.join(dir, 'bad.json');
    await fs.writeFile(file, JSON.stringify({ experts: [{ kind: 'mockbright', wieght: 2 }] }));
    const { code, stderr } = await cli('score', '-c', file, '-i', goodPng, '-p', 'x');
    expect(code).toBe(2); // a usage error: the file the command line names is wrong
    expect(stderr.split('\n')[0]).toBe(`error: ${file}: invalid ensemble config: experts/0/wieght is not a known key`);
    await fs.writeFile(file, JSON.stringify({ experts: [{ kind: 'mockbright', weight: 'heavy' }] }));
    expect((await cli('score', '-c', file, '-i', goodPng, '-p', 'x')).stderr).toContain('experts/0/weight must be number');
  });

  it('documents every flag in --help', async () => {
    const { code, stdout } = await cli('score', '--help');
    expect(code).toBe(0);
    for (const flag of [
      '--image',
      '--prompt',
      '--prompts-file',
      '--config',
      '--expert',
      '--aggregate',
      '--on-missing',
      '--allow-url',
      '--max-pixels',
      '--batch-size',
      '--threads',
      '--json',
    ]) {
      expect(stdout).toContain(flag);
    }
  });

  it('exits 2 with a one-line reason for bad flags and mismatched prompts', async () => {
    for (const argv of [
      ['score', '--bogus'],
      ['score', '--aggregate', 'max'],
      ['score', '--batch-size', '0'],
      ['score', '--threads', '-1'],
      ['score', '-i', goodPng],
      ['score', '-i', goodPng, goodPng, goodPng, '-p', 'a', 'b'],
      ['score', '-p', 'a', '--prompts-file', path.join(dir, 'items.jsonl')],
    ]) {
      const { code, stderr, stdout } = await cli(...argv);
      expect(code, argv.join(' ')).toBe(2);
      expect(stderr.split('\n')[0], argv.join(' ')).toMatch(/^error: /);
      expect(stdout).toBe('');
    }
  });

  it("says in one sentence when the default ensemble's detector package is missing", async () => {
    const notFound = Object.assign(new Error("Cannot find package '@t2i-reward/detector'"), { code: 'ERR_MODULE_NOT_FOUND' });
    const error = await buildEnsemble(DEFAULT_ENSEMBLE_CONFIG, true, {
      importModule: async () => {
        throw notFound;
      },
    }).catch((caught: Error) => caught);
    expect((error as Error).message).toBe('the offline default ensemble needs @t2i-reward/detector: @t2i-reward/detector is not installed');
  });
});

describe('t2ir score with the offline default ensemble', () => {
  // The detector is a workspace package, always installed here; the message for a missing one is tested in-process
  // above (buildEnsemble with an importModule that fails). In-process, with the default placement: the detector in
  // a pool of worker threads, one per core.
  it('scores a bundled photo with the offline default ensemble (the real detector)', async () => {
    const dog = EXAMPLE_IMAGES.find((example) => example.name === 'dog')!;
    const { code, stdout, stderr } = await cli('score', '--image', dog.path, '--prompt', 'a dog', '--json');
    expect(code, stderr).toBe(0);
    const [result] = JSON.parse(stdout).results;
    expect(result.experts.detector.score).toBeGreaterThan(0.5);
    expect(result.reward).toBe(result.experts.detector.score);
  });
});

// In-process, experts included (--threads 0: no pool of worker threads loading TF.js and the models again per run;
// the default placement is the test above): the real detector and the tiny VQA / ORM fixtures, no process to spawn.
describe('t2ir score with the reference modes', () => {
  it('the t2i-r1-reference example config: every expert in its reference mode, a plain sum', async () => {
    const config = path.join(repoRoot, 'examples/configs/t2i-r1-reference-tiny-fixtures.json');
    const dog = EXAMPLE_IMAGES.find((example) => example.name === 'dog')!;
    const { code, stdout, stderr } = await cli(
      'score',
      '--config',
      config,
      '--image',
      dog.path,
      '--prompt',
      'a dog next to a bicycle',
      '--json',
      '--threads',
      '0',
    );
    expect(code, stderr).toBe(0);
    const [result] = JSON.parse(stdout).results;
    expect(result.experts.detector.details).toMatchObject({ formula: 't2i-r1-code', reproduceBugs: true });
    expect(result.experts.vqa.details).toMatchObject({ reference: 't2i-r1-code' });
    expect(result.experts.orm.details).toMatchObject({ reference: 't2i-r1-code', temperature: 0.3 });
    const experts = ['detector', 'vqa', 'orm'].map((name) => result.experts[name]);
    expect(experts.map((e: { weight: number }) => e.weight)).toEqual([1, 1, 1]);
    expect(result.reward).toBeCloseTo(
      experts.reduce((sum: number, e: { score: number }) => sum + e.score, 0),
      12,
    );
  });

  it('--preset t2i-r1-reference runs the default detector as reward_gdino.py, quirks included', async () => {
    const dog = EXAMPLE_IMAGES.find((example) => example.name === 'dog')!;
    const { code, stdout, stderr } = await cli('score', '--image', dog.path, '--prompt', 'a dog', '--preset', 't2i-r1-reference', '--json', '--threads', '0');
    expect(code, stderr).toBe(0);
    const [result] = JSON.parse(stdout).results;
    expect(result.experts.detector.details).toMatchObject({ formula: 't2i-r1-code', reproduceBugs: true });
    expect(result.reward).toBe(result.experts.detector.score);
  });
});

describe('t2ir score --preset', () => {
  it('refuses an expert the T2I-R1 reference does not have, naming it', async () => {
    const { code, stderr } = await cli('score', '--image', goodPng, '--prompt', 'x', '--config', path.join(dir, 'mock.json'), '--preset', 't2i-r1-reference');
    expect(code).toBe(2); // the config does not fit the preset: a usage error
    expect(stderr).toContain("preset t2i-r1-reference reproduces only the detector, vqa, orm, hpm experts, not 'mockbright'");
    const unknown = await cli('score', '--preset', 'paper');
    expect(unknown.code).toBe(2);
  });
});

describe('explainDetails (the "why" column)', () => {
  it('summarises detector objects and relations, and vqa questions', async () => {
    const { explainDetails } = await import('./score.js');
    expect(
      explainDetails({
        objects: [
          { name: 'dog', label: 'dog', found: 1, exists: true },
          { name: 'cat', label: 'cat', count: 2, found: 3, exists: true },
          { name: 'unicorn', label: null, found: 0, exists: null },
        ],
        relations: [{ subject: 'dog', relation: 'left of', object: 'cat', score: 0.25 }],
      }),
    ).toBe('dog 1, cat 3/2, unicorn not detectable, dog left of cat: 0.25');
    expect(explainDetails({ questions: [{ question: 'red car?', ratio: 0.8312 }] })).toBe('red car? 0.83');
    expect(explainDetails({ cosine: 0.3 })).toBe('');
    expect(explainDetails(undefined)).toBe('');
  });
});

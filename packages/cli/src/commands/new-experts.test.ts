import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXAMPLE_IMAGES } from '@t2i-reward/core';
import { createServeEnsemble } from '@t2i-reward/server';
import { serveAndScore } from '@t2i-reward/server/test';
import { runCliCaptured } from './__fixtures__/run-cli.js';

// The experts of issue #22 (compressibility, safety, aesthetic) through the CLI's score, models, bench and serve
// paths, in-process. `--threads 0` keeps the TF.js safety expert on this thread (its pool path is tested in its package).
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const tinyAesthetic = path.join(repoRoot, 'packages/reward-aesthetic/fixtures/tiny-aesthetic');
const photo = (name: string) => EXAMPLE_IMAGES.find((image) => image.name === name)!.path;
let dir: string;
let config: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 't2ir-new-experts-'));
  config = path.join(dir, 'ensemble.json');
  await fs.writeFile(
    config,
    JSON.stringify({
      experts: [
        { kind: 'compressibility', options: { reference: 'flow-grpo' } },
        { kind: 'safety', execution: 'in-process' },
        { kind: 'aesthetic', backend: { type: 'transformers', model: tinyAesthetic } },
      ],
    }),
  );
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

const cli = runCliCaptured;

describe('t2ir score --expert compressibility safety (no config: offline defaults)', () => {
  it('scores real photos with both, and the "why" column is each expert’s explain', async () => {
    const images = [photo('dog'), photo('scream')];
    const json = await cli('score', '--expert', 'compressibility', 'safety', '--image', ...images, '--prompt', 'a picture', '--json', '--threads', '0');
    expect(json.code, json.stderr).toBe(0);
    const results = (JSON.parse(json.stdout) as { results: { experts: Record<string, { score: number; raw: number; details: Record<string, unknown> }> }[] })
      .results;
    expect(results.map((r) => r.experts.compressibility!.details.bytes)).toEqual([175800, 72629]); // PIL's sizes (golden cases)
    expect(results[0]!.experts.compressibility!.raw).toBe(-175.8);
    for (const result of results) {
      expect(result.experts.safety!.score).toBeGreaterThan(0.9);
      expect(Object.keys(result.experts.safety!.details.probabilities as object)).toEqual(['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy']);
    }
    const table = await cli('score', '--expert', 'compressibility', 'safety', '--image', images[0]!, '--prompt', 'a dog', '--threads', '0');
    expect(table.code, table.stderr).toBe(0);
    const flat = table.stdout.replace(/[│\s]+/g, ' ');
    expect(flat).toContain('JPEG q95: 175.8 kB');
    expect(flat).toMatch(/Neutral 0\.\d\d; P\(unsafe\) 0\.0\d\d/);
  }, 120_000);

  it('declares what it judges: the image as a whole (t2ir score names it when attributes go unchecked)', async () => {
    const { code, stdout } = await cli('score', '--expert', 'compressibility', '--image', photo('dog'), '--prompt', 'a blue car', '--json');
    expect(code).toBe(0);
    const [result] = (JSON.parse(stdout) as { results: { warnings: string[] }[] }).results;
    expect(result!.warnings.join(' ')).toContain('attributes not checked: "blue" (car); compressibility judges the image as a whole');
  });

  it('--expert aesthetic alone says what it needs (exit 2)', async () => {
    const { code, stderr } = await cli('score', '--expert', 'aesthetic', '--image', photo('dog'), '--prompt', 'a dog');
    expect(code, stderr).toBe(2);
    expect(stderr).toMatch(/--expert aesthetic needs a CLIP ViT-L\/14 folder .*clip-vit-l14.*laion-aesthetic/);
  });
});

describe('a config with all three', () => {
  it('t2ir score --config: each expert scores, the aesthetic one on the tiny fixture', async () => {
    const { code, stdout, stderr } = await cli('score', '--config', config, '--image', photo('horses'), '--prompt', 'horses', '--json');
    expect(code, stderr).toBe(0);
    const [result] = (JSON.parse(stdout) as { results: { reward: number; experts: Record<string, { score: number; raw: number; modelId: string }> }[] })
      .results;
    expect(Object.keys(result!.experts).sort()).toEqual(['aesthetic', 'compressibility', 'safety']);
    expect(result!.experts.compressibility!.modelId).toBe('compressibility/jpeg-q95/compressibility/flow-grpo');
    expect(result!.experts.aesthetic!.raw).toBeGreaterThan(1);
    expect(result!.reward).toBeCloseTo((result!.experts.aesthetic!.score + result!.experts.compressibility!.score + result!.experts.safety!.score) / 3, 9);
  }, 120_000);

  it('t2ir bench --config: the ensemble protocol reports each expert', async () => {
    const out = path.join(dir, 'bench');
    const { code, stdout, stderr } = await cli(
      'bench',
      '--suite',
      'examples',
      '--protocol',
      'ensemble',
      '--config',
      config,
      '--out',
      out,
      '--limit',
      '1',
      '--json',
      '--no-progress',
      '--threads',
      '0',
    );
    expect(code, stderr).toBe(0);
    const summary = JSON.parse(stdout) as { counts: { scored: number; errors: number }; agreement: { means: Record<string, { n: number }> } };
    expect(summary.counts.errors).toBe(0);
    expect(Object.keys(summary.agreement.means).sort()).toEqual(['aesthetic', 'compressibility', 'safety']);
    // The HTML report's "why" comes from each expert's explain.
    const report = await fs.readFile(path.join(out, 'report.html'), 'utf8');
    for (const why of ['JPEG q95:', 'P(unsafe)', 'LAION aesthetic']) expect(report).toContain(why);
  }, 180_000);

  it('t2ir serve’s ensemble (createServeEnsemble) answers /v1/score with the three', async () => {
    const ensemble = await createServeEnsemble(config, { pool: false });
    const { status, body } = await serveAndScore<{ results: { experts: Record<string, { score: number }> }[] }>(
      { ensemble, imageRoot: path.dirname(photo('dog')) },
      [{ image: 'giraffe.jpg', prompt: 'a giraffe' }],
    );
    expect(status).toBe(200);
    expect(Object.keys(body.results[0]!.experts).sort()).toEqual(['aesthetic', 'compressibility', 'safety']);
  }, 120_000);
});

describe('t2ir models', () => {
  it('lists the three kinds, installed, with what each needs offline', async () => {
    const { code, stdout } = await cli('models', '--json');
    expect(code).toBe(0);
    const parsed = JSON.parse(stdout) as
      { kinds?: { kind: string; available: boolean; offline: string }[] } | { kind: string; available: boolean; offline: string }[];
    const kinds = Array.isArray(parsed) ? parsed : (parsed.kinds ?? []);
    const byKind = Object.fromEntries(kinds.map((info) => [info.kind, info]));
    expect(byKind.compressibility).toMatchObject({ available: true, offline: expect.stringMatching(/^yes/) });
    expect(byKind.safety).toMatchObject({ available: true, offline: expect.stringMatching(/^yes.*nsfwjs/) });
    expect(byKind.aesthetic).toMatchObject({ available: true, offline: expect.stringMatching(/^no.*clip-vit-l14/) });
  }, 120_000);
});

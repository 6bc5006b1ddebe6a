import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EXAMPLE_IMAGES } from '@t2i-reward/core';
import { captureWrites } from '@t2i-reward/core/test';
import { runCli } from '../program.js';

// A model location that is wrong fails in one line naming what is missing, checked before any runtime loads
// (every local backend), and a mistyped built-in model name is answered with the known names. In-process.

const dog = EXAMPLE_IMAGES.find((example) => example.name === 'dog')!.path;
let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 't2ir-model-location-'));
  // A folder that exists but is not a complete GIT ONNX export.
  await fs.mkdir(path.join(dir, 'half-git', 'onnx'), { recursive: true });
  await fs.writeFile(path.join(dir, 'half-git', 'config.json'), '{}');
  await fs.writeFile(path.join(dir, 'half-git', 'onnx', 'vision_encoder.onnx'), '');
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function scoreWith(
  expert: Record<string, unknown>,
  prompt = 'a dog next to a sign that reads "open"',
): Promise<{ code: number; stderr: string; stdout: string }> {
  const config = path.join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  await fs.writeFile(config, JSON.stringify({ experts: [expert] }));
  const stdout = captureWrites(process.stdout);
  const stderr = captureWrites(process.stderr);
  try {
    const code = await runCli(['score', '--config', config, '--image', dog, '--prompt', prompt, '--threads', '0']);
    return { code, stderr: stderr.text, stdout: stdout.text };
  } finally {
    vi.restoreAllMocks();
  }
}

/** The one line `t2ir score` prints for an expert that failed on every image. */
function failureLine(stderr: string, name: string): string {
  const lines = stderr.split('\n').filter((line) => line.includes(`expert '${name}' failed on every image`));
  expect(lines, stderr).toHaveLength(1);
  return lines[0]!;
}

describe('a wrong model location: one line naming what is missing (every local backend)', () => {
  const cases: [string, () => Record<string, unknown>, string, RegExp][] = [
    [
      'vqa onnx (GIT export)',
      () => ({ kind: 'vqa', backend: { type: 'onnx', model: './nowhere' } }),
      'vqa',
      /the GIT-style ONNX export: model folder .*nowhere does not exist$/,
    ],
    ['vqa transformers', () => ({ kind: 'vqa', backend: { type: 'transformers', model: './nowhere' } }), 'vqa', /model folder .*nowhere does not exist$/],
    ['orm transformers', () => ({ kind: 'orm', backend: { type: 'transformers', model: './nowhere' } }), 'orm', /model folder .*nowhere does not exist$/],
    [
      'hpm clip',
      () => ({ kind: 'hpm', backend: { type: 'transformers', model: './nowhere' }, options: { variant: 'clipscore' } }),
      'hpm',
      /CLIP model: model folder .*nowhere does not exist$/,
    ],
    [
      'hpm image-reward',
      () => ({ kind: 'hpm', backend: { type: 'onnx', model: './nowhere' }, options: { variant: 'image-reward' } }),
      'hpm',
      /model folder .*nowhere does not exist$/,
    ],
    [
      'detector open-vocabulary',
      () => ({ kind: 'detector', backend: { type: 'transformers', model: './nowhere' } }),
      'detector',
      /open-vocabulary detector: model folder .*nowhere does not exist$/,
    ],
    [
      'detector TF.js model.json',
      () => ({ kind: 'detector', backend: { type: 'tfjs', model: './nowhere/model.json' } }),
      'detector',
      /nowhere\/model\.json does not exist/,
    ],
    [
      'ocr langPath',
      () => ({ kind: 'ocr', backend: { type: 'tesseract' }, options: { langPath: './nowhere' } }),
      'ocr',
      /OCR langPath .*nowhere does not exist/,
    ],
    [
      'an incomplete ONNX export names the files it lacks',
      () => ({ kind: 'vqa', backend: { type: 'onnx', model: path.join(dir, 'half-git') } }),
      'vqa',
      /half-git lacks onnx\/decoder_model\.onnx, tokenizer\.json, tokenizer_config\.json, preprocessor_config\.json$/,
    ],
  ];
  it.each(cases)('%s', async (_what, expert, name, message) => {
    const { code, stderr } = await scoreWith(expert());
    expect(code).toBe(1);
    const line = failureLine(stderr, name);
    expect(line).toMatch(message);
    expect(line).not.toMatch(/Cannot read properties|ENOENT|undefined/);
  });
});

describe('a mistyped model name: the known names', () => {
  it('"model": "centrenet" → did you mean centernet', async () => {
    const { code, stderr } = await scoreWith({ kind: 'detector', backend: { type: 'tfjs', model: 'centrenet' } });
    expect(code).toBe(1);
    const line = failureLine(stderr, 'detector');
    expect(line).toMatch(
      /unknown TF\.js detector model 'centrenet'; did you mean 'centernet'\?: give a built-in model \(centernet\) or the path of a TF\.js graph model\.json/,
    );
    expect(line).not.toContain('ENOENT');
  });

  it('a mistyped expert kind → did you mean, with the known kinds (exit 2)', async () => {
    const { code, stderr } = await scoreWith({ kind: 'detectr' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/unknown expert kind 'detectr'; did you mean 'detector'\? \(known: detector, /);
  });
});

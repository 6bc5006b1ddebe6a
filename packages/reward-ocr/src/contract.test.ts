import { afterAll, describe, expect, it } from 'vitest';
import { type Ensemble, type RgbImage, createEnsembleFromConfig, encodeImage, InvalidConfigError } from '@t2i-reward/core';
import { describeRewardContract } from '@t2i-reward/core/test';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { renderText } from '../test/render.js';
import { expertPlugin } from './index.js';

const [sign, poster] = await Promise.all([
  renderText('Open Late', { font: 'sansBold', size: 48 }),
  renderText('Fresh Bread Daily', { font: 'serif', size: 32, color: '#ffffff', background: '#263238' }),
]);

// The core reward contract on the real tesseract expert, created the way config files create it.
describeRewardContract(
  'ocr (tesseract, eng)',
  () => expertPlugin.create({ kind: 'ocr' }, { configDir: process.cwd(), path: 'experts/0', resolvePath: (p) => p, image: {} }),
  {
    samples: [
      { image: sign, prompt: 'a neon sign reading "Open Late"' },
      { image: poster, prompt: 'a bakery poster that says "Fresh Bread" in white' },
      { image: sign, prompt: 'a sign with no quoted text' },
    ],
    unprocessableSample: { image: { data: new Uint8Array(5), width: 3, height: 3, hash: 'corrupt' } as RgbImage, prompt: 'a sign "x"' },
  },
);

describe('config files', () => {
  let ensemble: Ensemble | undefined;
  let dir: string | undefined;
  afterAll(async () => {
    await ensemble?.dispose();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('{ kind: "ocr" } resolves to this package and scores a file (reward = 1 − distance / length)', async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 't2ir-ocr-'));
    const file = path.join(dir, 'sign.png');
    await fs.writeFile(file, await encodeImage(sign, 'png'));
    ensemble = await createEnsembleFromConfig({ experts: [{ kind: 'ocr', options: { workers: 1 } }] });
    const [exact, partial] = await ensemble.score([
      { image: file, prompt: 'a sign "Open Late"' },
      { image: file, prompt: 'a sign "Open Later Tonight"' },
    ]);
    expect(exact?.reward).toBe(1);
    expect(exact?.experts.ocr?.modelId).toBe('ocr/tesseract/eng');
    // "openlate" vs "openlatertonight": 8 insertions over 16 characters.
    expect(partial?.experts.ocr?.raw).toBe(8);
    expect(partial?.reward).toBeCloseTo(0.5, 10);
  });

  it('rejects a bad option with its path', async () => {
    await expect(createEnsembleFromConfig({ experts: [{ kind: 'ocr', options: { workers: 0 } }] })).rejects.toThrow(/experts\/0\/options\/workers/);
    await expect(createEnsembleFromConfig({ experts: [{ kind: 'ocr', options: { language: ['eng'] } }] })).rejects.toThrow(/experts\/0\/options\/language/);
    await expect(createEnsembleFromConfig({ experts: [{ kind: 'ocr', backend: { type: 'paddle' } }] })).rejects.toThrow(InvalidConfigError);
  });
});

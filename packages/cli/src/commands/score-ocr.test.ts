import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCliCaptured } from './__fixtures__/run-cli.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const images = path.join(repoRoot, 'packages/reward-ocr/fixtures/images');

describe('t2ir score --expert ocr (in-process, no config)', () => {
  const t2ir = runCliCaptured;

  it('grades rendered text: the asked text > part of it > other text >= a blank sign; no quotes → null', async () => {
    const files = ['grand-opening.png', 'grand.png', 'closed-today.png', 'blank.png', 'grand-opening.png'].map((name) => path.join(images, name));
    const prompt = 'A green shop sign that reads "Grand Opening" in white letters';
    const { code, stdout, stderr } = await t2ir(
      'score',
      '--expert',
      'ocr',
      '--image',
      ...files,
      '--prompt',
      prompt,
      prompt,
      prompt,
      prompt,
      'a green shop sign',
      '--json',
    );
    expect(code, stderr).toBe(0);
    const results = (
      JSON.parse(stdout) as {
        results: {
          reward: number | null;
          experts: { ocr: { score: number | null; raw: number | null; warnings: string[]; details: { recognizedText?: string } } };
        }[];
      }
    ).results;
    const scores = results.map((result) => result.experts.ocr.score);
    expect(scores[0]).toBe(1);
    expect(results[0]!.experts.ocr.details.recognizedText).toMatch(/Grand Opening/i);
    expect(scores[1]).toBeCloseTo(1 - 7 / 12, 10);
    expect(scores[2]!).toBeLessThan(0.3);
    expect(scores[3]).toBe(0);
    expect(scores[4]).toBeNull();
    expect(results[4]!.experts.ocr.warnings.join(' ')).toMatch(/no text in double quotes/);
    expect(results[0]!.reward).toBe(1);
  });
});

describe('the ocr explain (its plugin gives the "why" column)', () => {
  it('names the target and what was read', async () => {
    const { expertPlugin } = await import('@t2i-reward/ocr');
    const explainDetails = expertPlugin.explain!;
    expect(explainDetails({ target: 'Grand Opening', normalizedTarget: 'grandopening', compared: 'grand', rule: 'levenshtein', distance: 7, length: 12 })).toBe(
      'read "grand" for "grandopening": distance 7/12',
    );
    expect(
      explainDetails({ target: 'Grand Opening', normalizedTarget: 'grandopening', compared: 'grandopeningtoday', rule: 'contains', distance: 0, length: 12 }),
    ).toBe('read "grandopeningtoday": contains "grandopening"');
    expect(explainDetails({ target: null })).toBe('no quoted text in the prompt');
  });
});

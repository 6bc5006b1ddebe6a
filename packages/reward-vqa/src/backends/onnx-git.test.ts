import { afterAll, describe, expect, it } from 'vitest';
import { ModelLoadError } from '@t2i-reward/core';
import { fixtureModelDir, readReference } from '../__fixtures__/reference.js';
import { OnnxGitYesNoBackend } from '@t2i-reward/yes-no';

const dir = fixtureModelDir('tiny-git');
const { reference, image } = readReference(dir);
const backend = new OnnxGitYesNoBackend({ model: dir });
afterAll(() => backend.dispose());

describe('OnnxGitYesNoBackend on the tiny GIT-style export', () => {
  it('matches the torch reference within 1e-5, encoding the image once for all questions', async () => {
    const answers = await backend.ask(
      image,
      reference.cases.map((c) => ({ body: c.text })),
    );
    answers.forEach((answer, i) => {
      const c = reference.cases[i]!;
      expect(Math.abs(answer.ratio! - c.ratio)).toBeLessThanOrEqual(1e-5);
      expect(Math.abs(answer.pYes! - c.pYes)).toBeLessThanOrEqual(1e-5);
      expect(answer.warnings).toEqual([]);
    });
    expect(backend.stats.imageEncodings).toBe(1);
    expect(backend.stats.decoderRuns).toBe(reference.cases.length);
  });

  it('truncates an over-long question to the decoder limit with a warning', async () => {
    const [answer] = await backend.ask(image, [{ prefix: 'is there ', body: 'a red car '.repeat(20), suffix: '?' }]);
    expect(answer!.warnings).toEqual(['prompt truncated from 60 to 28 tokens to fit the model limit of 32 tokens']);
    expect(answer!.ratio).toBeGreaterThan(0);
  });

  it('names the folder when the export is missing', async () => {
    const error = await new OnnxGitYesNoBackend({ model: '/nonexistent/git' }).load().catch((e: unknown) => e);
    expect(ModelLoadError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('/nonexistent/git');
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import { fixtureModelDir, readReference } from '../__fixtures__/reference.js';
import { OnnxYesNoBackend } from '@t2i-reward/yes-no';

const dir = fixtureModelDir('tiny-blip');
const { reference, image } = readReference(dir);
const backend = new OnnxYesNoBackend({ model: dir });
afterAll(() => backend.dispose());

describe('onnx backend on the tiny BLIP-VQA export', () => {
  it('picks the BLIP layout from config.json and matches the torch reference within 1e-5', async () => {
    const answers = await backend.ask(
      image,
      reference.cases.map((c) => ({ body: c.text })),
    );
    expect(backend.architecture).toBe('blip');
    answers.forEach((answer, i) => {
      const c = reference.cases[i]!;
      expect(Math.abs(answer.ratio! - c.ratio)).toBeLessThanOrEqual(1e-5);
      expect(Math.abs(answer.pYes! - c.pYes)).toBeLessThanOrEqual(1e-5);
    });
    expect(backend.stats.imageEncodings).toBe(1);
    expect(backend.stats.decoderRuns).toBe(reference.cases.length);
  });

  it('truncates an over-long question to the encoder limit with a warning', async () => {
    const [answer] = await backend.ask(image, [{ prefix: 'is there ', body: 'a red car '.repeat(20), suffix: '?' }]);
    expect(answer!.warnings).toEqual(['prompt truncated from 60 to 27 tokens to fit the model limit of 32 tokens']);
    expect(answer!.ratio).toBeGreaterThan(0);
  });
});

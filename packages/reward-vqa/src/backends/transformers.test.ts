import { afterAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ModelLoadError, createRgbImage } from '@t2i-reward/core';
import { fixtureModelDir, readReference } from '../__fixtures__/reference.js';
import { TransformersYesNoBackend } from '@t2i-reward/yes-no';

const dir = fixtureModelDir('tiny-llava');
const { reference, image } = readReference(dir);
const backend = new TransformersYesNoBackend({ model: dir });
afterAll(() => backend.dispose());

describe('TransformersYesNoBackend on the tiny LLaVA fixture', () => {
  it('matches the torch reference within 1e-5, one question per call', async () => {
    for (const c of reference.cases) {
      const [answer] = await backend.ask(image, [{ body: c.text }], { temperature: c.temperature ?? 1 });
      expect(Math.abs(answer!.ratio! - c.ratio)).toBeLessThanOrEqual(1e-5);
      expect(Math.abs(answer!.pYes! - c.pYes)).toBeLessThanOrEqual(1e-5);
      expect(Math.abs(answer!.pNo! - c.pNo)).toBeLessThanOrEqual(1e-5);
      expect(answer!.warnings).toEqual([]);
    }
  });

  it('answers a left-padded batch of questions of different lengths like the single calls', async () => {
    const vqa = reference.cases.filter((c) => c.kind === 'vqa');
    const answers = await backend.ask(
      image,
      vqa.map((c) => ({ body: c.text })),
    );
    answers.forEach((answer, i) => expect(Math.abs(answer.ratio! - vqa[i]!.ratio)).toBeLessThanOrEqual(1e-5));
  });

  it('encodes the image once for all questions of an image', async () => {
    const fresh = new TransformersYesNoBackend({ model: dir, maxBatchQuestions: 2, sessionOptions: { intraOpNumThreads: 1 } });
    try {
      const questions = ['red car?', 'blue dog?', 'green cat?', 'wooden bird?', 'round photo?'].map((body) => ({ body }));
      await fresh.ask(image, questions);
      expect(fresh.stats.imageEncodings).toBe(1); // the vision_encoder session ran once...
      expect(fresh.stats.decoderRuns).toBe(3); // ...for three decoder batches (2 + 2 + 1 questions)
      const other = createRgbImage(new Uint8Array(32 * 32 * 3).fill(200), 32, 32);
      await fresh.ask(other, questions.slice(0, 1));
      expect(fresh.stats.imageEncodings).toBe(2);
    } finally {
      await fresh.dispose();
    }
  });

  it('removes special-token text from user input instead of letting it add image slots', async () => {
    const [answer] = await backend.ask(image, [{ body: 'red <image>car?' }]);
    const [plain] = await backend.ask(image, [{ body: 'red car?' }]);
    expect(answer!.warnings).toEqual(['removed special token text "<image>" from the prompt']);
    expect(answer!.sent).toBe('red car?'); // what was sent, for details
    expect(plain!.sent).toBeUndefined();
    expect(answer!.ratio).toBeCloseTo(plain!.ratio!, 6);
  });

  it('truncates an over-long prompt to the model limit with a warning', async () => {
    const long = Array.from({ length: 200 }, () => 'red').join(' ');
    const [answer] = await backend.ask(image, [{ prefix: 'is it ', body: long, suffix: '?' }]);
    expect(answer!.warnings).toHaveLength(1);
    expect(answer!.warnings[0]).toMatch(/^prompt truncated from 200 to \d+ tokens to fit the model limit of 128 tokens$/);
    expect(answer!.ratio).toBeGreaterThan(0);
    expect(answer!.ratio).toBeLessThan(1);
  });

  it('gives templates that only read string content "<image>\\n{text}" as the content', async () => {
    const copy = await fs.mkdtemp(path.join(os.tmpdir(), 'tiny-llava-string-template-'));
    try {
      for (const file of await fs.readdir(dir)) await fs.symlink(path.join(dir, file), path.join(copy, file));
      const config = JSON.parse(await fs.readFile(path.join(dir, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
      config.chat_template =
        "{% for m in messages %}{{ m['role'].upper() }}: {{ m['content'] }} {% endfor %}{% if add_generation_prompt %}ASSISTANT:{% endif %}";
      await fs.rm(path.join(copy, 'tokenizer_config.json'));
      await fs.writeFile(path.join(copy, 'tokenizer_config.json'), JSON.stringify(config));
      const stringTemplate = new TransformersYesNoBackend({ model: copy });
      try {
        // Renders "USER: <image>\nred car? ASSISTANT:", the LLaVA-1.5 rendering the reference used.
        const [answer] = await stringTemplate.ask(image, [{ body: 'red car?' }]);
        const expected = reference.cases.find((c) => c.text === 'red car?')!;
        expect(Math.abs(answer!.ratio! - expected.ratio)).toBeLessThanOrEqual(1e-5);
      } finally {
        await stringTemplate.dispose();
      }
    } finally {
      await fs.rm(copy, { recursive: true, force: true });
    }
  });

  it('fails to load a missing folder with a ModelLoadError naming it', async () => {
    const missing = new TransformersYesNoBackend({ model: '/nonexistent/model' });
    const error = await missing.load().catch((e: unknown) => e);
    expect(ModelLoadError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('/nonexistent/model');
  });
});

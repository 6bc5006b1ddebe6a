import { afterAll, describe, expect, it } from 'vitest';
import { createRgbImage, type RgbImage } from '@t2i-reward/core';
import {
  findYesNoTokenIds,
  queryText,
  yesNoProbabilities,
  type YesNoAnswer,
  type YesNoAskOptions,
  type YesNoBackend,
  type YesNoQuery,
} from '@t2i-reward/yes-no';
import { fixtureModelDir, readReference } from './__fixtures__/reference.js';
import { createOrmReward } from './orm-reward.js';

/** A backend with fixed first-token logits over a small Qwen-like vocabulary, read by the real yes/no code. */
class LogitsBackend implements YesNoBackend {
  readonly id = 'logits/test';
  readonly stats = { imageEncodings: 0, decoderRuns: 0, requests: 0 };
  readonly ids = findYesNoTokenIds({ yes: 0, Yes: 1, no: 2, No: 3, '\u0120yes': 4, the: 5, image: 6, maybe: 7 });
  asked: YesNoAskOptions[] = [];
  constructor(readonly logits: number[]) {}
  async load() {}
  async ask(_image: RgbImage, queries: readonly YesNoQuery[], options: YesNoAskOptions = {}): Promise<YesNoAnswer[]> {
    this.asked.push(options);
    return queries.map(() => {
      const p = yesNoProbabilities(this.logits, this.ids, options);
      return { pYes: p.pYes, pNo: p.pNo, ratio: p.ratio, reference: p.reference!, warnings: [] };
    });
  }
  async dispose() {}
}

const image = createRgbImage(new Uint8Array(4 * 4 * 3).fill(50), 4, 4);
const logits = [0.9, 0.6, 0.7, 0.2, 1.1, 0.8, 0.3, 0.75];

/** By hand from reward_orm.py: softmax(logits / 0.3); accepted = yes, Yes, no, No; ratio from the ids of "yes" / "no". */
function analytic() {
  const e = logits.map((l) => Math.exp(l / 0.3));
  const z = e.reduce((a, b) => a + b, 0);
  const pAnswer = (e[0]! + e[1]! + e[2]! + e[3]!) / z;
  const ratio = e[0]! / (e[0]! + e[2]!);
  return { pAnswer, ratio, expected: pAnswer * ratio };
}

describe('ORM reference t2i-r1-code: sampled first token (reward_orm.py)', () => {
  it('over 10,000 seeded draws the mean reward is within 0.01 of its analytic expectation', async () => {
    const { pAnswer, ratio, expected } = analytic();
    expect(pAnswer).toBeGreaterThan(0.3);
    expect(pAnswer).toBeLessThan(0.7); // both outcomes are frequent: the test can tell a wrong mass
    const backend = new LogitsBackend(logits);
    const orm = createOrmReward({ backend, reference: 't2i-r1-code', seed: 7 });
    const results = await orm.doScore(Array.from({ length: 10_000 }, () => ({ image, prompt: 'a cat' })));
    const scores = results.map((r) => r.score!);
    for (const score of scores) expect(score === 0 || Math.abs(score - ratio) < 1e-12).toBe(true);
    const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
    expect(Math.abs(mean - expected)).toBeLessThan(0.01);
    const answered = results.filter((r) => (r.details as { answered: boolean }).answered).length / results.length;
    expect(Math.abs(answered - pAnswer)).toBeLessThan(0.02);
    expect(results[0]!.details).toMatchObject({ reference: 't2i-r1-code', expected: expect.closeTo(expected, 12), temperature: 0.3 });
    expect(backend.asked[0]).toMatchObject({ temperature: 0.3, topK: 50 });
    // The deterministic default is the spelling-summed ratio, independent of any draw.
    const [ours] = await createOrmReward({ backend }).doScore([{ image, prompt: 'a cat' }]);
    const e = logits.map((l) => Math.exp(l / 0.3));
    expect(ours!.score).toBeCloseTo((e[0]! + e[1]! + e[4]!) / (e[0]! + e[1]! + e[4]! + e[2]! + e[3]!), 12);
  });

  it('the same seed repeats the draws; another seed gives others', async () => {
    const run = async (seed: number) => {
      const orm = createOrmReward({ backend: new LogitsBackend(logits), reference: 't2i-r1-code', seed });
      return (await orm.doScore(Array.from({ length: 64 }, () => ({ image, prompt: 'a cat' })))).map((r) => r.score);
    };
    const a = await run(1);
    expect(await run(1)).toEqual(a);
    expect(await run(2)).not.toEqual(a);
    expect(new Set(a).size).toBe(2);
  });

  it('top-k: a "yes" outside the top k counts 0, an accepted answer outside it is never drawn', async () => {
    // top 2 = "Ġyes" (not an answer) and "the": nothing accepted can be drawn → always 0.
    const backend = new LogitsBackend([0.1, 0.1, 0.1, 0.1, 3, 2, 0, 0]);
    const orm = createOrmReward({ backend, reference: 't2i-r1-code', topK: 2 });
    const results = await orm.doScore(Array.from({ length: 50 }, () => ({ image, prompt: 'a cat' })));
    expect(results.every((r) => r.score === 0)).toBe(true);
    expect(results[0]!.details).toMatchObject({ pAnswer: 0, answered: false });
  });

  it('refuses options that would stop it reproducing the reference', () => {
    const backend = new LogitsBackend(logits);
    expect(() => createOrmReward({ backend, reference: 't2i-r1-code', temperature: 1 })).toThrow(/temperature would change that/);
    expect(() => createOrmReward({ backend, reference: 't2i-r1-code', template: 'Is it {prompt}?' })).toThrow(/template would change that/);
    expect(() => createOrmReward({ backend, reference: 't2i-r1-code', temperature: 0.3 })).not.toThrow();
  });

  it('fails an item, not the call, on a backend that reports no first-token logits', async () => {
    const bare: YesNoBackend = {
      id: 'bare/test',
      stats: { imageEncodings: 0, decoderRuns: 0, requests: 0 },
      load: async () => {},
      dispose: async () => {},
      ask: async (_i, queries) => queries.map((q) => ({ pYes: 0.5, pNo: 0.5, ratio: queryText(q).length > 0 ? 0.5 : null, warnings: [] })),
    };
    const [result] = await createOrmReward({ backend: bare, reference: 't2i-r1-code' }).doScore([{ image, prompt: 'a cat' }]);
    expect(result!.score).toBeNull();
    expect(result!.error?.message).toContain('does not report the first-token logits');
  });
});

describe('ORM reference on the tiny LLaVA-OneVision fixture (transformers backend)', () => {
  const { image: fixtureImage, cases } = readReference(fixtureModelDir('tiny-llava-ov'));
  const orm = createOrmReward({ backend: { type: 'transformers', model: fixtureModelDir('tiny-llava-ov') }, reference: 't2i-r1-code', seed: 3, topK: 1000 });
  afterAll(() => orm.dispose());

  it('reads the single "yes"/"no" ids next to the spelling-summed torch reference', async () => {
    const prompt = cases.find((c) => c.kind === 'orm')!.prompt!;
    const results = await orm.doScore(Array.from({ length: 16 }, () => ({ image: fixtureImage, prompt })));
    const details = results[0]!.details as { pYes: number; pNo: number; pAnswer: number; expected: number };
    const summed = cases.find((c) => c.kind === 'orm')!;
    // The single ids are a part of the summed spellings; the accepted answers are too ("Ġyes"/"▁no" are not).
    expect(details.pYes).toBeLessThan(summed.pYes);
    expect(details.pNo).toBeLessThan(summed.pNo);
    expect(details.pAnswer).toBeLessThan(summed.pYes + summed.pNo);
    expect(details.pAnswer).toBeGreaterThan(details.pYes + details.pNo);
    const ratio = details.pYes / (details.pYes + details.pNo);
    expect(details.expected).toBeCloseTo(details.pAnswer * ratio, 15);
    // Random weights put almost no mass on an answer token: the sampled reference is 0 where our default is ~1.
    for (const result of results) expect(result.score === 0 || Math.abs(result.score! - ratio) < 1e-12).toBe(true);
  });
});

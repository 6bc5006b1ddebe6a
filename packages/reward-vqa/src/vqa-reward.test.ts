import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidConfigError, createRgbImage, fromT2IR1Row, type RgbImage } from '@t2i-reward/core';
import { describeRewardContract } from '@t2i-reward/core/test';
import { newStats, queryText, type YesNoAnswer, type YesNoBackend, type YesNoQuery } from '@t2i-reward/yes-no';
import { fixtureModelDir, readReference } from './__fixtures__/reference.js';
import { startVllmFixtureServer, type VllmFixtureServer } from '../../yes-no/src/__fixtures__/vllm-server.js';
import { createVqaReward } from './vqa-reward.js';

/** A test double: answers with a fixed ratio per question text (null for unknown ones) and records its calls. */
class TableBackend implements YesNoBackend {
  readonly id = 'table/test';
  readonly stats = newStats();
  readonly calls: { image: RgbImage; questions: string[] }[] = [];
  constructor(readonly table: Record<string, number>) {}
  async load() {}
  async ask(image: RgbImage, queries: readonly YesNoQuery[]): Promise<YesNoAnswer[]> {
    this.calls.push({ image, questions: queries.map(queryText) });
    return queries.map((q) => {
      const ratio = this.table[queryText(q)];
      return ratio === undefined
        ? { pYes: null, pNo: null, ratio: null, warnings: ['neither "yes" nor "no" among the top tokens'] }
        : { pYes: ratio / 2, pNo: (1 - ratio) / 2, ratio, warnings: [] };
    });
  }
  async dispose() {}
}

const red = createRgbImage(new Uint8Array(8 * 8 * 3).fill(90), 8, 8);
const blue = createRgbImage(new Uint8Array(8 * 8 * 3).fill(30), 8, 8);
const spec = (...phrases: [string, string][]) => ({
  objects: phrases.map(([attribute, name]) => ({ name, attributes: [attribute] })),
  relations: [],
});

describe('VqaReward scoring', () => {
  it('asks "{phrase}?" per attribute phrase and takes the mean (T2I-R1) or the product (T2I-CompBench)', async () => {
    const table = { 'red car?': 0.8, 'blue dog?': 0.5 };
    const sample = { image: red, prompt: 'a red car and a blue dog', spec: spec(['red', 'car'], ['blue', 'dog']) };
    const [mean] = await createVqaReward({ backend: new TableBackend(table) }).doScore([sample]);
    expect(mean!.score).toBeCloseTo(0.65, 12);
    expect(mean!.details).toEqual({
      aggregate: 'mean',
      questions: [
        { phrase: 'red car', question: 'red car?', pYes: 0.4, pNo: expect.closeTo(0.1, 12), ratio: 0.8 },
        { phrase: 'blue dog', question: 'blue dog?', pYes: 0.25, pNo: 0.25, ratio: 0.5 },
      ],
    });
    const [product] = await createVqaReward({ backend: new TableBackend(table), aggregate: 'product' }).doScore([sample]);
    expect(product!.score).toBeCloseTo(0.4, 12);
  });

  it('falls back to the nouns and parses the prompt when no spec is given', async () => {
    const backend = new TableBackend({ 'dog?': 0.9, 'bicycle?': 0.3 });
    const [result] = await createVqaReward({ backend }).doScore([{ image: red, prompt: 'a photo of a dog next to a bicycle' }]);
    expect(backend.calls[0]!.questions).toEqual(['dog?', 'bicycle?']);
    expect(result!.score).toBeCloseTo(0.6, 12);
  });

  it('leaves out questions answered neither yes nor no, and scores null when none is left', async () => {
    const backend = new TableBackend({ 'red car?': 0.7 });
    const [partial, none] = await createVqaReward({ backend }).doScore([
      { image: red, prompt: 'x', spec: spec(['red', 'car'], ['green', 'cat']) },
      { image: blue, prompt: 'x', spec: spec(['green', 'cat']) },
    ]);
    expect(partial!.score).toBe(0.7);
    expect(partial!.warnings).toEqual([
      '"green cat": neither "yes" nor "no" among the top tokens',
      '1 of 2 questions got neither yes nor no and were left out',
    ]);
    expect(none!.score).toBeNull();
    expect(none!.error).toBeUndefined();
  });

  it('scores null with a warning when the prompt names no object', async () => {
    const [result] = await createVqaReward({ backend: new TableBackend({}) }).doScore([{ image: red, prompt: '', spec: { objects: [], relations: [] } }]);
    expect(result).toMatchObject({ score: null, warnings: ['the prompt has no object to ask about'] });
  });

  it('asks once per distinct image, with the union of the questions of the samples sharing it', async () => {
    const backend = new TableBackend({ 'red car?': 0.8, 'blue dog?': 0.2 });
    const results = await createVqaReward({ backend }).doScore([
      { image: red, prompt: 'a', spec: spec(['red', 'car']) },
      { image: blue, prompt: 'b', spec: spec(['red', 'car']) },
      { image: createRgbImage(new Uint8Array(red.data), 8, 8), prompt: 'c', spec: spec(['blue', 'dog'], ['red', 'car']) },
    ]);
    expect(backend.calls.map((c) => c.questions)).toEqual([['red car?', 'blue dog?'], ['red car?']]);
    expect(results.map((r) => r.score)).toEqual([0.8, 0.8, expect.closeTo(0.5, 12)]);
  });

  it('uses the question template with the phrase inserted as data, and caps the number of questions', async () => {
    const backend = new TableBackend({});
    const [result] = await createVqaReward({ backend, questionTemplate: 'Is there a {phrase} in the image?', maxQuestions: 1 }).doScore([
      { image: red, prompt: 'x', spec: spec(['{phrase}', 'car'], ['blue', 'dog']) },
    ]);
    expect(backend.calls[0]!.questions).toEqual(['Is there a {phrase} car in the image?']);
    expect(result!.warnings[0]).toBe('asked about the first 1 of 2 phrases (maxQuestions)');
  });

  it('rejects bad options with the key', () => {
    expect(() => createVqaReward({ backend: { type: 'transformers', model: 'x' }, aggregate: 'max' as 'mean' })).toThrow(InvalidConfigError);
    expect(() => createVqaReward({ backend: { type: 'openai', model: 'x' } as never })).toThrow(/baseURL/);
  });
});

describe('VqaReward on the tiny LLaVA fixture (transformers)', () => {
  const dir = fixtureModelDir('tiny-llava');
  const { reference, image } = readReference(dir);
  it('scores a one-phrase prompt as the torch reference probability', async () => {
    const reward = createVqaReward({ backend: { type: 'transformers', model: dir } });
    try {
      const [result] = await reward.doScore([{ image, prompt: 'a red car', spec: spec(['red', 'car']) }]);
      const expected = reference.cases.find((c) => c.text === 'red car?')!;
      expect(Math.abs(result!.score! - expected.ratio)).toBeLessThanOrEqual(1e-5);
      expect(reward.modelId).toBe(`vqa/transformers/${dir}/mean`);
    } finally {
      await reward.dispose();
    }
  });
});

describeRewardContract('vqa (transformers, tiny LLaVA)', () => createVqaReward({ backend: { type: 'transformers', model: fixtureModelDir('tiny-llava') } }), {
  unprocessableSample: { image: red, prompt: '' },
});
describeRewardContract('vqa (onnx, tiny GIT)', () => createVqaReward({ backend: { type: 'onnx', model: fixtureModelDir('tiny-git') } }), {
  unprocessableSample: { image: red, prompt: '' },
});
describeRewardContract(
  'vqa (onnx, tiny BLIP-VQA, T2I-CompBench product)',
  () => createVqaReward({ backend: { type: 'onnx', model: fixtureModelDir('tiny-blip') }, aggregate: 'product' }),
  {
    unprocessableSample: { image: red, prompt: '' },
  },
);

describe('vqa (openai)', () => {
  let server: VllmFixtureServer;
  beforeAll(async () => {
    server = await startVllmFixtureServer();
  });
  afterAll(async () => {
    await server.close();
  });
  describeRewardContract(
    'vqa (openai, loopback vLLM-format server)',
    () => createVqaReward({ backend: { type: 'openai', baseURL: server.baseURL, model: 'vqa' } }),
    {
      unprocessableSample: { image: red, prompt: '' },
    },
  );
});

describe('reference t2i-r1-code (reward_git.py)', () => {
  /** Answers with a single-id ratio per question text (reference) and a different spelling-summed ratio. */
  class ReferenceBackend extends TableBackend {
    override async ask(image: RgbImage, queries: readonly YesNoQuery[]): Promise<YesNoAnswer[]> {
      const answers = await super.ask(image, queries);
      return answers.map((answer) =>
        answer.ratio === null
          ? answer
          : { ...answer, ratio: 0.5, reference: { pYes: answer.ratio / 4, pNo: (1 - answer.ratio) / 4, ratio: answer.ratio, pAnswer: 0.5 } },
      );
    }
  }
  const row = (value: Record<string, unknown>) => fromT2IR1Row({ prompt: 'p', ...value });

  it('gates spatial and numeracy rows to 0 and rows without nouns to 1, without asking', async () => {
    const backend = new ReferenceBackend({});
    const vqa = createVqaReward({ backend, reference: 't2i-r1-code' });
    const results = await vqa.doScore([
      { image: red, prompt: 'p', spec: row({ task_type: 'spatial', nouns: ['dog', 'cat'], spatial_info: { obj1: 'dog', obj2: 'cat', locality: 'left of' } }) },
      { image: red, prompt: 'p', spec: row({ task_type: 'numeracy', nouns: ['dog'], numeracy_info: [{ obj_name: 'dog', num: 2 }] }) },
      { image: red, prompt: 'p', spec: row({ task_type: 'non', nouns: [] }) },
      { image: red, prompt: 'p', metadata: { task_type: 'spatial' }, spec: { objects: [{ name: 'dog' }], relations: [] } },
    ]);
    expect(results.map((r) => r.score)).toEqual([0, 0, 1, 0]);
    expect(results[0]!.details).toMatchObject({ reference: 't2i-r1-code', fixed: 'task_type spatial: the reference scores 0 without asking' });
    expect(backend.calls).toEqual([]);
  });

  it('asks every attr_noun verbatim (no cut at 8), else the nouns, and averages the single-id ratios', async () => {
    const phrases = Array.from({ length: 10 }, (_, i) => `red thing${i}`);
    const table: Record<string, number> = Object.fromEntries(phrases.map((p, i) => [`${p}?`, i / 10]));
    table['dog?'] = 0.9;
    table['bicycle?'] = 0.3;
    const backend = new ReferenceBackend(table);
    const vqa = createVqaReward({ backend, reference: 't2i-r1-code' });
    const [attr, nouns] = await vqa.doScore([
      { image: red, prompt: 'p', spec: row({ task_type: 'color', nouns: ['thing0'], attr_nouns: phrases }) },
      { image: blue, prompt: 'p', spec: row({ task_type: 'complex', nouns: ['dog', 'bicycle'] }) },
    ]);
    expect(attr!.score).toBeCloseTo(0.45, 12);
    expect((attr!.details as { questions: unknown[] }).questions).toHaveLength(10);
    expect(nouns!.score).toBeCloseTo(0.6, 12);
    // Our default on the same rows: 8 questions, and the spelling-summed ratio (0.5 from this double).
    const [ours] = await createVqaReward({ backend }).doScore([
      { image: red, prompt: 'p', spec: row({ task_type: 'color', nouns: ['thing0'], attr_nouns: phrases }) },
    ]);
    expect(ours!.score).toBe(0.5);
    expect(ours!.warnings).toContain('asked about the first 8 of 10 phrases (maxQuestions)');
  });

  it('fails the item when the backend gives no first-token reference numbers; rejects the product', async () => {
    const [result] = await createVqaReward({ backend: new TableBackend({ 'dog?': 0.5 }), reference: 't2i-r1-code' }).doScore([
      { image: red, prompt: 'p', spec: row({ task_type: 'object', nouns: ['dog'] }) },
    ]);
    expect(result!.score).toBeNull();
    expect(result!.error?.message).toContain('does not report the first-token logits');
    expect(() => createVqaReward({ backend: new TableBackend({}), reference: 't2i-r1-code', aggregate: 'product' })).toThrow(InvalidConfigError);
    expect(() => createVqaReward({ backend: new TableBackend({}), reference: 't2i-r1-code', temperature: 0.5 })).toThrow(/temperature would change that/);
    expect(() => createVqaReward({ backend: new TableBackend({}), reference: 't2i-r1-code', questionTemplate: 'is there {phrase}?' })).toThrow(
      /questionTemplate/,
    );
    expect(() => createVqaReward({ backend: new TableBackend({}), reference: 't2i-r1-code', temperature: 1, questionTemplate: '{phrase}?' })).not.toThrow();
  });
});

describe('reference t2i-r1-code on the tiny GIT export (reward_git.py reads the single yes/no ids at T = 1)', () => {
  const dir = fixtureModelDir('tiny-git');
  const { reference, image } = readReference(dir);
  const vqa = createVqaReward({ backend: { type: 'onnx', model: dir }, reference: 't2i-r1-code' });
  afterAll(() => vqa.dispose());

  it('a T2I-R1 colour row scores the torch P(yes)/(P(yes)+P(no)) of its attr_noun question', async () => {
    const torch = reference.cases.find((c) => c.text === 'red car?')!;
    const [result] = await vqa.doScore([
      { image, prompt: 'a red car', spec: fromT2IR1Row({ prompt: 'a red car', task_type: 'color', nouns: ['car'], attr_nouns: ['red car'] }) },
    ]);
    expect(Math.abs(result!.score! - torch.ratio)).toBeLessThanOrEqual(1e-5);
    const [question] = (result!.details as { questions: { pYes: number; pNo: number }[] }).questions;
    expect(Math.abs(question!.pYes - torch.pYes)).toBeLessThanOrEqual(1e-5);
    expect(Math.abs(question!.pNo - torch.pNo)).toBeLessThanOrEqual(1e-5);
  });
});

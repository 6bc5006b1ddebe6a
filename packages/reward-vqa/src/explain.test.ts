import { describe, expect, it } from 'vitest';
import { createRgbImage, createRewardRegistry, type QuestionRecord } from '@t2i-reward/core';
import { newStats, queryText, type YesNoAnswer, type YesNoBackend, type YesNoQuery } from '@t2i-reward/yes-no';
import { explain } from './explain.js';
import { expertPlugin } from './plugin.js';
import { createVqaReward } from './vqa-reward.js';

const table: Record<string, number> = { 'red car?': 0.8, 'blue dog?': 0.25 };
const backend: YesNoBackend = {
  id: 'table/explain',
  stats: newStats(),
  async load() {},
  async ask(_image, queries: readonly YesNoQuery[]): Promise<YesNoAnswer[]> {
    return queries.map((q) => {
      const ratio = table[queryText(q)];
      return ratio === undefined ? { pYes: null, pNo: null, ratio: null, warnings: [] } : { pYes: ratio / 2, pNo: (1 - ratio) / 2, ratio, warnings: [] };
    });
  },
  async dispose() {},
};
const image = createRgbImage(new Uint8Array(8 * 8 * 3).fill(90), 8, 8);
const spec = {
  objects: [
    { name: 'car', attributes: ['red'] },
    { name: 'dog', attributes: ['blue'] },
    { name: 'cat', attributes: ['green'] },
  ],
  relations: [],
};

describe('VQA details contract and explain()', () => {
  it('writes question records and explains each, unanswered ones included', async () => {
    const [result] = await createVqaReward({ backend }).doScore([{ image, prompt: 'a red car, a blue dog and a green cat', spec }]);
    const questions = result!.details!.questions as QuestionRecord[];
    for (const q of questions) expect(Object.keys(q)).toEqual(expect.arrayContaining(['question', 'pYes', 'pNo', 'ratio']));
    expect(explain(result!.details)).toBe('mean of red car? 0.80, blue dog? 0.25, green cat? no answer');
    expect(createRewardRegistry({ plugins: [expertPlugin] }).explain({ kind: 'vqa', details: result!.details })).toBe(explain(result!.details));
  });
});

import { describe, expect, it } from 'vitest';
import { createRgbImage, createRewardRegistry, type QuestionRecord } from '@t2i-reward/core';
import type { YesNoAnswer, YesNoBackend } from '@t2i-reward/yes-no';
import { explain } from './explain.js';
import { createOrmReward } from './orm-reward.js';
import { expertPlugin } from './plugin.js';

const backend: YesNoBackend = {
  id: 'fixed/explain',
  stats: { imageEncodings: 0, decoderRuns: 0, requests: 0 },
  async load() {},
  async ask(_image, queries): Promise<YesNoAnswer[]> {
    return queries.map(() => ({ pYes: 0.6, pNo: 0.15, ratio: 0.8, warnings: [] }));
  },
  async dispose() {},
};

describe('ORM details contract and explain()', () => {
  it('writes one question record and explains it with the temperature', async () => {
    const [result] = await createOrmReward({ backend }).doScore([{ image: createRgbImage(new Uint8Array(12).fill(9), 2, 2), prompt: 'a red car' }]);
    const [question] = result!.details!.questions as QuestionRecord[];
    expect(question).toEqual({ question: 'matches the prompt?', pYes: 0.6, pNo: 0.15, ratio: 0.8 });
    expect(explain(result!.details)).toBe('matches the prompt? 0.80 (T 0.3)');
    expect(createRewardRegistry({ plugins: [expertPlugin] }).explain({ kind: 'orm', details: result!.details })).toBe('matches the prompt? 0.80 (T 0.3)');
  });
});

describe('explain() in reference mode (t2i-r1-code samples the answer token)', () => {
  const details = { reference: 't2i-r1-code', draw: 0.57, pAnswer: 0.31, pYes: 0.2, pNo: 0.11, expected: 0.2, temperature: 0.3 };

  it('answered: false (a token other than yes / no was drawn) explains the 0 instead of saying nothing', () => {
    expect(explain({ ...details, answered: false })).toBe(
      'no yes/no answer drawn (draw 0.57 ≥ P(yes or no) 0.31): 0, as the released code scores it; expected 0.20 (T 0.3)',
    );
  });

  it('answered: true gives the draw and the yes ratio', () => {
    expect(explain({ ...details, draw: 0.12, answered: true })).toBe('answered (draw 0.12 < P(yes or no) 0.31): yes ratio 0.65 (T 0.3)');
  });
});

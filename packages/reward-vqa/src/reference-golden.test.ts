import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createRgbImage, fromT2IR1Row, type RgbImage } from '@t2i-reward/core';
import { newStats, queryText, referenceFirstToken, type YesNoAnswer, type YesNoBackend, type YesNoQuery } from '@t2i-reward/yes-no';
import { fixtureModelDir } from './__fixtures__/reference.js';
import { createVqaReward } from './vqa-reward.js';

/** Golden cases of scripts/reward_git_port.py (a port of reward_git.py's GIT.__call__, written from reading it). */
interface GoldenCase {
  name: string;
  row: Record<string, unknown> & { prompt: string };
  /** The questions the reference sends, in order. */
  sent: string[];
  /** Its score; null where it is NaN (an empty attr_nouns list). */
  expected: number | null;
}
const golden = JSON.parse(readFileSync(new URL('./__fixtures__/reward-git-golden.json', import.meta.url), 'utf8')) as { cases: GoldenCase[] };

/** The port's stand-in model (`first_token_logits`): logits of "yes", "no" and one other token from the question text. */
function firstTokenLogits(text: string): number[] {
  const codes = [...text].map((c) => c.codePointAt(0)!);
  const sum = codes.reduce((a, b) => a + b, 0);
  return [(sum % 17) / 4, (codes.length % 11) / 3, ((sum * 7) % 13) / 5];
}

/** A backend answering each question with the stand-in model's first-token numbers; records what it was asked. */
class StandInBackend implements YesNoBackend {
  readonly id = 'stand-in/test';
  readonly stats = newStats();
  readonly asked: string[][] = [];
  constructor(readonly strip?: string) {}
  async load() {}
  async ask(_image: RgbImage, queries: readonly YesNoQuery[]): Promise<YesNoAnswer[]> {
    this.asked.push(queries.map(queryText));
    return queries.map((query) => {
      // A backend whose model reads `strip` as markup removes it and says what it sent (as the LLaVA / OpenAI backends do).
      const body = this.strip ? query.body.split(this.strip).join('') : query.body;
      const text = queryText({ ...query, body });
      const reference = referenceFirstToken(firstTokenLogits(text), { yes: 0, no: 1, answers: [0, 1] });
      return {
        pYes: reference.pYes,
        pNo: reference.pNo,
        ratio: reference.ratio,
        reference,
        ...(text !== queryText(query) ? { sent: text } : {}),
        warnings: [],
      };
    });
  }
  async dispose() {}
}

const image = createRgbImage(new Uint8Array(4 * 4 * 3).fill(70), 4, 4);

describe('VQA reference t2i-r1-code: golden cases from a port of reward_git.py (scripts/reward_git_port.py)', () => {
  it('has the hand-made cases the issue lists and real training rows', () => {
    expect(golden.cases.length).toBeGreaterThanOrEqual(50);
    for (const name of [
      'null attr_nouns → the nouns',
      'question as written (case)',
      'duplicate nouns asked each time',
      'objects only in spatial_info are not asked',
    ])
      expect(golden.cases.map((c) => c.name)).toContain(name);
    expect(golden.cases.some((c) => c.sent.some((q) => q.includes('<image>')))).toBe(true);
  });

  it.each(golden.cases.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const backend = new StandInBackend();
    const vqa = createVqaReward({ backend, reference: 't2i-r1-code' });
    // The row as a dataset library gives it (null columns included) goes through core's converter.
    const [result] = await vqa.doScore([{ image, prompt: c.row.prompt, spec: fromT2IR1Row(c.row) }]);
    // A question repeated about one image runs once (the forward pass is deterministic); each copy counts in the mean.
    expect(backend.asked.flat()).toEqual([...new Set(c.sent)]);
    const questions = (result!.details as { questions: { question: string }[] }).questions;
    expect(questions.map((q) => q.question)).toEqual(c.sent);
    if (c.expected === null) expect(result!.score).toBeNull();
    else expect(Math.abs(result!.score! - c.expected)).toBeLessThanOrEqual(1e-12);
  });

  it('details show the question as the backend sent it, with a warning, when a backend removes "<image>"', async () => {
    const c = golden.cases.find((x) => x.name === '<image> in a phrase is sent as text')!;
    const [result] = await createVqaReward({ backend: new StandInBackend('<image>'), reference: 't2i-r1-code' }).doScore([
      { image, prompt: c.row.prompt, spec: fromT2IR1Row(c.row) },
    ]);
    expect((result!.details as { questions: { question: string }[] }).questions[0]!.question).toBe('a  sign?');
    expect(result!.warnings.join('\n')).toContain('the reference sends "a <image> sign?" as written');
  });
});

describe('VQA default mode: details show the question as sent too', () => {
  it('a backend that removed "<image>" reports the text it sent', async () => {
    const spec = fromT2IR1Row({ prompt: 'a sign', task_type: 'texture', nouns: ['sign'], attr_nouns: ['a <image> sign'] });
    const [result] = await createVqaReward({ backend: new StandInBackend('<image>') }).doScore([{ image, prompt: 'a sign', spec }]);
    expect((result!.details as { questions: { question: string }[] }).questions[0]!.question).toBe('a  sign?');
  });
});

describe('VQA reference on the tiny GIT export: "<image>" is plain text to GIT\'s tokenizer, sent as written', () => {
  const vqa = createVqaReward({ backend: { type: 'onnx', model: fixtureModelDir('tiny-git') }, reference: 't2i-r1-code' });
  afterAll(() => vqa.dispose());

  it('asks "a <image> sign?" unchanged and reports no removal', async () => {
    const spec = fromT2IR1Row({ prompt: 'a sign', task_type: 'texture', nouns: ['sign'], attr_nouns: ['a <image> sign'] });
    const [result] = await vqa.doScore([{ image, prompt: 'a sign', spec }]);
    expect(result!.error).toBeUndefined();
    expect((result!.details as { questions: { question: string }[] }).questions[0]!.question).toBe('a <image> sign?');
    expect(result!.warnings).toEqual([]);
  });
});

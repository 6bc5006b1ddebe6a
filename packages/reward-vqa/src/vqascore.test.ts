import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidConfigError, createRgbImage, createRewardRegistry } from '@t2i-reward/core';
import { describeRewardContract } from '@t2i-reward/core/test';
import { TransformersYesNoBackend, newStats, queryText } from '@t2i-reward/yes-no';
import { fixtureModelDir, readReference } from './__fixtures__/reference.js';
import { startVllmFixtureServer, type VllmFixtureServer } from '../../yes-no/src/__fixtures__/vllm-server.js';
import { expertPlugin } from './plugin.js';
import type { VqaRewardOptions } from './options.js';
import { createVqaReward } from './vqa-reward.js';
import { VQASCORE_TEMPLATE, vqascoreQuery } from './vqascore.js';

/*
 * A port of the reference, written from linzhiqiu/t2v_metrics (t2v_metrics/models/vqascore_models/gpt4v_model.py):
 *   default_question_template = 'Does this figure show "{}"? Please answer yes or no.'; default_answer_template = 'Yes'
 *   questions = [question_template.format(text) for text in texts]
 *   for top_logprob in completion.choices[0].logprobs.content[0].top_logprobs:
 *       if top_logprob.token == answer: return torch.Tensor([top_logprob.logprob]).exp()
 *   return torch.Tensor([0.0])
 */
const REFERENCE_QUESTION_TEMPLATE = 'Does this figure show "{}"? Please answer yes or no.';
const REFERENCE_ANSWER = 'Yes';

/** Python's str.format with one positional field: "{}" takes the argument, "{{" / "}}" are literal braces. */
function pythonFormat(template: string, argument: string): string {
  return template.replace(/\{\{|\}\}|\{\}/g, (match) => (match === '{}' ? argument : match[0]!));
}

/** gpt4v_model.py forward_single's score from the returned top logprobs. */
function referenceScore(topLogprobs: readonly { token: string; logprob: number }[]): number {
  for (const entry of topLogprobs) if (entry.token === REFERENCE_ANSWER) return Math.exp(entry.logprob);
  return 0;
}

/** What a server returns for `top_logprobs=2` (gpt4v_model.py's default): the two most likely of its tokens. */
function served(top: readonly [string, number][], topLogprobs = 2): { token: string; logprob: number }[] {
  return [...top]
    .sort((a, b) => b[1] - a[1])
    .slice(0, topLogprobs)
    .map(([token, p]) => ({ token, logprob: Math.log(p) }));
}

const image = createRgbImage(new Uint8Array(8 * 8 * 3).fill(90), 8, 8);
let server: VllmFixtureServer;
beforeAll(async () => {
  server = await startVllmFixtureServer();
});
afterAll(async () => {
  await server.close();
});

const servedVqascore = (extra: Partial<VqaRewardOptions> = {}) =>
  createVqaReward({ ...extra, variant: 'vqascore', backend: { type: 'openai', baseURL: server.baseURL, model: 'clip-flant5', retryBaseMs: 1 } });

describe('VQAScore question (golden cases against the port of t2v_metrics)', () => {
  const prompts = [
    'a photo of a dog',
    'the word "OPEN" on a red sign',
    'a {curly} brace and {prompt} written on a wall',
    "someone's cat, 3 apples; émoji 🍎",
    '',
  ];
  it.each(prompts)('asks what question_template.format(text) asks: %j', (prompt) => {
    expect(queryText(vqascoreQuery(prompt))).toBe(pythonFormat(REFERENCE_QUESTION_TEMPLATE, prompt));
  });

  it('keeps the template verbatim', () => {
    expect(VQASCORE_TEMPLATE.replace('{prompt}', '{}')).toBe(REFERENCE_QUESTION_TEMPLATE);
  });
});

describe('VQAScore through a served model (loopback vLLM-format server)', () => {
  it('scores P(yes) alone, as the reference, and sends the reference question', async () => {
    // The fixture answers "[p=0.8]" with top tokens Yes 0.72, No 0.18, Maybe 0.05.
    const top = [
      { token: 'Yes', logprob: Math.log(0.72) },
      { token: 'No', logprob: Math.log(0.18) },
      { token: 'Maybe', logprob: Math.log(0.05) },
    ];
    const prompt = 'a cat on a mat [p=0.8]';
    const [result] = await servedVqascore().doScore([{ image, prompt }]);
    expect(result!.score).toBeCloseTo(referenceScore(top), 12);
    expect(result!.score).toBeCloseTo(0.72, 12); // not the yes ratio 0.8
    const sent = server.requests.find((r) => r.body.messages[0]!.content.some((c) => c.text?.includes('a cat on a mat')));
    expect(sent!.body.messages[0]!.content.find((c) => c.type === 'text')!.text).toBe(pythonFormat(REFERENCE_QUESTION_TEMPLATE, prompt));
    expect(result!.details).toMatchObject({ variant: 'vqascore', pYes: expect.closeTo(0.72, 12) });
    expect(result!.warnings).toEqual([]);
  });

  it('sums every spelling of yes where the reference reads the one token "Yes" (documented deviation)', async () => {
    // Default fixture answer: "Yes" 0.5, "No" 0.3, " yes" 0.1, "The" 0.05.
    const [result] = await servedVqascore().doScore([{ image, prompt: 'a red bus' }]);
    expect(referenceScore([{ token: 'Yes', logprob: Math.log(0.5) }])).toBeCloseTo(0.5, 12);
    expect(result!.score).toBeCloseTo(0.6, 12);
  });

  it('scores 0 with a warning when no yes is among the top tokens, as the reference', async () => {
    const [result] = await servedVqascore().doScore([{ image, prompt: 'a tree [neither]' }]);
    expect(result!.score).toBe(referenceScore([{ token: 'The', logprob: Math.log(0.4) }]));
    expect(result!.score).toBe(0);
    expect(result!.warnings.join(' ')).toMatch(/no "yes" among the returned top tokens: P\(yes\) taken as 0/);
  });

  it('fails one item with a typed error on a server error, never a 0', async () => {
    const [bad, good] = await createVqaReward({
      variant: 'vqascore',
      backend: { type: 'openai', baseURL: server.baseURL, model: 'm', retryBaseMs: 1, maxRetries: 1 },
    }).doScore([
      { image, prompt: 'x [500]' },
      { image: createRgbImage(new Uint8Array(8 * 8 * 3).fill(10), 8, 8), prompt: 'y [p=0.5]' },
    ]);
    expect(bad!.score).toBeNull();
    expect(bad!.error?.message).toMatch(/HTTP 500/);
    expect(good!.score).toBeCloseTo(0.45, 12);
  });

  it('explains itself through the plugin', async () => {
    const [result] = await servedVqascore().doScore([{ image, prompt: 'a dog [p=0.5]' }]);
    expect(createRewardRegistry({ plugins: [expertPlugin] }).explain({ kind: 'vqa', details: result!.details })).toBe('P(yes) 0.45 (VQAScore)');
  });
});

describe('VQAScore options', () => {
  const backend = { type: 'openai' as const, baseURL: 'http://127.0.0.1:9/v1', model: 'm' };
  it('refuses options about phrase questions and a template without {prompt}', () => {
    for (const extra of [{ aggregate: 'product' as const }, { maxQuestions: 2 }, { temperature: 0.5 }]) {
      expect(() => createVqaReward({ variant: 'vqascore', backend, ...extra })).toThrow(InvalidConfigError);
    }
    expect(() => createVqaReward({ variant: 'vqascore', backend, questionTemplate: 'Is it {phrase}?' })).toThrow(/needs the slot \{prompt\}/);
    expect(() => createVqaReward({ backend, questionTemplate: 'Is it {prompt}?' })).toThrow(/needs the slot \{phrase\}/);
    // Each reference mode belongs to its variant.
    expect(() => createVqaReward({ variant: 'vqascore', backend, reference: 't2i-r1-code' })).toThrow(/reproduces the attributes variant, not vqascore/);
    expect(() => createVqaReward({ backend, reference: 't2v-metrics-code' })).toThrow(/reproduces the vqascore variant, not attributes/);
  });

  it('takes a custom template and names it in the model id; an empty prompt scores null without asking', async () => {
    const reward = createVqaReward({ variant: 'vqascore', backend: { ...backend, baseURL: server.baseURL }, questionTemplate: 'Is this "{prompt}"?' });
    expect(reward.modelId).toBe('vqa/openai/m/vqascore/custom-template');
    const before = server.requests.length;
    const [empty] = await reward.doScore([{ image, prompt: '  ' }]);
    expect(empty).toMatchObject({ score: null, warnings: ['empty prompt: nothing to ask about'] });
    expect(server.requests.length).toBe(before);
    const [asked] = await reward.doScore([{ image, prompt: 'a kite [p=0.5]' }]);
    expect(asked!.details!.questions).toEqual([expect.objectContaining({ question: 'Is this "a kite [p=0.5]"?' })]);
  });
});

describe('reference t2v-metrics-code: VQAScore as gpt4v_model.py scores a served model', () => {
  // The fixture's answers (see __fixtures__/vllm-server.ts), and the port's score on the two tokens it would get.
  const cases: [string, [string, number][], number][] = [
    [
      'a red bus',
      [
        ['Yes', 0.5],
        ['No', 0.3],
        [' yes', 0.1],
        ['The', 0.05],
      ],
      0.6,
    ],
    [
      'a cat [p=0.8]',
      [
        ['Yes', 0.72],
        ['No', 0.18],
        ['Maybe', 0.05],
      ],
      0.72,
    ],
    // "Yes" third: outside the reference's top 2 (0), inside our top 20 (0.045).
    [
      'a cat [p=0.05]',
      [
        ['Yes', 0.045],
        ['No', 0.855],
        ['Maybe', 0.05],
      ],
      0.045,
    ],
    [
      'a tree [neither]',
      [
        ['The', 0.4],
        ['A', 0.3],
        ['This', 0.1],
      ],
      0,
    ],
  ];
  it.each(cases)('%s: the port of forward_single, and our default next to it', async (prompt, top, ours) => {
    const reference = referenceScore(served(top));
    const [result] = await servedVqascore({ reference: 't2v-metrics-code' }).doScore([{ image, prompt }]);
    expect(result!.score).toBeCloseTo(reference, 12);
    expect(result!.details).toMatchObject({ variant: 'vqascore', reference: 't2v-metrics-code' });
    if (reference === 0) expect(result!.warnings.join(' ')).toMatch(/no "Yes" among the top 2 tokens: 0, as gpt4v_model\.py/);
    const [byDefault] = await servedVqascore().doScore([{ image, prompt }]);
    expect(byDefault!.score).toBeCloseTo(ours, 12);
  });

  it('names itself in the model id, and fails the items of a backend that returns no top tokens', async () => {
    expect(servedVqascore({ reference: 't2v-metrics-code' }).modelId).toBe('vqa/openai/clip-flant5/vqascore/t2v-metrics-code');
    const local = createVqaReward({
      variant: 'vqascore',
      reference: 't2v-metrics-code',
      backend: {
        id: 'local/x',
        stats: newStats(),
        load: async () => {},
        dispose: async () => {},
        ask: async (_image, queries) => queries.map(() => ({ pYes: 0.5, pNo: 0.5, ratio: 0.5, warnings: [] })),
      },
    });
    const [result] = await local.doScore([{ image, prompt: 'a cat' }]);
    expect(result!.score).toBeNull();
    expect(result!.error?.message).toMatch(/^local\/x does not return top tokens: reference t2v-metrics-code reproduces t2v_metrics' served/);
  });
});

describe('VQAScore on a local backend (tiny LLaVA fixture, transformers.js)', () => {
  const dir = fixtureModelDir('tiny-llava');
  const { image: fixtureImage } = readReference(dir);
  it('scores the first-token P(yes) of the VQAScore question', async () => {
    const backend = new TransformersYesNoBackend({ model: dir });
    try {
      const reward = createVqaReward({ variant: 'vqascore', backend });
      const [result] = await reward.doScore([{ image: fixtureImage, prompt: 'a red car' }]);
      const [answer] = await backend.ask(fixtureImage, [vqascoreQuery('a red car')]);
      expect(result!.score).toBe(answer!.pYes);
      expect(result!.score).not.toBe(answer!.ratio);
      expect(result!.details!.questions).toEqual([expect.objectContaining({ question: 'Does this figure show "a red car"? Please answer yes or no.' })]);
    } finally {
      await backend.dispose();
    }
  });
});

describeRewardContract('vqa vqascore (openai, loopback vLLM-format server)', () => servedVqascore(), {
  // The server answers HTTP 400 to this one: its item fails, the others score as alone.
  unprocessableSample: { image, prompt: 'a bad request [400]' },
});

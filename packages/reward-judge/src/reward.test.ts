import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createEnsembleFromConfig,
  createRgbImage,
  createRewardRegistry,
  InvalidConfigError,
  RemoteServiceError,
  RewardTimeoutError,
  type RewardSample,
} from '@t2i-reward/core';
import { describeRewardContract } from '@t2i-reward/core/test';
import { startStandInJudge, userText, type StandInJudge, type StandInReply } from './__fixtures__/judge-server.js';
import { UNIFIED_REWARD_TEMPLATE, type JudgeRewardOptions } from './options.js';
import { JudgeAnswerError } from './parse.js';
import { expertPlugin } from './plugin.js';
import { createJudgeReward } from './reward.js';

const GOOD = 'Key elements:\n- cat (object): 1\n- mat (object): 1\nThe image is sharp and well lit.\nFinal Score: 4.5';

/** The stand-in's answers, chosen by a marker in the prompt. */
function reply(text: string, seen: number): StandInReply {
  if (text.includes('[good]')) return { text: GOOD };
  if (text.includes('[no-number]')) return { text: 'The image shows a cat on a mat. I would rate it highly overall.' };
  if (text.includes('[cut]')) return { text: 'Key elements:\n- cat (object): 1\n- mat (obj', finishReason: 'length' };
  if (text.includes('[out-of-scale]')) return { text: 'Alignment is perfect.\nFinal Score: 7' };
  if (text.includes('[500-once]')) return seen === 1 ? { status: 500 } : { text: 'Final Score: 3' };
  if (text.includes('[429-once]')) return seen === 1 ? { status: 429, retryAfter: '0' } : { text: 'Final Score: 2' };
  if (text.includes('[500]')) return { status: 500 };
  if (text.includes('[400]')) return { status: 400 };
  if (text.includes('[hang]')) return 'hang';
  if (text.includes('[rating]')) return { text: 'Rating: 3/10 at first glance, but on reflection Rating: 8/10' };
  // Deterministic per prompt: the number of words, on [1, 5].
  const words = /Text Caption: \[(.*)\]/s.exec(text)?.[1]?.split(/\s+/).length ?? 3;
  return { text: `Final Score: ${Math.min(5, Math.max(1, words))}` };
}

let server: StandInJudge;
beforeAll(async () => {
  server = await startStandInJudge(reply);
});
afterAll(async () => {
  await server.close();
});

const image = createRgbImage(new Uint8Array(8 * 8 * 3).fill(120), 8, 8);
const other = createRgbImage(new Uint8Array(8 * 8 * 3).fill(30), 8, 8);
const judge = (extra: Partial<JudgeRewardOptions> = {}, backend: Partial<JudgeRewardOptions['backend']> = {}) =>
  createJudgeReward({ backend: { type: 'openai', baseURL: server.baseURL, model: 'UnifiedReward-7b-v1.5', retryBaseMs: 1, ...backend }, ...extra });
const requestsWith = (marker: string) => server.requests.filter((r) => userText(r.body).includes(marker));

describe('judge against a stand-in OpenAI-compatible server', () => {
  it('scores a good answer: "Final Score: 4.5" on [1, 5] → 0.875, raw text and number in details', async () => {
    const [result] = await judge({}, { apiKey: 'k' }).doScore([{ image, prompt: 'a cat on a mat [good]' }]);
    expect(result).toMatchObject({ score: 0.875, raw: 4.5, warnings: [] });
    expect(result!.error).toBeUndefined();
    expect(result!.details).toEqual({ answer: GOOD, extracted: 4.5, match: 'Final Score: 4.5', scale: [1, 5], attempts: 1, finishReason: 'stop' });
    const [sent] = requestsWith('a cat on a mat [good]');
    expect(sent!.authorization).toBe('Bearer k');
    expect(sent!.body).toMatchObject({ model: 'UnifiedReward-7b-v1.5', temperature: 0, max_tokens: 1024 });
    const content = sent!.body.messages[0]!.content as { type: string; text?: string; image_url?: { url: string } }[];
    expect(content.map((part) => part.type)).toEqual(['image_url', 'text']);
    expect(content[0]!.image_url!.url).toMatch(/^data:image\/png;base64,iVBOR/);
    expect(content[1]!.text).toBe(UNIFIED_REWARD_TEMPLATE.replace('{prompt}', 'a cat on a mat [good]'));
    expect(createRewardRegistry({ plugins: [expertPlugin] }).explain({ kind: 'judge', details: result!.details })).toBe('4.5 on [1, 5] ("Final Score: 4.5")');
  });

  it('fails an answer without a number with a typed per-item error, never a 0; the raw text stays in details', async () => {
    const [bad, good] = await judge().doScore([
      { image, prompt: 'a cat [no-number]' },
      { image: other, prompt: 'a dog [good]' },
    ]);
    expect(bad!.score).toBeNull();
    expect(JudgeAnswerError.isInstance(bad!.error)).toBe(true);
    expect(bad!.error!.code).toBe('JUDGE_ANSWER');
    expect(bad!.error!.data).toMatchObject({ reason: 'no-score' });
    expect(bad!.error!.message).toMatch(/^no score in the judge's answer: .* does not match: "The image shows a cat/);
    expect(bad!.details).toMatchObject({ answer: 'The image shows a cat on a mat. I would rate it highly overall.' });
    expect(createRewardRegistry({ plugins: [expertPlugin] }).explain({ kind: 'judge', details: bad!.details })).toMatch(
      /^no score in the answer "The image shows/,
    );
    expect(good!.score).toBe(0.875);
  });

  it('says when an answer without a score was cut at maxTokens', async () => {
    const [result] = await judge({ maxTokens: 16 }).doScore([{ image, prompt: 'a cat [cut]' }]);
    expect(result!.error!.message).toMatch(/the answer was cut at maxTokens 16/);
    expect(requestsWith('a cat [cut]')[0]!.body.max_tokens).toBe(16);
  });

  it('refuses a number outside the scale, or clamps it with a warning when asked', async () => {
    const [refused] = await judge().doScore([{ image, prompt: 'x [out-of-scale]' }]);
    expect(refused).toMatchObject({ score: null, raw: 7 });
    expect(refused!.error!.data).toMatchObject({ reason: 'out-of-scale', value: 7 });
    expect(refused!.error!.message).toBe('the judge\'s score 7 is outside its scale [1, 5] ("Final Score: 7")');
    const [clamped] = await judge({ outOfScale: 'clamp' }).doScore([{ image, prompt: 'x [out-of-scale]' }]);
    expect(clamped).toMatchObject({ score: 1, raw: 7, warnings: ["the judge's score 7 is outside [1, 5]: clamped"] });
  });

  it('retries an HTTP 500 and a 429 (Retry-After) and then scores', async () => {
    const reward = judge();
    const [afterError, afterLimit] = await reward.doScore([
      { image, prompt: 'a bus [500-once]' },
      { image: other, prompt: 'a van [429-once]' },
    ]);
    expect(afterError).toMatchObject({ score: 0.5, raw: 3, details: { attempts: 2 } });
    expect(afterLimit).toMatchObject({ score: 0.25, raw: 2, details: { attempts: 2 } });
    expect(requestsWith('a bus [500-once]')).toHaveLength(2);
    expect(reward.client.requests).toBe(4);
  });

  it('gives up after the retries with an error naming the server; a 400 is not retried', async () => {
    const [persistent, refused] = await judge({}, { maxRetries: 2 }).doScore([
      { image, prompt: 'q1 [500]' },
      { image, prompt: 'q2 [400]' },
    ]);
    expect(RemoteServiceError.isInstance(persistent!.error)).toBe(true);
    expect(persistent!.error!.message).toMatch(new RegExp(`^${server.baseURL}/chat/completions: HTTP 500: .*stand-in error 500.*\\(3 attempts\\)$`));
    expect(requestsWith('q1 [500]')).toHaveLength(3);
    expect(refused!.error!.message).toMatch(/answered HTTP 400/);
    expect(requestsWith('q2 [400]')).toHaveLength(1);
  });

  it('times out a request that never answers, per request, and still scores the rest of the batch', async () => {
    const [hung, fine] = await judge({}, { timeoutMs: 150, maxRetries: 1 }).doScore([
      { image, prompt: 'slow [hang]' },
      { image: other, prompt: 'a dog [good]' },
    ]);
    expect(RewardTimeoutError.isInstance(hung!.error)).toBe(true);
    expect(hung!.error!.message).toMatch(/no answer within 150 ms \(2 attempts\)$/);
    expect(requestsWith('slow [hang]')).toHaveLength(2);
    expect(fine!.score).toBe(0.875);
  });

  it('takes a custom template, system message, pattern (last match) and scale', async () => {
    const reward = judge({
      template: 'Rate "{prompt}" from 0 to 10 as "Rating: n/10".',
      system: 'You are a strict judge.',
      pattern: 'Rating:\\s*(\\d+)/10',
      occurrence: 'last',
      scale: [0, 10],
    });
    expect(reward.modelId).toBe('judge/openai/UnifiedReward-7b-v1.5/custom');
    const [result] = await reward.doScore([{ image, prompt: 'a {prompt} sign [rating]' }]);
    expect(result).toMatchObject({ score: 0.8, raw: 8, details: { match: 'Rating: 8/10' } });
    const [sent] = requestsWith('a {prompt} sign [rating]');
    expect(sent!.body.messages[0]).toEqual({ role: 'system', content: 'You are a strict judge.' });
    expect(userText(sent!.body)).toBe('Rate "a {prompt} sign [rating]" from 0 to 10 as "Rating: n/10".');
  });

  it('truncates a long prompt with a warning and scores an empty one null without asking', async () => {
    const before = server.requests.length;
    const [empty] = await judge().doScore([{ image, prompt: '  ' }]);
    expect(empty).toMatchObject({ score: null, warnings: ['empty prompt: nothing to judge the image against'] });
    expect(server.requests.length).toBe(before);
    const long = `${'word '.repeat(3000)}[good]`;
    const [truncated] = await judge({ maxPromptChars: 1000 }).doScore([{ image, prompt: long }]);
    expect(truncated!.warnings[0]).toMatch(/^prompt truncated from 15006 to \d+ characters \(maxPromptChars 1000\)$/);
    expect(userText(server.requests.at(-1)!.body)).toHaveLength(1000);
  });

  it('refuses bad options naming the key', () => {
    const backend = { type: 'openai' as const, baseURL: server.baseURL, model: 'm' };
    const bad: [Partial<JudgeRewardOptions>, RegExp][] = [
      [{ pattern: 'Final Score: (' }, /pattern is not a regular expression/],
      [{ pattern: 'Final Score: \\d+' }, /pattern needs a capture group/],
      [{ scale: [5, 1] }, /scale \[5, 1\] needs min < max/],
      [{ template: 'no slot' }, /template/],
      [{ patternFlags: 'g' }, /patternFlags/],
    ];
    for (const [options, message] of bad) {
      expect(() => createJudgeReward({ backend, ...options })).toThrow(InvalidConfigError);
      expect(() => createJudgeReward({ backend, ...options })).toThrow(message);
    }
    expect(() => createJudgeReward({ backend: { ...backend, baseURL: 'ftp://x' } })).toThrow(/backend\/baseURL/);
  });
});

describe('config files', () => {
  it('{ kind: "judge" } resolves to this package; backend.model is a served name, not a path', async () => {
    const ensemble = await createEnsembleFromConfig({
      experts: [{ kind: 'judge', backend: { type: 'openai', baseURL: server.baseURL, model: './not-a-path', retryBaseMs: 1 }, options: { scale: [1, 5] } }],
    });
    try {
      const [result] = await ensemble.score([{ image, prompt: 'a cat on a mat [good]' }]);
      expect(result!.reward).toBe(0.875);
      expect(result!.experts.judge!.modelId).toBe('judge/openai/./not-a-path/unified-reward');
      expect(requestsWith('a cat on a mat [good]').at(-1)!.body.model).toBe('./not-a-path');
    } finally {
      await ensemble.dispose();
    }
    await expect(
      createEnsembleFromConfig({ experts: [{ kind: 'judge', backend: { type: 'openai', baseURL: server.baseURL, model: 'm' }, options: { scale: [1] } }] }),
    ).rejects.toThrow(/experts\/0\/options\/scale/);
  });
});

const contractSamples: RewardSample[] = [
  { image, prompt: 'a cat on a mat' },
  { image: other, prompt: 'two dogs playing in the park' },
  { image, prompt: 'a red bus' },
];
describeRewardContract('judge (stand-in OpenAI-compatible server)', () => judge(), {
  samples: contractSamples,
  unprocessableSample: { image: other, prompt: 'a tree [no-number]' },
});

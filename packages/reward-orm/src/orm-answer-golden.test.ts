import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findYesNoTokenIds, pythonLowerStrip, readYesNo } from '@t2i-reward/yes-no';

/**
 * Golden cases of scripts/reward_orm_answer_port.py: which sampled first token reward_orm.py accepts as an answer
 * (`convert_ids_to_tokens(...)[0].lower().strip()` in ['yes', 'no']), for vocabulary strings and for the decoded
 * tokens an OpenAI-compatible server returns (mapped to the Qwen2 checkpoint's byte-level token strings).
 */
const golden = JSON.parse(readFileSync(new URL('./__fixtures__/orm-answer-golden.json', import.meta.url), 'utf8')) as {
  vocab: { token: string; accepted: boolean }[];
  decoded: { decoded: string; token: string; accepted: boolean }[];
};

describe('ORM reference t2i-r1-code: the answer tokens reward_orm.py accepts (golden, scripts/reward_orm_answer_port.py)', () => {
  it.each(golden.vocab.map((c) => [JSON.stringify(c.token), c] as const))('vocabulary string %s', (_, c) => {
    expect(['yes', 'no'].includes(pythonLowerStrip(c.token))).toBe(c.accepted);
    // In a vocabulary that has the exact "yes" / "no" ids, the token is among the accepted answers iff the reference accepts it.
    const ids = findYesNoTokenIds({ yes: 0, no: 1, [c.token]: 2 });
    expect(ids.reference!.answers.includes(2)).toBe(c.token === 'yes' || c.token === 'no' || c.accepted);
  });

  it.each(golden.decoded.map((c) => [JSON.stringify(c.decoded), c] as const))('decoded server token %s', (_, c) => {
    // The token's mass counts as an accepted answer iff the reference accepts the checkpoint's token string.
    const top = [
      { token: 'the', logprob: Math.log(0.5) },
      { token: c.decoded, logprob: Math.log(0.3) },
      { token: 'maybe', logprob: Math.log(0.2) },
    ];
    const answer = readYesNo({ choices: [{ logprobs: { content: [{ token: 'the', logprob: Math.log(0.5), top_logprobs: top }] } }] }, 1);
    expect(answer.reference!.pAnswer).toBeCloseTo(c.accepted ? 0.3 : 0, 12);
  });

  it('the cases the issue names: "yes " and "yes\\n" are not answers for the byte-level checkpoint', () => {
    for (const decoded of ['yes ', 'yes\n']) expect(golden.decoded.find((c) => c.decoded === decoded)?.accepted).toBe(false);
  });
});

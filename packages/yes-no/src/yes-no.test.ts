import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { answerWordOf, findYesNoTokenIds, ratioFromLogMasses, referenceFirstToken, yesNoProbabilities, yesNoTokenIdsFor } from './yes-no.js';

/** The textbook formula, for moderate logits only (overflows otherwise). */
function naive(logits: number[], yes: number[], no: number[], temperature = 1) {
  const exps = logits.map((l) => Math.exp(l / temperature));
  const z = exps.reduce((a, b) => a + b, 0);
  const pYes = yes.reduce((a, i) => a + exps[i]!, 0) / z;
  const pNo = no.reduce((a, i) => a + exps[i]!, 0) / z;
  return { pYes, pNo, ratio: pYes / (pYes + pNo) };
}

describe('answerWordOf / findYesNoTokenIds', () => {
  it('merges every spelling of yes and no and skips continuations and specials', () => {
    const vocab = {
      yes: 0,
      Yes: 1,
      ' yes': 2,
      '\u2581yes': 3,
      '\u0120Yes': 4,
      YES: 5,
      no: 6,
      '\u2581No': 7,
      NO: 8,
      '##yes': 9,
      '<yes>': 10,
      yesterday: 11,
      nope: 12,
      not: 13,
      ' no ': 14,
    };
    const ids = findYesNoTokenIds(vocab);
    expect(ids.yes).toEqual([0, 1, 2, 3, 4, 5]);
    expect(ids.no).toEqual([6, 7, 8, 14]);
    expect(answerWordOf('##no')).toBeUndefined();
    expect(answerWordOf('\u2581')).toBeUndefined();
  });

  it('accepts a Map and memoises per tokenizer', () => {
    const tokenizer = {};
    let reads = 0;
    const read = () => {
      reads++;
      return new Map([
        ['yes', 3],
        ['no', 1],
      ]);
    };
    const expected = { yes: [3], no: [1], reference: { yes: 3, no: 1, answers: [1, 3] } };
    expect(yesNoTokenIdsFor(tokenizer, read)).toEqual(expected);
    expect(yesNoTokenIdsFor(tokenizer, read)).toEqual(expected);
    expect(reads).toBe(1);
  });
});

describe('yesNoProbabilities', () => {
  it('matches the textbook softmax on moderate logits, with and without temperature', () => {
    const logits = [0.5, 2, -1, 1.5, 0.2, -0.7];
    const ids = { yes: [1, 3], no: [2, 5] };
    for (const temperature of [1, 0.3, 2]) {
      const got = yesNoProbabilities(logits, ids, { temperature });
      const want = naive(logits, ids.yes, ids.no, temperature);
      expect(got.pYes).toBeCloseTo(want.pYes, 12);
      expect(got.pNo).toBeCloseTo(want.pNo, 12);
      expect(got.ratio).toBeCloseTo(want.ratio, 12);
    }
  });

  it('property: agrees with the naive formula and is shift-invariant', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -20, max: 20, noNaN: true }), { minLength: 4, maxLength: 40 }),
        fc.double({ min: 0.1, max: 5, noNaN: true }),
        fc.double({ min: -1000, max: 1000, noNaN: true }),
        (logits, temperature, shift) => {
          const ids = { yes: [0, 2], no: [1] };
          const got = yesNoProbabilities(logits, ids, { temperature });
          const want = naive(logits, ids.yes, ids.no, temperature);
          expect(got.ratio).toBeCloseTo(want.ratio, 9);
          expect(got.pYes + got.pNo).toBeLessThanOrEqual(1 + 1e-12);
          const shifted = yesNoProbabilities(
            logits.map((l) => l + shift),
            ids,
            { temperature },
          );
          expect(shifted.ratio).toBeCloseTo(got.ratio, 9);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('stays finite where the naive formula overflows or underflows', () => {
    // exp(2000) overflows a double; a temperature of 0.01 makes it worse.
    const logits = new Float32Array([2000, 1999, 3000, 0]);
    const got = yesNoProbabilities(logits, { yes: [0], no: [1] }, { temperature: 0.3 });
    expect(got.pYes).toBe(0); // the mass sits on token 2
    expect(got.ratio).toBeCloseTo(1 / (1 + Math.exp(-1 / 0.3)), 12);
    expect(Number.isFinite(got.ratio)).toBe(true);
  });

  it('rejects bad ids and temperatures', () => {
    expect(() => yesNoProbabilities([0, 1], { yes: [5], no: [0] })).toThrow(RangeError);
    expect(() => yesNoProbabilities([0, 1], { yes: [], no: [0] })).toThrow(/no spelling/);
    expect(() => yesNoProbabilities([0, 1], { yes: [1], no: [0] }, { temperature: 0 })).toThrow(/temperature/);
  });

  it('ratioFromLogMasses is a stable logistic', () => {
    expect(ratioFromLogMasses(-1e6, -1e6 - 1)).toBeCloseTo(1 / (1 + Math.exp(-1)), 12);
    expect(ratioFromLogMasses(0, -Infinity)).toBe(1);
    expect(ratioFromLogMasses(-Infinity, 0)).toBe(0);
    expect(Number.isNaN(ratioFromLogMasses(-Infinity, -Infinity))).toBe(true);
  });
});

describe('reference ids and first-token numbers (T2I-R1 released code)', () => {
  // A Qwen-like vocabulary: exact "yes"/"no", capitalised forms, byte-level / SentencePiece forms.
  const vocab = { yes: 0, Yes: 1, YES: 2, no: 3, No: 4, '\u0120yes': 5, '\u2581no': 6, ' yes': 7, the: 8, maybe: 9 };

  it('picks the exact lowercase ids and the tokens reward_orm.py accepts after .lower().strip()', () => {
    const ids = findYesNoTokenIds(vocab);
    // " yes".strip() is "yes" (accepted); "Ġyes" / "▁no" keep their marker (not whitespace to Python).
    expect(ids.reference).toEqual({ yes: 0, no: 3, answers: [0, 1, 2, 3, 4, 7] });
    expect(findYesNoTokenIds({ Yes: 0, No: 1 }).reference).toBeUndefined();
  });

  it('reads softmax(logits / T) at the single ids, with the accepted mass, by hand', () => {
    const logits = [1, 2, -1, 0.5, 0, 3, 1, -2, 2.5, 0];
    const ids = findYesNoTokenIds(vocab).reference!;
    const T = 0.3;
    const e = logits.map((l) => Math.exp(l / T));
    const z = e.reduce((a, b) => a + b, 0);
    const got = referenceFirstToken(logits, ids, { temperature: T });
    expect(got.pYes).toBeCloseTo(e[0]! / z, 14);
    expect(got.pNo).toBeCloseTo(e[3]! / z, 14);
    expect(got.ratio).toBeCloseTo(e[0]! / (e[0]! + e[3]!), 14);
    expect(got.pAnswer).toBeCloseTo((e[0]! + e[1]! + e[2]! + e[3]! + e[4]! + e[7]!) / z, 14);
    // The same numbers ride along with yesNoProbabilities (whose own pYes sums spellings).
    const both = yesNoProbabilities(logits, findYesNoTokenIds(vocab), { temperature: T });
    expect(both.reference).toEqual(got);
    expect(both.pYes).toBeGreaterThan(got.pYes);
  });

  it('top-k: only the k largest logits (ties at the k-th kept) form the distribution', () => {
    const logits = [1, 2, -1, 0.5, 0, 3, 1, -2, 2.5, 0];
    const ids = findYesNoTokenIds(vocab).reference!;
    // top 4: 3 (id 5), 2.5 (id 8), 2 (id 1), then 1 at ids 0 and 6 tie: both kept → 5 tokens.
    const kept = [5, 8, 1, 0, 6];
    const z = kept.reduce((a, i) => a + Math.exp(logits[i]!), 0);
    const got = referenceFirstToken(logits, ids, { topK: 4 });
    expect(got.pYes).toBeCloseTo(Math.exp(1) / z, 14);
    expect(got.pNo).toBe(0); // "no" (0.5) is outside the top 4
    expect(got.ratio).toBe(1);
    expect(got.pAnswer).toBeCloseTo((Math.exp(2) + Math.exp(1)) / z, 14);
    const none = referenceFirstToken([5, 5, 5, 0, 0, 9, 0, 0, 0, 0], { yes: 3, no: 4, answers: [3, 4] }, { topK: 2 });
    expect(none.pAnswer).toBe(0);
    expect(none.ratio).toBeNaN();
    expect(() => referenceFirstToken(logits, ids, { topK: 0 })).toThrow(RangeError);
  });
});

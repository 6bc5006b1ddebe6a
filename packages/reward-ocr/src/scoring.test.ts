import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { distance as fastestLevenshtein } from 'fastest-levenshtein';
import { describe, expect, it } from 'vitest';
import { extractTarget, levenshtein, targetOf, matchTarget, ocrReward, recognizedString, substringDistance } from './scoring.js';
import { createOcrReward } from './reward.js';

interface GoldenRow {
  name: string;
  prompt: string;
  pieces: [string, number][];
  reward?: number;
  distance?: number;
  error?: 'IndexError' | 'ZeroDivisionError';
}

// Written by scripts/flow_grpo_reference.py: a port of flow_grpo/ocr.py's comparison, run with python-Levenshtein.
const golden = JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/golden.json', import.meta.url)), 'utf8')) as GoldenRow[];

describe('Flow-GRPO OCR reward, golden cases from the Python reference', () => {
  it('covers every branch of the reference', () => {
    expect(golden.length).toBeGreaterThan(300);
    const kinds = new Set(
      golden.map((row) => row.error ?? (row.reward === 1 ? (row.distance === 0 ? 'contains' : '?') : row.reward === 0 ? 'capped' : 'partial')),
    );
    expect([...kinds].sort()).toEqual(['IndexError', 'ZeroDivisionError', 'capped', 'contains', 'partial']);
  });

  it.each(golden.map((row) => [row.name, row] as const))('%s', (_name, row) => {
    const pieces = row.pieces.map(([text, confidence]) => ({ text, confidence }));
    const outcome = ocrReward(row.prompt, pieces);
    if (row.error) {
      // Where the reference crashes, there is no score and a warning says why.
      expect(outcome.match).toBeUndefined();
      expect(outcome.warnings.join(' ')).toMatch(row.error === 'IndexError' ? /no text in double quotes/ : /empty/);
      return;
    }
    expect(outcome.match?.distance).toBe(row.distance);
    expect(outcome.match?.reward).toBeCloseTo(row.reward!, 12);
  });
});

describe('pieces of the rule', () => {
  it('reads the first pair of quotes and warns about an unclosed one', () => {
    expect(extractTarget('a "Moon" and "Sun"').target).toEqual({ text: 'Moon', normalized: 'moon' });
    expect(extractTarget('says "Welcome home').warnings[0]).toMatch(/unclosed/);
    expect(extractTarget('says “Welcome”').warnings[0]).toMatch(/typographic/);
  });

  it("takes the spec's first text span before the prompt's quotes, and the prompt's when the spec has none", () => {
    expect(targetOf({ prompt: 'says “Welcome”', spec: { text: ['Welcome'] } })).toEqual({ target: { text: 'Welcome', normalized: 'welcome' }, warnings: [] });
    expect(targetOf({ prompt: 'a "Moon"', spec: { text: [' ', 'Sun Rise', 'x'] } }).target).toEqual({ text: 'Sun Rise', normalized: 'sunrise' });
    expect(targetOf({ prompt: 'a "Moon"', spec: { text: [] } }).target).toEqual({ text: 'Moon', normalized: 'moon' });
    expect(targetOf({ prompt: 'a "Moon"' }).target).toEqual({ text: 'Moon', normalized: 'moon' });
  });

  it('drops pieces at or below the confidence threshold', () => {
    expect(
      recognizedString([
        { text: 'OPEN', confidence: 0 },
        { text: 'Now', confidence: 40 },
      ]),
    ).toBe('now');
    expect(
      recognizedString(
        [
          { text: 'OPEN', confidence: 30 },
          { text: 'Now', confidence: 40 },
        ],
        30,
      ),
    ).toBe('now');
  });

  it('caps the distance at the target length and keeps the uncapped one', () => {
    expect(matchTarget('open', 'thequickbrownfox')).toMatchObject({ distance: 4, rule: 'levenshtein', reward: 0, length: 4 });
    expect(matchTarget('open', 'thequickbrownfox').levenshtein).toBeGreaterThan(4);
    expect(matchTarget('open', 'xxopenxx')).toMatchObject({ distance: 0, rule: 'contains', reward: 1 });
  });

  it('levenshtein equals fastest-levenshtein on BMP strings (and is symmetric)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'é', ' ', 'Z'), maxLength: 24 }),
        fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'é', ' ', 'Z'), maxLength: 24 }),
        (a, b) => {
          expect(levenshtein(a, b)).toBe(fastestLevenshtein(a, b));
          expect(levenshtein(b, a)).toBe(levenshtein(a, b));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('counts astral characters once, as Python does', () => {
    expect(levenshtein('😀', ':')).toBe(1);
    expect(fastestLevenshtein('😀', ':')).toBe(2);
  });
});

describe("match: 'substring' (not the reference: best-matching stretch of the text read)", () => {
  const letters = fc.string({ unit: fc.constantFrom('a', 'b', 'c'), maxLength: 7 });

  it('equals the smallest Levenshtein distance to any substring (brute force)', () => {
    fc.assert(
      fc.property(
        letters.filter((t) => t.length > 0),
        letters,
        (target, text) => {
          let best = target.length;
          for (let i = 0; i <= text.length; i++) for (let j = i; j <= text.length; j++) best = Math.min(best, levenshtein(target, text.slice(i, j)));
          expect(substringDistance(target, text)).toBe(best);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('is 0 exactly when contained and never above the reference distance', () => {
    fc.assert(
      fc.property(
        letters.filter((t) => t.length > 0),
        letters,
        (target, text) => {
          expect(substringDistance(target, text) === 0).toBe(text.includes(target));
          expect(matchTarget(target, text, 'substring').distance).toBeLessThanOrEqual(matchTarget(target, text).distance);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('keeps a partly right reading among OCR noise graded (text captured from a real tesseract read over a photo)', () => {
    // Red "Welcome Home" over core's person.jpg, JPEG quality 50: tesseract's words (text:confidence) read "We e
    // Home" amid photo texture it took for letters.
    const words = (
      'ETE:12 ee:0 —:0 We:96 e:85 Home":72 Ags:25 =:85 Sa:30 ws::0 Fr:0 J:56 ax:0 Bhan:0 us:41 oc!:21 J:51 ”:60 LSE:9 st:40 ' +
      'tad:6 SET:28 a:21 WL:0 PR:53 cg:32 ee:27 Sti:13 s:0 pa:33 SC:0 Senile:0 Umesh:6'
    )
      .split(' ')
      .map((word) => {
        const at = word.lastIndexOf(':');
        return { text: word.slice(0, at), confidence: Number(word.slice(at + 1)) };
      });
    const read = recognizedString(words);
    expect(matchTarget('welcomehome', read).reward).toBe(0);
    expect(matchTarget('welcomehome', read, 'substring')).toMatchObject({ rule: 'substring', distance: 4 });
    expect(matchTarget('welcomehome', 'closedtoday', 'substring').reward).toBeLessThan(0.4);
  });

  it('is part of the model id', () => {
    expect(createOcrReward({ match: 'substring' }).modelId).toBe('ocr/tesseract/eng?match=substring');
    expect(() => createOcrReward({ match: 'fuzzy' as never })).toThrow(/match/);
  });
});

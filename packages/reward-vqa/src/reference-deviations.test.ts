import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { countDeviations, DEFAULT_METADATA, referenceQuestions } from '../scripts/reference-deviations.js';

describe('reference-deviations script (the README table of VQA deviations)', () => {
  it('reads the reference choice from the raw row as reward_git.py does', () => {
    expect(referenceQuestions({ prompt: 'p', task_type: 'spatial', nouns: ['a'] })).toEqual({ fixed: 0 });
    expect(referenceQuestions({ prompt: 'p', task_type: 'numeracy', attr_nouns: ['red a'] })).toEqual({ fixed: 0 });
    expect(referenceQuestions({ prompt: 'p', task_type: 'non', nouns: [] })).toEqual({ fixed: 1 });
    expect(referenceQuestions({ prompt: 'p', task_type: 'color', nouns: ['car'], attr_nouns: ['Red car'] })).toEqual({ phrases: ['Red car'] });
    expect(referenceQuestions({ prompt: 'p', task_type: 'complex', nouns: ['dog', 'dog'] })).toEqual({ phrases: ['dog', 'dog'] });
  });

  it('counts each deviation on hand-made rows', () => {
    const rows = [
      { prompt: 'p', task_type: 'spatial', nouns: ['a', 'b'] },
      { prompt: 'p', task_type: 'object', nouns: [] },
      { prompt: 'p', task_type: 'complex', nouns: ['dog', 'dog'] },
      { prompt: 'p', task_type: 'color', nouns: ['bus'], attr_nouns: ['orange Volkswagen bus'] },
      { prompt: 'p', task_type: 'shape', nouns: ['x'], attr_nouns: Array.from({ length: 9 }, (_, i) => `round x${i}`) },
    ].map((row) => JSON.stringify(row));
    expect(countDeviations(rows)).toEqual({ rows: 5, gatedZero: 1, gatedOne: 1, otherPhrases: 1, overCap: 1, caseChanged: 1, asked: 3, emptyAttrNouns: 0 });
  });

  it('matches the numbers in the README on the real metadata (shipped in benchmarks/data/t2i-r1)', () => {
    const counts = countDeviations(readFileSync(DEFAULT_METADATA, 'utf8').split('\n'));
    expect(counts).toEqual({ rows: 7223, gatedZero: 3367, gatedOne: 0, otherPhrases: 3, overCap: 0, caseChanged: 13, asked: 3856, emptyAttrNouns: 0 });
  });
});

import { describe, expect, it } from 'vitest';
import type { RunManifest } from '../records.js';
import type { ResultRecord } from '../types.js';
import { summaryCsv } from './csv.js';
import { formatNotes, formatSummaryTable } from './format.js';
import { summarize, unsupportedNote } from './summary.js';

const manifest = (unjudged?: string): RunManifest => ({
  tool: 't2i-reward-bench',
  formatVersion: 1,
  suite: 'geneval',
  source: 'x',
  createdAt: '',
  updatedAt: '',
  expected: 7,
  problems: [],
  samplesPerPrompt: 1,
  protocol: { name: 'geneval', metric: 'accuracy', overall: 'mean-of-categories', ...(unjudged ? { unjudged } : {}) },
});
const record = (category: string, status: ResultRecord['status'], score: number | null, i: number): ResultRecord => ({
  key: `${category}/${i}`,
  itemId: `${category}/${i}`,
  sample: 0,
  prompt: 'p',
  category,
  status,
  score,
  experts: {},
  warnings: status === 'unsupported' ? ['needs a colour classifier'] : [],
  time: '',
});
const records = [
  record('colors', 'ok', 1, 0),
  record('colors', 'unsupported', null, 1),
  record('colors', 'unsupported', null, 2),
  record('colors', 'error', null, 3),
  record('single_object', 'ok', 1, 0),
  record('single_object', 'ok', 0, 1),
  record('color_attr', 'unsupported', null, 0),
];

describe('accuracy when every image counts (GenEval)', () => {
  it('counts unjudged images as incorrect in the headline and reports the judged-only accuracy beside it', () => {
    const summary = summarize(manifest('incorrect'), records);
    const by = Object.fromEntries(summary.categories.map((c) => [c.category, c]));
    expect(by['colors']).toMatchObject({ mean: 1 / 3, n: 3, unsupported: 2, errors: 1, judged: { mean: 1, n: 1 } });
    expect(by['color_attr']).toMatchObject({ mean: 0, n: 1, judged: { mean: null, n: 0 }, note: 'needs a colour classifier' });
    expect(by['single_object']).toMatchObject({ mean: 0.5, judged: { mean: 0.5, n: 2 } });
    expect(summary.overall.mean).toBeCloseTo((1 / 3 + 0 + 0.5) / 3, 12);
    expect(summary.judgedOverall!.mean).toBeCloseTo((1 + 0.5) / 2, 12);
    expect(summaryCsv(summary).split('\n')[0]).toBe('category,mean,ci_low,ci_high,n,errors,unsupported,judged_mean,judged_n');
    expect(formatSummaryTable(summary)).toContain('accuracy over judged images only');
  });

  it('other protocols keep the mean over judged images only', () => {
    const summary = summarize(manifest(), records);
    expect(summary.categories.find((c) => c.category === 'colors')).toMatchObject({ mean: 1, n: 1 });
    expect(summary.judgedOverall).toBeUndefined();
    expect(summaryCsv(summary).split('\n')[0]).toBe('category,mean,ci_low,ci_high,n,errors,unsupported');
  });
});

describe('why a category was not scored names every reason (CompBench offline: every unsupported object)', () => {
  const unsupported = (i: number, warnings: string[]): ResultRecord => ({ ...record('spatial', 'unsupported', null, i), warnings });
  const notAClass = (name: string) => `detector: object '${name}' is not a class the detector can name: its part is not judged (null)`;

  it('merges reasons that differ only in the object named, most frequent first', () => {
    const records = [
      unsupported(0, [notAClass('lamp'), notAClass('sofa')]),
      unsupported(1, [notAClass('vase')]),
      unsupported(2, [notAClass('lamp')]),
      unsupported(3, ['detector: no nameable object in the prompt']),
    ];
    expect(unsupportedNote(records)).toBe(
      "detector: objects 'lamp', 'sofa', 'vase' are not classes the detector can name: its part is not judged (null); detector: no nameable object in the prompt",
    );
    const summary = summarize(
      { ...manifest(), suite: 't2i-compbench', expected: 4, protocol: { name: 'compbench', metric: 'score', overall: 'mean-of-categories' } },
      records,
    );
    expect(formatNotes(summary)).toEqual([
      "spatial: not scored, detector: objects 'lamp', 'sofa', 'vase' are not classes the detector can name: its part is not judged (null); detector: no nameable object in the prompt",
    ]);
  });

  it('one reason stays as written; a long list of names is cut at 12', () => {
    expect(unsupportedNote([unsupported(0, [notAClass('lamp')])])).toBe(notAClass('lamp'));
    const many = Array.from({ length: 15 }, (_, i) => unsupported(i, [notAClass(`thing${String(i).padStart(2, '0')}`)]));
    expect(unsupportedNote(many)).toMatch(/^detector: objects 'thing00', .*'thing11' and 3 more are not classes/);
  });
});

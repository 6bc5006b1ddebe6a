import { describe, expect, it } from 'vitest';
import type { RunManifest } from '../records.js';
import type { ResultRecord } from '../types.js';
import { summaryCsv } from './csv.js';
import { formatSummaryTable } from './format.js';
import { summarize } from './summary.js';

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

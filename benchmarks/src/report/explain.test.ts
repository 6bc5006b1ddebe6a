import { describe, expect, it } from 'vitest';
import { explain as explainHpm, expertPlugin as hpmPlugin } from '@t2i-reward/hpm';
import { cocoVocabulary, scoreDetections, SCORING_FORMULAS, type Detection } from '@t2i-reward/detector';
import type { PromptSpec } from '@t2i-reward/core';
import { testManifest } from '../__fixtures__/helpers.js';
import type { ExpertRecord, ResultRecord } from '../types.js';
import { explainRecord, renderHtmlReport } from './html.js';
import { summarize } from './summary.js';

const coco = cocoVocabulary();
const spec: PromptSpec = { objects: [{ name: 'dog' }, { name: 'car' }], relations: [{ subject: 'dog', relation: 'left of', object: 'car' }] };
const detections: Detection[] = [
  { label: 'dog', score: 0.95, box: [0, 0, 100, 100] },
  { label: 'car', score: 0.95, box: [300, 0, 400, 100] },
];

function detectorRecord(formula: (typeof SCORING_FORMULAS)[number]): ExpertRecord {
  const outcome = scoreDetections({ spec, detections, image: { width: 512, height: 512 }, resolveLabel: (n) => coco.resolve(n) }, formula);
  return { kind: 'detector', modelId: `detector/${formula}`, score: outcome.score, raw: outcome.score, details: outcome.details, warnings: outcome.warnings };
}

function record(key: string, experts: Record<string, ExpertRecord>): ResultRecord {
  return {
    key,
    itemId: key,
    sample: 0,
    prompt: 'a dog on the left of a car',
    category: 'spatial',
    status: 'ok',
    score: 1,
    experts,
    warnings: [],
    time: '2026-01-01T00:00:00Z',
  };
}

describe('HTML report: every result explains itself', () => {
  it('each detector formula writes a "why" line for its judged relation (no n/a)', () => {
    const experts = Object.fromEntries(SCORING_FORMULAS.map((formula) => [formula, detectorRecord(formula)]));
    const why = explainRecord(record('a', experts)).split('\n');
    expect(why).toHaveLength(4);
    SCORING_FORMULAS.forEach((formula, i) => {
      expect(why[i]).toMatch(new RegExp(`^${formula}: (.*, )?dog left of car: 1\\.00`));
    });
    expect(why.join()).not.toContain('n/a');
  });

  it('each expert kind explains itself: vqa / orm questions, hpm through its plugin', () => {
    const questions = (question: string, ratio: number) => ({ questions: [{ question, pYes: ratio / 2, pNo: (1 - ratio) / 2, ratio }] });
    const experts: Record<string, ExpertRecord> = {
      vqa: { kind: 'vqa', modelId: 'vqa/x', score: 0.8, raw: 0.8, details: { aggregate: 'mean', ...questions('red car?', 0.8) }, warnings: [] },
      orm: { kind: 'orm', modelId: 'orm/x', score: 0.7, raw: 0.7, details: { temperature: 0.3, ...questions('matches the prompt?', 0.7) }, warnings: [] },
      hpm: { kind: 'hpm', modelId: 'hpm/x', score: 0.3, raw: 0.3, details: { variant: 'hps-v2.1', cosine: 0.2812 }, warnings: [] },
    };
    expect(explainRecord(record('b', experts), [hpmPlugin]).split('\n')).toEqual([
      'vqa: red car? 0.80',
      'orm: matches the prompt? 0.70',
      `hpm: ${explainHpm(experts.hpm!.details)}`,
    ]);
  });

  it('renderHtmlReport embeds the why lines in the records the page shows', () => {
    const records = [record('a', { detector: detectorRecord('t2i-r1-code') })];
    const manifest = testManifest({ suite: 'unit', expected: 1 });
    const html = renderHtmlReport({ manifest, summary: summarize(manifest, records), records });
    const data = JSON.parse(html.match(/<script type="application\/json" id="records-data">([^<]*)<\/script>/)![1]!) as { why: string }[];
    expect(data[0]!.why).toBe('detector: dog left of car: 1.00 → 0.90');
    expect(html).toContain("el('div', {'class': 'why'}, r.why)");
  });
});

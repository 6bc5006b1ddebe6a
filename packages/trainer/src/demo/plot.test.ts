import { describe, expect, it } from 'vitest';
import type { MetricsRecord } from '../trainer.js';
import { demoDiagnosticsSummary } from './run.js';
import { agreementSeriesFromRecords, curveSvg, diagnosticsHtml, expertSeriesFromRecords, flagSeriesFromRecords } from './plot.js';

const stats = (mean: number) => ({ mean, std: 0, min: mean, max: mean, count: 4 });
const agreement = (meanTau: number | null, bestDiffers: number | null) => ({
  experts: ['a', 'b'],
  groups: 1,
  pairs: [],
  meanTau,
  bestDiffers,
  bestJudgedGroups: 1,
});
const records: MetricsRecord[] = [
  { step: 0, split: 'eval', reward: stats(0.2), experts: { a: stats(0.2), b: stats(0.6) }, failed: 0, flags: { extraCopies: 0.1 } },
  {
    step: 1,
    split: 'train',
    reward: stats(0.3),
    experts: { a: stats(0.3), b: stats(0.5) },
    failed: 0,
    flags: { extraCopies: 0.25 },
    agreement: agreement(0.5, 0),
  },
  {
    step: 2,
    split: 'train',
    reward: stats(0.4),
    experts: { a: stats(0.4), b: stats(0.4) },
    failed: 0,
    flags: { extraCopies: 0.5 },
    agreement: agreement(null, 1),
    drift: [{ expert: 'a', slope: 0.1, others: { b: -0.1 }, fromStep: 1, toStep: 2 }],
  },
  { step: 2, split: 'eval', reward: stats(0.5), experts: { a: stats(0.5), b: stats(0.3) }, failed: 0, flags: { extraCopies: 0.4 } },
];

describe('diagnostics plots', () => {
  it('builds per-expert, flag and agreement series from the records', () => {
    expect(expertSeriesFromRecords(records).map((s) => [s.name, s.points])).toEqual([
      [
        'a',
        [
          { step: 0, value: 0.2 },
          { step: 2, value: 0.5 },
        ],
      ],
      [
        'b',
        [
          { step: 0, value: 0.6 },
          { step: 2, value: 0.3 },
        ],
      ],
    ]);
    expect(flagSeriesFromRecords(records, 'extraCopies').map((s) => s.points.map((p) => p.value))).toEqual([
      [0.1, 0.4],
      [0.25, 0.5],
    ]);
    const agreementSeries = agreementSeriesFromRecords(records);
    expect(agreementSeries.map((s) => s.points)).toEqual([
      [{ step: 1, value: 0.5 }],
      [
        { step: 1, value: 0 },
        { step: 2, value: 1 },
      ],
    ]);
  });

  it('renders the section with the drift alarm, and nothing for a single-expert run without flags', () => {
    const html = diagnosticsHtml(records);
    expect(html).toMatch(/held-out mean per expert/);
    expect(html).toMatch(/share of samples: extraCopies/);
    expect(html).toMatch(/step 2: a rises \(0\.1000\/step\) while b -0\.1000 fall \(steps 1–2\)/);
    expect(diagnosticsHtml([{ step: 1, split: 'train', reward: stats(0.1), experts: { a: stats(0.1) }, failed: 0 }])).toBe('');
  });

  it('maps τ onto [−1, 1] when asked', () => {
    const svg = curveSvg(
      [
        {
          name: 't',
          colour: '#000',
          points: [
            { step: 0, value: -1 },
            { step: 1, value: 1 },
          ],
        },
      ],
      { yMin: -1, height: 100 },
    );
    // top margin 30, plot height 100 − 30 − 40 = 30: −1 at y = 60, 1 at y = 30
    expect(svg).toContain('M52.0,60.0 L560.0,30.0');
    expect(svg).toContain('>-1.00</text>');
  });
});

describe('demoDiagnosticsSummary', () => {
  it('summarises the diagnostics of a run (hand-computed from the records above)', () => {
    const summary = demoDiagnosticsSummary(records);
    expect(summary.heldOutBest).toEqual({ step: 2, value: 0.5 });
    expect(summary.heldOutExperts).toEqual({ a: { start: 0.2, end: 0.5 }, b: { start: 0.6, end: 0.3 } });
    expect(summary.extraCopies).toEqual({ trainFirst: 0.375, trainLast: 0.375, heldOutStart: 0.1, heldOutEnd: 0.4 });
    // τ: only step 1 has one; best differs: (0 + 1) / 2; the eval records carry no agreement
    expect(summary.agreement).toMatchObject({ tauFirst: 0.5, bestDiffersFirst: 0.5 });
    expect(summary.agreement.heldOutTau).toBeNaN();
    expect([summary.driftSteps, summary.driftExperts]).toEqual([[2], ['a']]);
    // the first of equal bests wins; a start that is never beaten is the best
    expect(demoDiagnosticsSummary([records[3]!, { ...records[3]!, step: 4 }]).heldOutBest).toEqual({ step: 2, value: 0.5 });
  });
});

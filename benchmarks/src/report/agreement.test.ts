import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMockReward, meanBrightness } from '@t2i-reward/core/test';
import { collectLog, tempDir } from '../__fixtures__/helpers.js';
import { itemImageSource } from '../generators/index.js';
import { createEnsembleProtocol } from '../protocols/ensemble.js';
import { runBench } from '../run.js';
import { examplesSuite } from '../suites/examples.js';
import { readManifest } from '../records.js';
import type { ResultRecord } from '../types.js';
import { benchAgreement } from './agreement.js';
import { formatAgreement } from './format.js';
import { renderHtmlReport } from './html.js';
import { summarize } from './summary.js';

const record = (itemId: string, sample: number, experts: Record<string, number | null>, status: ResultRecord['status'] = 'ok'): ResultRecord => ({
  key: `${itemId}#${sample}`,
  itemId,
  sample,
  prompt: itemId,
  category: 'c',
  status,
  score: 0,
  experts: Object.fromEntries(Object.entries(experts).map(([name, score]) => [name, { kind: name, modelId: name, score, raw: score, warnings: [] }])),
  warnings: [],
  time: '2026-01-01T00:00:00Z',
});

describe('benchAgreement', () => {
  it('τ-b over all images and within each prompt, best-sample disagreement (hand-computed)', () => {
    const records = [
      record('p', 0, { a: 0.1, b: 0.2 }),
      record('p', 1, { a: 0.5, b: 0.4 }),
      record('q', 0, { a: 0.9, b: 0.3 }),
      record('q', 1, { a: 0.7, b: 0.6 }),
      record('r', 0, { a: 0.3, b: null }),
      record('s', 0, { a: 1, b: 1 }, 'error'),
    ];
    const a = benchAgreement(records)!;
    expect(a.experts).toEqual(['a', 'b']);
    expect(a.images).toBe(4);
    expect(a.means.a).toEqual({ mean: (0.1 + 0.5 + 0.9 + 0.7 + 0.3) / 5, n: 5 });
    expect(a.means.b!.n).toBe(4);
    // all 4 images scored by both: a (0.1, 0.5, 0.9, 0.7), b (0.2, 0.4, 0.3, 0.6): pairs 01 C, 02 C, 03 C, 12 D, 13 C, 23 D → (4 − 2) / 6
    expect(a.overall[0]!.tau).toBeCloseTo(1 / 3, 12);
    // within p: C → 1; within q: D → −1; r has one scored pair member: undefined → mean 0 over 2 prompts
    expect(a.withinPrompt.pairs).toEqual([{ a: 'a', b: 'b', tau: 0, groups: 2 }]);
    // best differs: p agrees (sample 1), q differs (a: 0, b: 1); r judged only by a (not judged)
    expect(a.withinPrompt.bestDiffers).toBe(0.5);
    expect(
      formatAgreement(
        summarize({ suite: 's', protocol: { name: 'ensemble', metric: 'score', overall: 'mean-of-items' }, expected: 6, problems: [] } as never, records),
      ).join('\n'),
    ).toMatch(/τ-b over all 4 images: a–b 0\.333[\s\S]*best sample differs by expert in 50\.0% of prompts/);
  });

  it('is absent with one expert, and within-prompt figures are null with one sample a prompt', () => {
    expect(benchAgreement([record('p', 0, { a: 1 }), record('q', 0, { a: 0 })])).toBeUndefined();
    const single = benchAgreement([record('p', 0, { a: 1, b: 0 }), record('q', 0, { a: 0, b: 1 })])!;
    expect(single.overall[0]!.tau).toBe(-1);
    expect(single.withinPrompt.bestDiffers).toBeNull();
  });

  it("appears in a real run's summary and HTML report when two experts score", async () => {
    const dir = await tempDir();
    const bright = createMockReward({ kind: 'bright', score: (s) => ({ score: meanBrightness(s.image), raw: meanBrightness(s.image) }) });
    const dark = createMockReward({ kind: 'dark', score: (s) => ({ score: 1 - meanBrightness(s.image), raw: 1 - meanBrightness(s.image) }) });
    const protocol = createEnsembleProtocol({
      experts: [
        { name: 'bright', model: bright },
        { name: 'dark', model: dark },
      ],
    });
    const run = await runBench({
      suite: examplesSuite(),
      outDir: path.join(dir, 'run'),
      protocol,
      source: itemImageSource(),
      progress: false,
      log: collectLog().log,
    });
    const { summary } = run;
    expect(summary.agreement!.experts).toEqual(['bright', 'dark']);
    expect(summary.agreement!.overall[0]!.tau).toBe(-1);
    const html = renderHtmlReport({ manifest: (await readManifest(run.runDir))!, summary, records: run.records });
    expect(html).toMatch(/Agreement between experts/);
    expect(html).toContain('<td>-1.000</td>');
  });
});

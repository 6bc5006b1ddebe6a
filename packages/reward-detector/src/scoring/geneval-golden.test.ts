import { readFileSync } from 'node:fs';
import { fromGenEvalRow } from '@t2i-reward/core';
import { describe, expect, it } from 'vitest';
import type { Box, Detection } from './boxes.js';
import { genevalSelect, heapsortSpan, numpyArgsort } from './geneval.js';
import { DEFAULT_SCORING_OPTIONS } from './common.js';
import { scoreDetections } from './index.js';

/** Golden cases of scripts/geneval_reference_port.py (evaluate_images.py's selection and verdict; numpy 1.23.1's argsort). */
interface GoldenCase {
  name: string;
  metadata: { tag: string; include: unknown[]; exclude?: unknown[] };
  /** Per class, mmdet's rows (x1, y1, x2, y2, score) in order. */
  bbox: Record<string, [number, number, number, number, number][]>;
  /** Per class, the row indices evaluate_image keeps, in its order. */
  selected: Record<string, number[]>;
  correct: boolean;
}
const golden = JSON.parse(readFileSync(new URL('./__fixtures__/geneval-golden.json', import.meta.url), 'utf8')) as {
  cases: GoldenCase[];
  sorts: { values: (number | null)[]; argsort: number[] }[];
};

function detectionsOf(c: GoldenCase): Detection[] {
  return Object.entries(c.bbox).flatMap(([label, rows]) => rows.map(([x1, y1, x2, y2, score]) => ({ label, score, box: [x1, y1, x2, y2] as Box })));
}

describe('geneval: box order as evaluate_images.py takes it (golden cases, scripts/geneval_reference_port.py)', () => {
  it.each(golden.sorts.map((s) => [s.values.length, s] as const))('np.argsort of numpy 1.23.1 on %i tie-heavy values', (_, s) => {
    expect(numpyArgsort(s.values.map((v) => (v === null ? Number.NaN : v)))).toEqual(s.argsort);
  });

  // The golden sorts never use up introsort's depth limit, so numpy's heapsort fallback is checked on its own here.
  it('the heapsort fallback sorts its span (NaN last) and leaves the rest of the index array alone', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let trial = 0; trial < 500; trial++) {
      const values = Array.from({ length: 45 }, () => (random() < 0.1 ? Number.NaN : Math.floor(random() * 5)));
      const start = Math.floor(random() * 5);
      const n = 1 + Math.floor(random() * 40);
      const order = values.map((_, i) => i);
      heapsortSpan(values, order, start, n);
      const span = order.slice(start, start + n);
      expect([...span].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => start + i));
      const sorted = span.map((i) => values[i]!);
      for (let k = 1; k < n; k++) expect(sorted[k - 1]! <= sorted[k]! || Number.isNaN(sorted[k]!)).toBe(true);
      expect([...order.slice(0, start), ...order.slice(start + n)]).toEqual([...values.keys()].filter((i) => i < start || i >= start + n));
    }
  });

  it.each(golden.cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const detections = detectionsOf(c);
    const threshold = c.metadata.tag === 'counting' ? 0.9 : 0.3;
    const selected = genevalSelect(detections, threshold, DEFAULT_SCORING_OPTIONS.genevalMaxPerClass);
    const indices = Object.fromEntries([...selected].map(([label, list]) => [label, list.map((d) => detections.filter((x) => x.label === label).indexOf(d))]));
    expect(indices).toEqual(c.selected);
    const spec = fromGenEvalRow({ prompt: c.name, ...c.metadata });
    const outcome = scoreDetections({ spec, detections, image: { width: 512, height: 512 }, resolveLabel: (name) => name }, 'geneval');
    expect(outcome.score).toBe(c.correct ? 1 : 0);
  });

  it('the issue case: two dogs with equal scores, the later one is "the dog"', () => {
    const c = golden.cases.find((x) => x.name === 'position tie: earlier dog left, later right')!;
    expect(c.selected['dog']).toEqual([1, 0]);
    expect(c.correct).toBe(false);
  });
});

import { readFileSync } from 'node:fs';
import { InvalidPromptSpecError, type PromptSpec, type T2IR1Fields, fromT2IR1Row } from '@t2i-reward/core';
import { describe, expect, it } from 'vitest';
import type { Box, Detection } from './boxes.js';
import { type ScoringInput, determinePosition, referencePhraseName, referenceRow, scoreDetections, torchvisionNms } from './index.js';

interface GoldenCase {
  name: string;
  row: T2IR1Fields;
  image: { width: number; height: number };
  /** GroundingDINO query boxes, (cx, cy, w, h) relative to the image. */
  queries: [number, number, number, number][];
  /** Phrase score of each query, one row per noun (the code's positive_maps @ logits.T). */
  phrase_scores: number[][];
  expected: number | null;
  /** The same port on float32 tensors, as the released code runs. */
  expected_float32: number | null;
  branches: string[];
}

const golden = JSON.parse(readFileSync(new URL('./__fixtures__/t2i-r1-reference-golden.json', import.meta.url), 'utf8')) as {
  nms: string;
  cases: GoldenCase[];
};
const openVocabulary = (noun: string) => noun.toLowerCase().trim() || undefined;

/** The detections our transformers backend emits in phrase mode: one per (phrase, query), label = the query noun. */
function detectionsOf(c: GoldenCase): Detection[] {
  const { width, height } = c.image;
  return c.row.nouns.flatMap((noun, j) =>
    c.queries.map(([cx, cy, w, h], q): Detection => ({
      label: openVocabulary(noun) ?? '',
      score: c.phrase_scores[j]?.[q] ?? 0,
      box: [(cx - w / 2) * width, (cy - h / 2) * height, (cx + w / 2) * width, (cy + h / 2) * height],
    })),
  );
}

/** The spec as core converts the row; a locality core rejects ('top of': the code knows it, no row uses it) goes in `t2iR1` alone. */
function specOf(c: GoldenCase): PromptSpec {
  try {
    return fromT2IR1Row({ prompt: c.name, ...c.row });
  } catch (error) {
    if (!InvalidPromptSpecError.isInstance(error) || c.row.spatial_info?.locality !== 'top of') throw error;
    return { prompt: c.name, objects: c.row.nouns.map((name) => ({ name })), relations: [], t2iR1: c.row };
  }
}

function inputOf(c: GoldenCase): ScoringInput {
  const spec = specOf(c);
  return { spec, detections: detectionsOf(c), image: c.image, resolveLabel: openVocabulary };
}

describe('reproduceBugs: the released reward_gdino.py, golden cases from a port of it (scripts/t2i_r1_reference_port.py)', () => {
  it(`has ≥ 60 cases from ${golden.nms} covering every branch`, () => {
    expect(golden.cases.length).toBeGreaterThanOrEqual(60);
    const branches = new Set(golden.cases.flatMap((c) => c.branches));
    for (const branch of [
      'empty-nouns',
      'threshold-equality',
      'three-word-noun',
      'spatial-exception',
      'spatial-missing-object',
      'spatial-position',
      'left',
      'right',
      'top',
      'bottom',
      'near',
      'unknown-locality',
      'iou-discount',
      'numeracy-exact',
      'numeracy-wrong',
      'numeracy-none',
      'numeracy-suppressed',
      'numeracy-several',
      'numeracy-crash',
      'existence',
      'task:spatial',
      'task:numeracy',
      'task:color',
      'task:complex',
      'task:non',
      'task:texture',
      'task:shape',
      'task:object',
    ])
      expect(branches, branch).toContain(branch);
  });

  it.each(golden.cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const outcome = scoreDetections(inputOf(c), 't2i-r1-code', { reproduceBugs: true });
    if (c.expected === null) expect(outcome.score).toBeNull();
    else expect(Math.abs((outcome.score ?? Number.NaN) - c.expected)).toBeLessThanOrEqual(1e-9);
    // Against the float32 run: the same decisions, values within float32 rounding (IoU of float32 boxes: ~1e-7).
    if (c.expected_float32 === null) expect(outcome.score).toBeNull();
    else expect(Math.abs((outcome.score ?? Number.NaN) - c.expected_float32)).toBeLessThanOrEqual(1e-6);
  });

  it('the issue example: 2 cats + a near-duplicate box score 0.2 in reference mode, 1 by default', () => {
    const c = golden.cases.find((x) => x.name.startsWith('numeracy 2 cats + small duplicate right'));
    if (!c) throw new Error('case missing');
    expect(scoreDetections(inputOf(c), 't2i-r1-code', { reproduceBugs: true }).score).toBeCloseTo(0.2, 12);
    expect(scoreDetections(inputOf(c), 't2i-r1-code').score).toBe(1);
  });

  it('labels match through resolveLabel: raw-case labels, lower-cased queries and a closed vocabulary agree', () => {
    const c = golden.cases.find((x) => x.name === 'existence upper-case noun');
    if (!c) throw new Error('case missing');
    const raw = { ...inputOf(c), detections: inputOf(c).detections.map((d) => ({ ...d, label: d.label === 'tv' ? 'TV' : d.label })) };
    expect(scoreDetections(raw, 't2i-r1-code', { reproduceBugs: true }).score).toBe(c.expected);
    const spec = fromT2IR1Row({
      prompt: 'a girl left of a dog',
      task_type: 'spatial',
      nouns: ['girl', 'dog'],
      spatial_info: { obj1: 'girl', obj2: 'dog', locality: 'left of' },
    });
    const coco = (n: string) => (({ girl: 'person', person: 'person', dog: 'dog' }) as Record<string, string>)[n];
    const detections: Detection[] = [
      { label: 'person', score: 0.8, box: [0, 0, 100, 100] },
      { label: 'dog', score: 0.7, box: [300, 0, 400, 100] },
    ];
    expect(
      scoreDetections({ spec, detections, image: { width: 512, height: 512 }, resolveLabel: coco }, 't2i-r1-code', { reproduceBugs: true }).score,
    ).toBeCloseTo(0.9, 12);
  });

  it('the same spec without t2iR1 fields: task type from the category, else from the structure', () => {
    const detections: Detection[] = [
      { label: 'dog', score: 0.9, box: [0, 0, 100, 100] },
      { label: 'cat', score: 0.9, box: [300, 0, 400, 100] },
    ];
    const spec = { objects: [{ name: 'dog' }, { name: 'cat' }], relations: [{ subject: 'dog', relation: 'left of' as const, object: 'cat' }] };
    const base = { detections, image: { width: 512, height: 512 }, resolveLabel: openVocabulary };
    expect(scoreDetections({ ...base, spec }, 't2i-r1-code', { reproduceBugs: true }).score).toBeCloseTo(0.9, 12);
    expect(scoreDetections({ ...base, spec: { ...spec, category: 'complex' } }, 't2i-r1-code', { reproduceBugs: true }).score).toBe(1); // existence
    expect(referenceRow({ ...spec, category: 'position' }).task_type).toBe('spatial'); // not a T2I-R1 task type
  });
});

describe('reference pieces', () => {
  it('phrase names: first and last word', () => {
    expect(referencePhraseName('dog')).toBe('dog');
    expect(referencePhraseName('stop sign')).toBe('stop sign');
    expect(referencePhraseName('big red apple')).toBe('big apple');
  });

  it('torchvision NMS on (x1, y1, x2, y2) boxes, and on centre-size boxes read as corners', () => {
    const boxes: Box[] = [
      [0, 0, 10, 10],
      [1, 0, 11, 10],
      [20, 20, 30, 30],
    ];
    expect(torchvisionNms(boxes, [0.9, 0.8, 0.7], 0.5)).toEqual([0, 2]);
    expect(torchvisionNms(boxes, [0.7, 0.8, 0.9], 0.5)).toEqual([2, 1]);
    // (cx, cy, w, h) = (0.75, 0.5, 0.2, 0.2) and (0.76, …) read as corners: inverted, no overlap → both kept.
    expect(
      torchvisionNms(
        [
          [0.75, 0.5, 0.2, 0.2],
          [0.76, 0.5, 0.2, 0.2],
        ],
        [0.9, 0.8],
        0.5,
      ),
    ).toEqual([0, 1]);
  });

  it('determine_position: locality spellings as the code lists them', () => {
    const a: Box = [0, 0, 0.1, 0.1];
    const b: Box = [0.5, 0, 0.6, 0.1];
    expect(determinePosition('left of', a, b)).toBe(1);
    expect(determinePosition('on the left of', a, b)).toBe(1);
    expect(determinePosition('right of', b, a)).toBe(1);
    expect(determinePosition('above', [0, 0, 0.1, 0.1], [0, 0.5, 0.1, 0.6])).toBe(0);
    expect(determinePosition('on top of', [0, 0, 0.1, 0.1], [0, 0.5, 0.1, 0.6])).toBe(0);
    expect(determinePosition('on the top of', [0, 0, 0.1, 0.1], [0, 0.5, 0.1, 0.6])).toBe(1);
    expect(determinePosition('near', [0, 0, 0.01, 0.01], [0.99, 0.99, 1, 1])).toBe(1);
    expect(determinePosition('near', [0, 0, 10, 10], [400, 400, 410, 410])).toBeCloseTo(150 / 400, 12);
  });
});

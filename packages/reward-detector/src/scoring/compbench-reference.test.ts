import { readFileSync } from 'node:fs';
import type { PromptSpec, SpatialRelation } from '@t2i-reward/core';
import { describe, expect, it } from 'vitest';
import type { Box, Detection } from './boxes.js';
import { compbenchDeterminePosition, scoreDetections, UNIDET_SCORE_THRESHOLD } from './index.js';

/** Golden cases of scripts/compbench_spatial_port.py (a port of T2I-CompBench's UniDet_eval/2D_spatial_eval.py). */
interface GoldenCase {
  name: string;
  prompt: string;
  obj1: string;
  obj2: string;
  relation: SpatialRelation;
  /** UniDet's instances (class, score, box in the 479 × 479 frame it sees), most confident first. */
  instances: [string, number, Box][];
  locality: string | null;
  expected: number;
}
const golden = JSON.parse(readFileSync(new URL('./__fixtures__/compbench-spatial-golden.json', import.meta.url), 'utf8')) as { cases: GoldenCase[] };

const PERSON = new Set(['girl', 'boy', 'man', 'woman']);
const resolveLabel = (name: string) => (PERSON.has(name) ? 'person' : name);

function inputOf(c: GoldenCase) {
  const spec: PromptSpec = {
    prompt: c.prompt,
    objects: [...new Set([c.obj1, c.obj2])].map((name) => ({ name })),
    relations: [{ subject: c.obj1, relation: c.relation, object: c.obj2 }],
  };
  const detections: Detection[] = c.instances.map(([label, score, box]) => ({ label, score, box }));
  // 479 × 479: the frame UniDet sees is the image itself (Resize(479) leaves it).
  return { spec, detections, image: { width: 479, height: 479 }, resolveLabel };
}

describe('compbench reference mode (reproduceBugs): golden cases from a port of 2D_spatial_eval.py', () => {
  it('covers every vocab_spatial word, "on top of" among them, and the 0.1 cut', () => {
    const localities = new Set(golden.cases.map((c) => c.locality));
    for (const word of ['on side of', 'next to', 'near', 'on the left of', 'on the right of', 'on the bottom of', 'on the top of', 'on top of', null])
      expect(localities).toContain(word);
    expect(UNIDET_SCORE_THRESHOLD).toBe(0.1);
  });

  it.each(golden.cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const outcome = scoreDetections(inputOf(c), 'compbench', { reproduceBugs: true, boxThreshold: 0 });
    expect(Math.abs((outcome.score ?? Number.NaN) - c.expected)).toBeLessThanOrEqual(1e-12);
    expect((outcome.details as { locality: string | null }).locality).toBe(c.locality);
  });

  it('"on top of" scores 0 in reference mode; the default reads it as "above" (documented, not the reference)', () => {
    const c = golden.cases.find((x) => x.name.startsWith('on top of: the prompt that only says it'))!;
    expect(scoreDetections(inputOf(c), 'compbench', { reproduceBugs: true }).score).toBe(0);
    expect(scoreDetections(inputOf(c), 'compbench').score).toBeCloseTo(0.25 * 0.9 + 0.25 * 0.9 + 0.5, 12);
    expect(compbenchDeterminePosition('on top of', [200, 20, 300, 120], [200, 360, 300, 460])).toBe(0);
    expect(compbenchDeterminePosition('on the top of', [200, 20, 300, 120], [200, 360, 300, 460])).toBe(1);
  });
});

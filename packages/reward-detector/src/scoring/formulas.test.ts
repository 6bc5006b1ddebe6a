import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { PromptSpec } from '@t2i-reward/core';
import type { Detection } from './boxes.js';
import { type ScoringFormula, type ScoringInput, compbenchResize, scoreDetections } from './index.js';
import { cocoVocabulary } from '../vocabulary.js';

const coco = cocoVocabulary();
const det = (label: string, score: number, box: [number, number, number, number]): Detection => ({ label, score, box });
const spatial = (subject: string, relation: string, object: string, phrase?: string): PromptSpec => ({
  objects: [{ name: subject }, { name: object }],
  relations: [{ subject, relation: relation as PromptSpec['relations'][number]['relation'], object, ...(phrase ? { phrase } : {}) }],
});
const input = (spec: PromptSpec, detections: Detection[], size = 512): ScoringInput => ({
  spec,
  detections,
  image: { width: size, height: size },
  resolveLabel: (n) => coco.resolve(n),
});
const score = (formula: ScoringFormula, spec: PromptSpec, detections: Detection[], options = {}) => scoreDetections(input(spec, detections), formula, options);

const dogLeft = det('dog', 0.8, [0, 0, 100, 100]);
const catRight = det('cat', 0.6, [200, 0, 300, 100]);

describe('t2i-r1 (paper): 0.6·S + 0.4·E / exact counts / existence', () => {
  it('spatial: true relation 1, swapped 0.4, one object missing 0.2', () => {
    expect(score('t2i-r1', spatial('dog', 'left of', 'cat'), [dogLeft, catRight]).score).toBe(1);
    expect(score('t2i-r1', spatial('dog', 'right of', 'cat'), [dogLeft, catRight]).score).toBeCloseTo(0.4, 10);
    expect(score('t2i-r1', spatial('dog', 'left of', 'cat'), [dogLeft]).score).toBeCloseTo(0.2, 10);
    // below the box threshold counts as missing
    expect(score('t2i-r1', spatial('dog', 'left of', 'cat'), [dogLeft, det('cat', 0.2, [200, 0, 300, 100])]).score).toBeCloseTo(0.2, 10);
  });

  it('spatial with overlapping boxes: S = 0.1 / IoU', () => {
    // dx 50, IoU 5000/15000 → S 0.3 → 0.18 + 0.4
    const result = score('t2i-r1', spatial('dog', 'left of', 'cat'), [dogLeft, det('cat', 0.6, [50, 0, 150, 100])]);
    expect(result.score).toBeCloseTo(0.58, 10);
    expect(result.details.rule).toBe('0.6·S + 0.4·E');
    expect(result.details.parts).toEqual([{ S: 0.3, E: 1, reward: 0.58 }]);
  });

  it("uses each object's most confident box", () => {
    // A weaker cat on the left must not make "cat left of dog" true.
    const result = score('t2i-r1', spatial('cat', 'left of', 'dog'), [
      det('dog', 0.8, [200, 0, 300, 100]),
      det('cat', 0.9, [400, 0, 500, 100]),
      det('cat', 0.4, [0, 0, 50, 50]),
    ]);
    expect(result.score).toBeCloseTo(0.4, 10);
  });

  it('same class on both sides uses two distinct boxes (man left of woman → person, person)', () => {
    const spec = spatial('man', 'left of', 'woman');
    expect(score('t2i-r1', spec, [det('person', 0.9, [300, 0, 400, 100]), det('person', 0.7, [0, 0, 100, 100])]).score).toBe(1);
    const one = score('t2i-r1', spec, [det('person', 0.9, [300, 0, 400, 100])]);
    expect(one.score).toBeCloseTo(0.2, 10); // S 0, E (1 + 0) / 2
    expect(one.warnings.join()).toContain("map to 'person'");
  });

  it('scales the near threshold with the image size', () => {
    const spec = spatial('dog', 'near', 'cat');
    const far = [det('dog', 0.8, [0, 0, 10, 10]), det('cat', 0.8, [400, 400, 410, 410])];
    expect(scoreDetections(input(spec, far, 512), 't2i-r1').score).toBeCloseTo(0.6 * (150 / 400) + 0.4, 10);
    expect(scoreDetections(input(spec, far, 1024), 't2i-r1').score).toBeCloseTo(0.6 * (300 / 400) + 0.4, 10); // T = 300 at 1024 px
    expect(scoreDetections(input(spec, far, 2048), 't2i-r1').score).toBe(1); // T = 600
  });

  it('numeracy: fraction of objects with the exact count after NMS', () => {
    const spec: PromptSpec = {
      objects: [
        { name: 'dog', count: 3 },
        { name: 'cat', count: 1 },
      ],
      relations: [],
    };
    const dogs = [det('dog', 0.9, [0, 0, 50, 50]), det('dog', 0.8, [100, 0, 150, 50]), det('dog', 0.7, [200, 0, 250, 50])];
    const duplicate = det('dog', 0.6, [2, 0, 52, 50]); // IoU 0.92 with the first dog: suppressed
    const cat = det('cat', 0.5, [300, 300, 400, 400]);
    expect(score('t2i-r1', spec, [...dogs, duplicate, cat]).score).toBe(1);
    expect(score('t2i-r1', spec, [...dogs.slice(0, 2), cat]).score).toBe(0.5);
    expect(score('t2i-r1', spec, dogs.slice(0, 2)).score).toBe(0);
    expect(score('t2i-r1', spec, [...dogs, duplicate, cat]).details.task).toBe('numeracy');
  });

  it('existence: mean over objects; an object the detector cannot name is left out with a warning', () => {
    const spec: PromptSpec = { objects: [{ name: 'dog' }, { name: 'unicorn' }, { name: 'bicycles' }], relations: [] };
    const result = score('t2i-r1', spec, [dogLeft]);
    expect(result.score).toBe(0.5); // dog 1, bicycle 0, unicorn not judged
    expect(result.warnings.join()).toContain("'unicorn' is not a class the detector can name");
    expect((result.details.objects as { exists: boolean | null }[]).map((o) => o.exists)).toEqual([true, null, false]);
  });

  it('only unnameable objects, no objects: null with a warning, never a silent 0', () => {
    const unicorn = score('t2i-r1', { objects: [{ name: 'unicorn' }], relations: [] }, [dogLeft]);
    expect(unicorn.score).toBeNull();
    expect(unicorn.warnings).toHaveLength(1);
    const none = score('t2i-r1', { objects: [], relations: [] }, [dogLeft]);
    expect(none.score).toBeNull();
    expect(none.warnings.join()).toContain('names no object');
    const unicornRelation = score('t2i-r1', spatial('unicorn', 'left of', 'cat'), [catRight]);
    expect(unicornRelation.score).toBeNull();
  });

  it('a prompt whose two objects map to one class needs two boxes to exist', () => {
    const spec: PromptSpec = { objects: [{ name: 'man' }, { name: 'woman' }], relations: [] };
    expect(score('t2i-r1', spec, [det('person', 0.9, [0, 0, 10, 10])]).score).toBe(0.5);
    expect(score('t2i-r1', spec, [det('person', 0.9, [0, 0, 10, 10]), det('person', 0.9, [50, 0, 60, 10])]).score).toBe(1);
  });

  it('depth relations: null by default, existence only on request', () => {
    const spec = spatial('dog', 'in front of', 'cat');
    const result = score('t2i-r1', spec, [dogLeft, catRight]);
    expect(result.score).toBeNull();
    expect(result.warnings.join()).toContain('depth');
    const fallback = score('t2i-r1', spec, [dogLeft], { unsupportedRelations: 'existence' });
    expect(fallback.score).toBe(0.5);
    expect(fallback.warnings.join()).toContain('existence only');
  });

  it('several relations: mean of their rewards; a depth relation among them is skipped', () => {
    const spec: PromptSpec = {
      objects: [{ name: 'dog' }, { name: 'cat' }, { name: 'bird' }],
      relations: [
        { subject: 'dog', relation: 'left of', object: 'cat' },
        { subject: 'bird', relation: 'above', object: 'cat' },
        { subject: 'dog', relation: 'behind', object: 'cat' },
      ],
    };
    // dog left of cat → 1; bird missing → 0.6·0 + 0.4·0.5 = 0.2; behind skipped
    expect(score('t2i-r1', spec, [dogLeft, catRight]).score).toBeCloseTo(0.6, 10);
  });
});

describe('t2i-r1-code (released code)', () => {
  it('spatial: 0.2·e1 + 0.2·e2 + pos/2', () => {
    expect(score('t2i-r1-code', spatial('dog', 'left of', 'cat'), [dogLeft, catRight]).score).toBeCloseTo(0.9, 10);
    expect(score('t2i-r1-code', spatial('dog', 'right of', 'cat'), [dogLeft, catRight]).score).toBeCloseTo(0.4, 10);
    expect(score('t2i-r1-code', spatial('dog', 'left of', 'cat'), [dogLeft]).score).toBeCloseTo(0.2, 10);
    expect(score('t2i-r1-code', spatial('dog', 'left of', 'cat'), []).score).toBe(0);
  });

  it('reproduceBugs: "near" always holds on normalised boxes', () => {
    const spec = spatial('dog', 'near', 'cat');
    const far = [det('dog', 0.8, [0, 0, 10, 10]), det('cat', 0.8, [400, 400, 410, 410])];
    expect(score('t2i-r1-code', spec, far).score).toBeCloseTo(0.4 + 150 / 400 / 2, 10);
    expect(score('t2i-r1-code', spec, far, { reproduceBugs: true }).score).toBeCloseTo(0.9, 10);
  });

  it('reproduceBugs: "above" and "on top of" never match, "on the top of" does', () => {
    const boxes = [det('dog', 0.8, [0, 0, 10, 10]), det('cat', 0.8, [0, 400, 10, 410])];
    expect(score('t2i-r1-code', spatial('dog', 'above', 'cat', 'above'), boxes).score).toBeCloseTo(0.9, 10);
    expect(score('t2i-r1-code', spatial('dog', 'above', 'cat', 'above'), boxes, { reproduceBugs: true }).score).toBeCloseTo(0.4, 10);
    expect(score('t2i-r1-code', spatial('dog', 'above', 'cat', 'on top of'), boxes, { reproduceBugs: true }).score).toBeCloseTo(0.4, 10);
    expect(score('t2i-r1-code', spatial('dog', 'above', 'cat', 'on the top of'), boxes, { reproduceBugs: true }).score).toBeCloseTo(0.9, 10);
    expect(score('t2i-r1-code', spatial('cat', 'below', 'dog', 'below'), boxes, { reproduceBugs: true }).score).toBeCloseTo(0.9, 10);
  });

  it('numeracy: 1/n weights, exact 1, wrong 0.2, none 0 (NMS at IoU 0.5)', () => {
    const spec: PromptSpec = {
      objects: [
        { name: 'dog', count: 2 },
        { name: 'cat', count: 3 },
      ],
      relations: [],
    };
    const dogs = [det('dog', 0.9, [0, 0, 50, 50]), det('dog', 0.8, [100, 0, 150, 50]), det('dog', 0.7, [5, 0, 55, 50])];
    expect(score('t2i-r1-code', spec, [...dogs, det('cat', 0.9, [300, 300, 400, 400])]).score).toBeCloseTo(0.6, 10);
    expect(score('t2i-r1-code', spec, dogs).score).toBeCloseTo(0.5, 10);
    expect(score('t2i-r1-code', spec, []).score).toBe(0);
  });

  it('existence: fraction of nouns found; an empty noun list scores 1 with a warning', () => {
    expect(score('t2i-r1-code', { objects: [{ name: 'dog' }, { name: 'cat' }], relations: [] }, [dogLeft]).score).toBe(0.5);
    // strictly above the box threshold, as the released code (a score of exactly 0.3 is not a box)
    expect(score('t2i-r1-code', { objects: [{ name: 'dog' }], relations: [] }, [det('dog', 0.3, [0, 0, 10, 10])]).score).toBe(0);
    expect(score('t2i-r1-code', { objects: [{ name: 'dog' }], relations: [] }, [det('dog', 0.3000001, [0, 0, 10, 10])]).score).toBe(1);
    const empty = score('t2i-r1-code', { objects: [], relations: [] }, []);
    expect(empty.score).toBe(1);
    expect(empty.warnings.join()).toContain('empty noun list');
    expect(score('t2i-r1-code', { objects: [{ name: 'unicorn' }], relations: [] }, []).score).toBeNull();
  });
});

describe('compbench (T2I-CompBench)', () => {
  it('2D spatial: 0.25·conf1 + 0.25·conf2 + pos/2, below 0.5 → 0, conf > 0.1 (UniDet in force) and ≥ boxThreshold', () => {
    expect(score('compbench', spatial('dog', 'left of', 'cat'), [dogLeft, catRight]).score).toBeCloseTo(0.85, 10);
    expect(score('compbench', spatial('dog', 'right of', 'cat'), [dogLeft, catRight]).score).toBe(0); // 0.35 → 0
    expect(score('compbench', spatial('dog', 'left of', 'cat'), [dogLeft, det('cat', 0.25, [200, 0, 300, 100])]).score).toBe(0); // < boxThreshold 0.3
    const lowCat = (conf: number) =>
      score('compbench', spatial('dog', 'left of', 'cat'), [dogLeft, det('cat', conf, [200, 0, 300, 100])], { boxThreshold: 0 }).score;
    expect(lowCat(0.1)).toBe(0); // detectron2 keeps scores > 0.1 only
    expect(lowCat(0.11)).toBeGreaterThan(0.5);
    // overlapping, pos 0.3: 0.25 + 0.225 + 0.15 = 0.625; with confidences 0.8 / 0.5: 0.475 → 0
    expect(score('compbench', spatial('dog', 'left of', 'cat'), [det('dog', 1, [0, 0, 100, 100]), det('cat', 0.9, [50, 0, 150, 100])]).score).toBeCloseTo(
      0.625,
      10,
    );
    expect(score('compbench', spatial('dog', 'left of', 'cat'), [dogLeft, det('cat', 0.5, [50, 0, 150, 100])]).score).toBe(0);
  });

  it('near: 150 px in the frame UniDet sees (torchvision Resize(479, max_size=480)), not at 512', () => {
    expect(compbenchResize(512, 512)).toEqual({ width: 479, height: 479 });
    expect(compbenchResize(1024, 768)).toEqual({ width: 480, height: 360 }); // 479 × 638 capped at 480: int(480·479/638) = 360
    expect(compbenchResize(768, 1024)).toEqual({ width: 360, height: 480 });
    // Checked against torchvision 0.14 Resize(size=479, max_size=480) on PIL images of these sizes.
    expect(compbenchResize(300, 200)).toEqual({ width: 480, height: 320 });
    expect(compbenchResize(1000, 333)).toEqual({ width: 480, height: 159 });
    const spec = spatial('dog', 'near', 'cat');
    const at = (d: number) => [det('dog', 1, [0, 0, 10, 10]), det('cat', 1, [d, d, d + 10, d + 10])];
    // 155 px apart on a 512 image = 145.0 px at 479: near (1) → 0.25 + 0.25 + 0.5; at 150 px per 512 it would be 150/155.
    expect(score('compbench', spec, at(155)).score).toBe(1);
    // 170 px apart = 159.04 px at 479: 150 / 159.04
    expect(score('compbench', spec, at(170)).score).toBeCloseTo(0.5 + 150 / ((170 * 479) / 512) / 2, 12);
  });

  it('numeracy: 0.5 present + 0.5 exact per object, duplicates (containment > 0.9) merged', () => {
    const spec: PromptSpec = {
      objects: [
        { name: 'dog', count: 2 },
        { name: 'cat', count: 1 },
      ],
      relations: [],
    };
    const dogs = [det('dog', 0.9, [0, 0, 100, 100]), det('dog', 0.8, [200, 0, 300, 100])];
    const inside = det('dog', 0.7, [10, 10, 40, 40]);
    expect(score('compbench', spec, [...dogs, inside]).score).toBeCloseTo(0.5, 10); // dogs exact 1, cat 0
    expect(score('compbench', spec, [...dogs, det('dog', 0.6, [400, 0, 500, 100]), det('cat', 0.9, [0, 300, 50, 350])]).score).toBeCloseTo(0.75, 10);
  });

  it('other prompts: null with a warning (CompBench judges them with other models)', () => {
    const result = score('compbench', { objects: [{ name: 'dog', attributes: ['red'] }], relations: [] }, [dogLeft]);
    expect(result.score).toBeNull();
    expect(result.warnings.join()).toContain('2D-spatial and numeracy');
  });
});

describe('geneval', () => {
  it('single object: a box above 0.3 is enough', () => {
    const spec: PromptSpec = { category: 'single_object', objects: [{ name: 'dog', count: 1 }], relations: [] };
    expect(score('geneval', spec, [det('dog', 0.5, [0, 0, 10, 10])]).score).toBe(1);
    expect(score('geneval', spec, [det('dog', 0.29, [0, 0, 10, 10])]).score).toBe(0);
  });

  it('counting: threshold 0.9, include and exclude', () => {
    const spec: PromptSpec = { category: 'counting', objects: [{ name: 'dog', count: 2 }], relations: [], exclude: [{ name: 'dog', count: 3 }] };
    const a = det('dog', 0.95, [0, 0, 10, 10]);
    const b = det('dog', 0.92, [50, 0, 60, 10]);
    expect(score('geneval', spec, [a, b]).score).toBe(1);
    expect(score('geneval', spec, [a, { ...b, score: 0.5 }]).score).toBe(0);
    const three = score('geneval', spec, [a, b, det('dog', 0.91, [90, 0, 99, 10])]);
    expect(three.score).toBe(0);
    expect(three.details.reasons).toEqual(['expected dog<3, found 3']);
    // No explicit exclusion: count + 1 is implied for counting prompts
    expect(score('geneval', { ...spec, exclude: [] }, [a, b, det('dog', 0.91, [90, 0, 99, 10])]).score).toBe(0);
  });

  it('caps at 16 boxes per class', () => {
    const many = Array.from({ length: 20 }, (_, i) => det('dog', 0.5, [i * 20, 0, i * 20 + 10, 10]));
    const spec: PromptSpec = { category: 'two_object', objects: [{ name: 'dog' }], relations: [], exclude: [{ name: 'dog', count: 17 }] };
    expect(score('geneval', spec, many).score).toBe(1);
  });

  it('position: every subject box against every reference box, with the size margin', () => {
    const spec: PromptSpec = {
      category: 'position',
      objects: [{ name: 'teddy bear' }, { name: 'dog' }],
      relations: [{ subject: 'dog', relation: 'right of', object: 'teddy bear' }],
    };
    const bear = det('teddy bear', 0.8, [0, 0, 100, 100]);
    expect(score('geneval', spec, [bear, det('dog', 0.8, [300, 0, 400, 100])]).score).toBe(1);
    expect(score('geneval', spec, [bear, det('dog', 0.8, [20, 0, 120, 100])]).score).toBe(0); // margin swallows 20 px
    const near = score('geneval', { ...spec, relations: [{ subject: 'dog', relation: 'near', object: 'teddy bear' }] }, [bear]);
    expect(near.score).toBeNull();
  });

  it('colour: null without a classifier, judged with one', () => {
    const spec: PromptSpec = { category: 'colors', objects: [{ name: 'car', attributes: ['red'] }], relations: [] };
    const car = det('car', 0.8, [0, 0, 100, 100]);
    const unjudged = score('geneval', spec, [car]);
    expect(unjudged.score).toBeNull();
    expect(unjudged.warnings.join()).toContain('colour classifier');
    expect(scoreDetections({ ...input(spec, [car]), colorOf: () => 'red' }, 'geneval').score).toBe(1);
    expect(scoreDetections({ ...input(spec, [car]), colorOf: () => 'blue' }, 'geneval').score).toBe(0);
    // Not found is not "wrong" either without a classifier: every colour prompt is unjudged, found or not.
    expect(score('geneval', spec, []).score).toBeNull();
    expect(scoreDetections({ ...input(spec, []), colorOf: () => 'red' }, 'geneval').score).toBe(0);
    const attr: PromptSpec = {
      category: 'color_attr',
      objects: [
        { name: 'car', attributes: ['red'] },
        { name: 'dog', attributes: ['white'] },
      ],
      relations: [],
    };
    expect(score('geneval', attr, [car]).score).toBeNull();
  });
});

describe('properties', () => {
  const labels = ['dog', 'cat', 'person', 'car'];
  const detection = fc.record({
    label: fc.constantFrom(...labels),
    score: fc.double({ min: 0, max: 1, noNaN: true }),
    box: fc
      .tuple(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 500 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 300 }))
      .map(([x, y, w, h]) => [x, y, x + w, y + h] as const),
  });
  const relation = fc.constantFrom('left of', 'right of', 'above', 'below', 'near', 'next to', 'on side of', 'in front of');
  const specArb = fc.oneof(
    fc.tuple(fc.constantFrom(...labels), relation, fc.constantFrom(...labels)).map(([s, r, o]) => spatial(s, r, o)),
    fc
      .array(fc.record({ name: fc.constantFrom(...labels, 'unicorn'), count: fc.integer({ min: 0, max: 4 }) }), { minLength: 1, maxLength: 3 })
      .map((objects): PromptSpec => ({ objects, relations: [] })),
    fc.array(fc.record({ name: fc.constantFrom(...labels) }), { maxLength: 3 }).map((objects): PromptSpec => ({ objects, relations: [] })),
  );

  it('every formula scores in [0, 1] or null', () => {
    fc.assert(
      fc.property(
        specArb,
        fc.array(detection, { maxLength: 12 }),
        fc.constantFrom<ScoringFormula>('t2i-r1', 't2i-r1-code', 'compbench', 'geneval'),
        (spec, detections, formula) => {
          const { score: value } = score(formula, spec, detections);
          if (value !== null) {
            expect(value).toBeGreaterThanOrEqual(0);
            expect(value).toBeLessThanOrEqual(1);
          }
        },
      ),
    );
  });

  it('swapping the two objects turns "left of" into "right of" (same reward)', () => {
    fc.assert(
      fc.property(fc.array(detection, { maxLength: 10 }), fc.constantFrom<ScoringFormula>('t2i-r1', 't2i-r1-code', 'compbench'), (detections, formula) => {
        const a = score(formula, spatial('dog', 'left of', 'cat'), detections).score;
        const b = score(formula, spatial('cat', 'right of', 'dog'), detections).score;
        expect(b).toBeCloseTo(a as number, 12);
      }),
    );
  });

  it('a detection list with no boxes gives 0 existence', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...labels, 'bicycle', 'giraffe', 'man'), { minLength: 1, maxLength: 4 }), (names) => {
        const spec: PromptSpec = { objects: names.map((name) => ({ name })), relations: [] };
        expect(score('t2i-r1', spec, []).score).toBe(0);
        expect(score('t2i-r1-code', spec, []).score).toBe(0);
        for (const o of score('t2i-r1', spec, []).details.objects as { exists: boolean }[]) expect(o.exists).toBe(false);
      }),
    );
  });
});

import { describe, expect, it } from 'vitest';
import type { ObjectRecord, PromptSpec, RelationRecord } from '@t2i-reward/core';
import { explain } from './explain.js';
import type { Detection } from './scoring/boxes.js';
import { SCORING_FORMULAS, scoreDetections, type ScoringFormula } from './scoring/index.js';
import { cocoVocabulary } from './vocabulary.js';

const coco = cocoVocabulary();
const det = (label: string, score: number, box: [number, number, number, number]): Detection => ({ label, score, box });
// High confidences so every formula (GenEval counting needs > 0.9) sees the boxes.
const dog = det('dog', 0.95, [0, 0, 100, 100]);
const car = det('car', 0.95, [300, 0, 400, 100]);
const car2 = det('car', 0.94, [300, 300, 400, 400]);
const score = (formula: ScoringFormula, spec: PromptSpec, detections: Detection[]) =>
  scoreDetections({ spec, detections, image: { width: 512, height: 512 }, resolveLabel: (n) => coco.resolve(n) }, formula);

const leftOf: PromptSpec = {
  category: 'position',
  objects: [{ name: 'dog' }, { name: 'car' }],
  relations: [{ subject: 'dog', relation: 'left of', object: 'car' }],
};
const twoCars: PromptSpec = { category: 'counting', objects: [{ name: 'car', count: 2 }], relations: [] };

function expectObjectRecord(o: ObjectRecord): void {
  expect(typeof o.name).toBe('string');
  expect(o.label === null || typeof o.label === 'string').toBe(true);
  expect(typeof o.found).toBe('number');
  expect(o.exists === null || typeof o.exists === 'boolean').toBe(true);
  if (o.count !== undefined) expect(typeof o.count).toBe('number');
}

function expectRelationRecord(r: RelationRecord): void {
  expect(Object.keys(r)).toEqual(expect.arrayContaining(['subject', 'relation', 'object', 'score', 'verdict']));
  expect(typeof r.verdict).toBe('string');
}

describe('details contract and explain(), for every formula', () => {
  for (const formula of SCORING_FORMULAS) {
    it(`${formula}: a judged relation has a score and explains itself (no n/a)`, () => {
      const outcome = score(formula, leftOf, [dog, car]);
      expect(outcome.score).toBeGreaterThan(0.5);
      const relations = outcome.details.relations as RelationRecord[];
      expect(relations).toHaveLength(1);
      expectRelationRecord(relations[0]!);
      expect(relations[0]!.score).toBe(1);
      const why = explain(outcome.details);
      expect(why).toMatch(/^(.*, )?dog left of car: 1\.00/);
      expect(why).not.toContain('n/a');
    });

    it(`${formula}: a failed relation explains itself too`, () => {
      const outcome = score(formula, { ...leftOf, relations: [{ subject: 'car', relation: 'left of', object: 'dog' }] }, [dog, car]);
      const [relation] = outcome.details.relations as RelationRecord[];
      expectRelationRecord(relation!);
      expect(relation!.score).toBe(0);
      expect(explain(outcome.details)).toContain('car left of dog: 0.00');
    });

    it(`${formula}: count prompts write object records with the same keys`, () => {
      const outcome = score(formula, twoCars, [car, car2]);
      expect(outcome.score).toBe(1);
      const objects = outcome.details.objects as ObjectRecord[];
      expect(objects.length).toBeGreaterThan(0);
      for (const o of objects) expectObjectRecord(o);
      expect(objects[0]).toMatchObject({ name: 'car', label: 'car', count: 2, found: 2, exists: true });
      expect(explain(outcome.details)).toContain('car 2/2');
    });
  }

  it('an unjudgeable relation says why instead of n/a', () => {
    const outcome = score('t2i-r1-code', { ...leftOf, relations: [{ subject: 'dog', relation: 'behind', object: 'car' }] }, [dog, car]);
    expect(explain(outcome.details)).toMatch(/dog behind car: not judged \(.+\)/);
  });

  it('t2i-r1-code and compbench show the relation reward next to the position score', () => {
    expect(explain(score('t2i-r1-code', leftOf, [dog, car]).details)).toContain('dog left of car: 1.00 → 0.90');
    expect(explain(score('compbench', leftOf, [dog, car]).details)).toContain('dog left of car: 1.00 → 0.97');
  });

  it('GenEval adds its failed rules', () => {
    const outcome = score('geneval', twoCars, [car]);
    expect(explain(outcome.details)).toBe('car 1/2; expected car>=2, found 1');
  });
});

describe("explain() of the released code's formula (t2i-r1-code, the t2i-r1-reference preset)", () => {
  const bicycle = det('bicycle', 0.95, [0, 0, 100, 100]);
  const dogNear = det('dog', 0.95, [120, 0, 220, 100]);
  const reference = (spec: PromptSpec, detections: Detection[]) =>
    explain(
      scoreDetections({ spec, detections, image: { width: 512, height: 512 }, resolveLabel: (n) => coco.resolve(n) }, 't2i-r1-code', { reproduceBugs: true })
        .details,
    );

  it('spatial: both objects found, the position and the rule with its value (the why column was empty)', () => {
    const spec: PromptSpec = { objects: [{ name: 'dog' }, { name: 'bicycle' }], relations: [{ subject: 'dog', relation: 'next to', object: 'bicycle' }] };
    expect(reference(spec, [dogNear, bicycle])).toBe(
      'dog found, bicycle found, dog next to bicycle: position 1.00 → 0.2·e1 + 0.2·e2 + determine_position/2 = 0.90',
    );
    expect(reference(spec, [dogNear])).toBe(
      'dog found, bicycle not found, dog next to bicycle: pos not computed: both objects must be found → 0.2·e1 + 0.2·e2 + determine_position/2 = 0.20',
    );
  });

  it('existence: a found object reads "found", not "dog ?"; numeracy: boxes kept / asked and the value', () => {
    expect(reference({ objects: [{ name: 'dog' }, { name: 'cat' }], relations: [] }, [dogNear])).toBe('dog found, cat not found');
    expect(reference({ objects: [{ name: 'dog', count: 2 }], relations: [] }, [dogNear])).toBe('dog 1/2 → 0.20');
  });
});

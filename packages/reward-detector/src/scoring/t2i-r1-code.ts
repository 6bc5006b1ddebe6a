import { nonMaxSuppression } from './boxes.js';
import {
  type ScoreOutcome,
  type ScoringInput,
  type ScoringOptions,
  beginScoring,
  boxesBy,
  judgeRelation,
  mean,
  positionFor,
  relationSides,
  round,
} from './common.js';
import { scoreT2IR1Reference } from './t2i-r1-reference.js';

/**
 * T2I-R1, released-code form (github CaraJ7/T2I-R1): spatial → 0.2·e1 + 0.2·e2 + pos/2 (max 0.9) on each
 * object's most confident box; numeracy → Σ over objects (weight 1/n) of 1 for the exact count after NMS
 * (IoU 0.5), 0.2 for a wrong non-zero count, 0 when absent; otherwise the fraction of nouns found (an empty
 * noun list scores 1). This default keeps our fixes (see the README's deviation table); `reproduceBugs: true`
 * scores exactly as the released code does instead ({@link scoreT2IR1Reference}).
 */
export function scoreT2IR1Code(input: ScoringInput, options: ScoringOptions): ScoreOutcome {
  if (options.reproduceBugs) return scoreT2IR1Reference(input, options);
  // Strictly above the threshold, as the released code filters (`logit_phr > box_threshold`).
  const boxes = input.detections.filter((d) => d.score > options.boxThreshold).sort((a, b) => b.score - a.score);
  const { warnings, objects, task, described } = beginScoring(input, boxes);
  const base = { formula: 't2i-r1-code', reproduceBugs: options.reproduceBugs, boxThreshold: options.boxThreshold, boxes: described };

  if (task === 'spatial') {
    const relations = input.spec.relations.map((relation) => {
      const sides = relationSides(objects, relation);
      if (!('head' in sides)) return sides;
      const { head, subject, object } = sides;
      const subjectBoxes = boxesBy(boxes, subject);
      const objectBoxes = boxesBy(boxes, object);
      const e1 = subjectBoxes.length > 0 ? 1 : 0;
      const e2 = objectBoxes.length > 0 ? 1 : 0;
      let pos = 0;
      let verdict = 'pos = 0: both objects must be found';
      const position = positionFor(relation.relation, input.image, options.nearThresholdPx);
      if (position([0, 0, 1, 1], [0, 0, 1, 1]).score === null) {
        warnings.push(`relation '${relation.relation}' cannot be judged from 2D boxes: not judged`);
        return { ...head, score: null, reward: null, verdict: position([0, 0, 1, 1], [0, 0, 1, 1]).verdict };
      }
      const judged = judgeRelation(subjectBoxes, objectBoxes, subject === object, position);
      if (judged) {
        pos = judged.result.score ?? 0;
        verdict = judged.result.verdict;
      }
      return { ...head, score: round(pos), e1, e2, pos: round(pos), reward: 0.2 * e1 + 0.2 * e2 + pos / 2, verdict };
    });
    const judged = relations.map((r) => r.reward).filter((r): r is number => r !== null);
    const details = { ...base, task, rule: '0.2·e1 + 0.2·e2 + pos/2', relations };
    if (judged.length > 0) return { score: mean(judged), details, warnings };
    if (options.unsupportedRelations === 'null') {
      warnings.push('no relation of the prompt can be judged from 2D boxes: score is null');
      return { score: null, details, warnings };
    }
    warnings.push('relations not judgeable from 2D boxes: scored on the fraction of nouns found');
  }

  const judgeable = objects.filter((o) => o.label !== null);
  if (task === 'numeracy') {
    const counted = nonMaxSuppression(boxes, options.nmsIou);
    const perObject = judgeable.map((o) => {
      const found = boxesBy(counted, o.label).length;
      const asked = o.count ?? 1;
      const value = found === asked ? 1 : found > 0 ? 0.2 : 0;
      return { name: o.name, label: o.label, count: asked, found, exists: found > 0, score: value };
    });
    const details = { ...base, task, rule: 'Σ (1/n)·(exact 1 | wrong 0.2 | none 0)', objects: perObject };
    if (perObject.length === 0) return { score: objects.length === 0 ? 1 : null, details, warnings: noNouns(objects.length, warnings) };
    return { score: mean(perObject.map((o) => o.score)), details, warnings };
  }

  const perObject = judgeable.map((o) => {
    const found = boxesBy(boxes, o.label).length;
    return { name: o.name, label: o.label, found, exists: found > 0 };
  });
  const details = { ...base, task: 'existence', rule: 'fraction of nouns found (empty list → 1)', objects: perObject };
  if (perObject.length === 0) return { score: objects.length === 0 ? 1 : null, details, warnings: noNouns(objects.length, warnings) };
  return { score: mean(perObject.map((o) => (o.exists ? 1 : 0))), details, warnings };
}

function noNouns(objectCount: number, warnings: string[]): string[] {
  if (objectCount === 0) warnings.push('the prompt names no object: the released code scores an empty noun list 1');
  return warnings;
}

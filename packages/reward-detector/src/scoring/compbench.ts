import { mergeDuplicates } from './boxes.js';
import {
  type ScoreOutcome, type ScoringInput, type ScoringOptions,
  boxesBy, describeBoxes, judgeRelation, mean, positionFor, promptTask, resolveObjects, round,
} from './common.js';

/**
 * T2I-CompBench (Huang et al. 2023) detector protocols.
 * 2D spatial (UniDet, confidence ≥ 0.5): 0.25·conf1 + 0.25·conf2 + pos/2 on each object's most confident
 * box, 0 when either is missing, and a result below 0.5 is set to 0.
 * Numeracy: per object (weight 1/n) +0.5 when present, +0.5 more when the count is exact, after merging
 * same-class duplicates (IoU or containment > 0.9).
 * Other categories are judged by other models in T2I-CompBench (BLIP-VQA, CLIP): null with a warning.
 */
export function scoreCompBench(input: ScoringInput, options: ScoringOptions): ScoreOutcome {
  const warnings: string[] = [];
  const minScore = Math.max(options.boxThreshold, options.compbenchMinConfidence);
  const boxes = input.detections.filter((d) => d.score >= minScore).sort((a, b) => b.score - a.score);
  const objects = resolveObjects(input.spec, input.resolveLabel, warnings);
  const base = { formula: 'compbench', minConfidence: minScore, boxes: describeBoxes(boxes) };
  const task = promptTask(input.spec);

  if (task === 'spatial') {
    const relations = input.spec.relations.map((relation) => {
      const subject = objects.find((o) => o.name === relation.subject);
      const object = objects.find((o) => o.name === relation.object);
      const head = { subject: relation.subject, relation: relation.relation, object: relation.object };
      if (!subject?.label || !object?.label) return { ...head, score: null, reward: null, verdict: 'not judged: an object the detector cannot name' };
      const position = positionFor(relation.relation, input.image, options.nearThresholdPx);
      const probe = position([0, 0, 1, 1], [0, 0, 1, 1]);
      if (probe.score === null) {
        warnings.push(`relation '${relation.relation}' cannot be judged from 2D boxes (T2I-CompBench judges it in its 3D-spatial category with depth): not judged`);
        return { ...head, score: null, reward: null, verdict: probe.verdict };
      }
      const judged = judgeRelation(boxesBy(boxes, subject.label), boxesBy(boxes, object.label), subject.label === object.label, position);
      if (!judged) return { ...head, score: 0, reward: 0, verdict: 'both objects must be found with confidence ≥ threshold' };
      const pos = judged.result.score ?? 0;
      const raw = 0.25 * judged.subject.score + 0.25 * judged.object.score + pos / 2;
      return {
        ...head, score: round(pos), conf1: round(judged.subject.score), conf2: round(judged.object.score), pos: round(pos), raw: round(raw),
        reward: raw < 0.5 ? 0 : raw, verdict: judged.result.verdict,
      };
    });
    const judged = relations.map((r) => r.reward).filter((s): s is number => s !== null);
    const details = { ...base, task, rule: '0.25·conf1 + 0.25·conf2 + pos/2, < 0.5 → 0', relations };
    return { score: judged.length > 0 ? mean(judged) : null, details, warnings };
  }

  if (task === 'numeracy') {
    const merged = mergeDuplicates(boxes, options.duplicateThreshold);
    const judgeable = objects.filter((o) => o.label !== null);
    const perObject = judgeable.map((o) => {
      const found = boxesBy(merged, o.label).length;
      const asked = o.count ?? 1;
      return { name: o.name, label: o.label, count: asked, found, exists: found > 0, score: (found > 0 ? 0.5 : 0) + (found === asked ? 0.5 : 0) };
    });
    const details = { ...base, task, rule: 'Σ (1/n)·(0.5·present + 0.5·exact count)', objects: perObject };
    if (perObject.length === 0) {
      if (objects.length === 0) warnings.push('the prompt names no object to count: null');
      return { score: null, details, warnings };
    }
    return { score: mean(perObject.map((o) => o.score)), details, warnings };
  }

  warnings.push('T2I-CompBench uses a detector only for 2D-spatial and numeracy prompts: null for this prompt');
  return { score: null, details: { ...base, task }, warnings };
}

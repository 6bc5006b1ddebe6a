import { type Box, mergeDuplicates } from './boxes.js';
import { type ScoreOutcome, type ScoringInput, type ScoringOptions, beginScoring, boxesBy, judgeRelation, mean, relationSides, round } from './common.js';
import { positionScore } from './position.js';

/** T2I-CompBench's UniDet transform: torchvision `Resize(size=479, max_size=480)` (UniDet_eval/experts/model_bank.py). */
export const COMPBENCH_RESIZE = { size: 479, maxSize: 480 } as const;

/**
 * The image size UniDet sees in T2I-CompBench's 2D-spatial script: torchvision's Resize rule (shorter side to 479,
 * the longer one scaled and truncated to an integer, capped at 480 with the shorter one recomputed). 512² → 479².
 */
export function compbenchResize(width: number, height: number): { width: number; height: number } {
  const [short, long] = width <= height ? [width, height] : [height, width];
  let newShort: number = COMPBENCH_RESIZE.size;
  let newLong = Math.trunc((COMPBENCH_RESIZE.size * long) / short);
  if (newLong > COMPBENCH_RESIZE.maxSize) {
    newShort = Math.trunc((COMPBENCH_RESIZE.maxSize * newShort) / newLong);
    newLong = COMPBENCH_RESIZE.maxSize;
  }
  return width <= height ? { width: newShort, height: newLong } : { width: newLong, height: newShort };
}

/**
 * T2I-CompBench's `determine_position` runs on UniDet's boxes in the resized image's pixels, with its 150 px near
 * threshold there: boxes are mapped into that frame and `nearThresholdPx` applies in it unscaled (150 px at 479 px
 * is 160.3 px of a 512 px image).
 */
function compbenchPosition(relation: string, image: { width: number; height: number }, nearThresholdPx: number) {
  const resized = compbenchResize(image.width, image.height);
  const sx = resized.width / image.width;
  const sy = resized.height / image.height;
  const scale = (b: Box): Box => [b[0] * sx, b[1] * sy, b[2] * sx, b[3] * sy];
  return (subject: Box, object: Box) => positionScore(relation, scale(subject), scale(object), { nearThreshold: nearThresholdPx });
}

/**
 * T2I-CompBench (Huang et al. 2023) detector protocols.
 * 2D spatial (UniDet, confidence ≥ 0.5): 0.25·conf1 + 0.25·conf2 + pos/2 on each object's most confident
 * box, 0 when either is missing, and a result below 0.5 is set to 0. Positions are judged in the frame UniDet
 * sees (the image resized by {@link compbenchResize}), where the near threshold is 150 px.
 * Numeracy: per object (weight 1/n) +0.5 when present, +0.5 more when the count is exact, after merging
 * same-class duplicates (IoU or containment > 0.9).
 * Other categories are judged by other models in T2I-CompBench (BLIP-VQA, CLIP): null with a warning.
 */
export function scoreCompBench(input: ScoringInput, options: ScoringOptions): ScoreOutcome {
  const minScore = Math.max(options.boxThreshold, options.compbenchMinConfidence);
  const boxes = input.detections.filter((d) => d.score >= minScore).sort((a, b) => b.score - a.score);
  const { warnings, objects, task, described } = beginScoring(input, boxes);
  const base = { formula: 'compbench', minConfidence: minScore, boxes: described };

  if (task === 'spatial') {
    const relations = input.spec.relations.map((relation) => {
      const sides = relationSides(objects, relation);
      if (!('head' in sides)) return sides;
      const { head, subject, object } = sides;
      const position = compbenchPosition(relation.relation, input.image, options.nearThresholdPx);
      const probe = position([0, 0, 1, 1], [0, 0, 1, 1]);
      if (probe.score === null) {
        warnings.push(
          `relation '${relation.relation}' cannot be judged from 2D boxes (T2I-CompBench judges it in its 3D-spatial category with depth): not judged`,
        );
        return { ...head, score: null, reward: null, verdict: probe.verdict };
      }
      const judged = judgeRelation(boxesBy(boxes, subject), boxesBy(boxes, object), subject === object, position);
      if (!judged) return { ...head, score: 0, reward: 0, verdict: 'both objects must be found with confidence ≥ threshold' };
      const pos = judged.result.score ?? 0;
      const raw = 0.25 * judged.subject.score + 0.25 * judged.object.score + pos / 2;
      return {
        ...head,
        score: round(pos),
        conf1: round(judged.subject.score),
        conf2: round(judged.object.score),
        pos: round(pos),
        raw: round(raw),
        reward: raw < 0.5 ? 0 : raw,
        verdict: judged.result.verdict,
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

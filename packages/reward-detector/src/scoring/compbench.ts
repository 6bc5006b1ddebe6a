import { type Box, mergeDuplicates } from './boxes.js';
import { type ScoreOutcome, type ScoringInput, type ScoringOptions, beginScoring, boxesBy, judgeRelation, mean, relationSides, round } from './common.js';
import { positionScore } from './position.js';
import { determinePosition } from './t2i-r1-reference.js';

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

/** Maps a box in the image's pixels into the frame UniDet sees (the image resized by {@link compbenchResize}). */
function toUnidetFrame(image: { width: number; height: number }): (box: Box) => Box {
  const resized = compbenchResize(image.width, image.height);
  const sx = resized.width / image.width;
  const sy = resized.height / image.height;
  return (b) => [b[0] * sx, b[1] * sy, b[2] * sx, b[3] * sy];
}

/**
 * T2I-CompBench's `determine_position` runs on UniDet's boxes in the resized image's pixels, with its 150 px near
 * threshold there: boxes are mapped into that frame and `nearThresholdPx` applies in it unscaled (150 px at 479 px
 * is 160.3 px of a 512 px image).
 */
function compbenchPosition(relation: string, image: { width: number; height: number }, nearThresholdPx: number) {
  const scale = toUnidetFrame(image);
  return (subject: Box, object: Box) => positionScore(relation, scale(subject), scale(object), { nearThreshold: nearThresholdPx });
}

/**
 * The UniDet confidence threshold in force in T2I-CompBench's scripts: `UnifiedCascadeROIHeads._forward_box`
 * (UniDet_eval/experts/obj_detection/unidet/modeling/roi_heads/unified_roi_heads.py, lines 105-113) passes a
 * hard-coded 0.1 to detectron2's `fast_rcnn_inference` (which keeps scores > 0.1); the `--confidence-threshold`
 * 0.5 of model_bank.py only reaches `predictor.test_score_thresh`, which that call does not read.
 */
export const UNIDET_SCORE_THRESHOLD = 0.1;

/** `vocab_spatial` of 2D_spatial_eval.py (line 168), in its order: the first one found in the prompt is the locality. */
export const COMPBENCH_VOCAB_SPATIAL: readonly string[] = [
  'on side of',
  'next to',
  'near',
  'on the left of',
  'on the right of',
  'on the bottom of',
  'on the top of',
  'on top of',
];

/**
 * `determine_position` of T2I-CompBench's 2D_spatial_eval.py (lines 23-78), for "box1 LOCALITY box2": only the
 * spellings it has a branch for are judged ('next to' / 'on side of' / 'near', 'on the right of', 'on the left of',
 * 'on the bottom of', 'on the top of'); anything else, 'on top of' included (it is in `vocab_spatial` but has no
 * branch), scores 0. A 0 / 0 IoU fails both IoU tests (0), as NaN does there.
 */
export function compbenchDeterminePosition(locality: string | undefined, box1: Box, box2: Box, iouThreshold = 0.1, distanceThreshold = 150): number {
  // The geometry is T2I-R1's copy of the same function; CompBench's has branches for the long spellings only.
  return locality !== undefined && COMPBENCH_POSITION_BRANCHES.has(locality) ? determinePosition(locality, box1, box2, iouThreshold, distanceThreshold) : 0;
}

/** The localities 2D_spatial_eval.py's determine_position has a branch for. */
const COMPBENCH_POSITION_BRANCHES: ReadonlySet<string> = new Set([
  'next to',
  'on side of',
  'near',
  'on the right of',
  'on the left of',
  'on the bottom of',
  'on the top of',
]);

/**
 * Reference mode (`formula: 'compbench', reproduceBugs: true`) for 2D-spatial prompts: the scoring of
 * T2I-CompBench's UniDet_eval/2D_spatial_eval.py (lines 166-261) on the detections. The locality is the first
 * `vocab_spatial` entry found in the prompt text (the relation's phrase when the spec has no prompt); each object's
 * box is its class's first (most confident) box above 0.1, the same box for both when they share a class;
 * `0.25·conf1 + 0.25·conf2 + determine_position/2` in the frame UniDet sees (one found: 0.25·conf; none: 0), and a
 * result below 0.5 is 0. The two objects are the spec's first relation's (the script takes the first and last noun
 * spaCy tags; that is not reproduced).
 */
function scoreCompBenchReference(input: ScoringInput, options: ScoringOptions): ScoreOutcome | undefined {
  const relation = input.spec.relations[0];
  if (!relation) return undefined;
  const minScore = options.compbenchMinConfidence;
  const boxes = input.detections.filter((d) => d.score > minScore).sort((a, b) => b.score - a.score);
  const { warnings, objects, task, described } = beginScoring(input, boxes);
  if (task !== 'spatial') return undefined;
  const text = input.spec.prompt ?? relation.phrase ?? relation.relation;
  const locality = COMPBENCH_VOCAB_SPATIAL.find((word) => text.includes(word));
  const labelOf = (name: string) => objects.find((o) => o.name === name)?.label ?? null;
  const first = (name: string) => boxesBy(boxes, labelOf(name))[0];
  const box1 = first(relation.subject);
  const box2 = first(relation.object);
  const scale = toUnidetFrame(input.image);
  let raw = 0;
  let pos: number | null = null;
  if (box1 && box2) {
    pos = compbenchDeterminePosition(locality, scale(box1.box), scale(box2.box));
    raw = 0.25 * box1.score + 0.25 * box2.score + pos / 2;
  } else if (box1) raw = 0.25 * box1.score;
  else if (box2) raw = 0.25 * box2.score;
  if (input.spec.relations.length > 1) warnings.push('reference mode judges the first relation only, as 2D_spatial_eval.py judges one pair per prompt');
  const score = raw < 0.5 ? 0 : raw;
  const details = {
    formula: 'compbench',
    reproduceBugs: true,
    minConfidence: minScore,
    boxes: described,
    task,
    rule: '0.25·conf1 + 0.25·conf2 + determine_position/2, < 0.5 → 0 (2D_spatial_eval.py)',
    locality: locality ?? null,
    relation: {
      subject: relation.subject,
      object: relation.object,
      conf1: box1 ? round(box1.score) : null,
      conf2: box2 ? round(box2.score) : null,
      pos,
      raw: round(raw),
    },
  };
  return { score, details, warnings };
}

/**
 * T2I-CompBench (Huang et al. 2023) detector protocols.
 * 2D spatial (UniDet, confidence > 0.1): 0.25·conf1 + 0.25·conf2 + pos/2 on each object's most confident
 * box, 0 when either is missing, and a result below 0.5 is set to 0. Positions are judged in the frame UniDet
 * sees (the image resized by {@link compbenchResize}), where the near threshold is 150 px.
 * Numeracy: per object (weight 1/n) +0.5 when present, +0.5 more when the count is exact, after merging
 * same-class duplicates (IoU or containment > 0.9).
 * Other categories are judged by other models in T2I-CompBench (BLIP-VQA, CLIP): null with a warning.
 */
export function scoreCompBench(input: ScoringInput, options: ScoringOptions): ScoreOutcome {
  if (options.reproduceBugs) {
    const reference = scoreCompBenchReference(input, options);
    if (reference) return reference;
  }
  const minScore = Math.max(options.boxThreshold, options.compbenchMinConfidence);
  // detectron2's fast_rcnn_inference keeps scores strictly above UniDet's threshold; boxThreshold is inclusive.
  const boxes = input.detections.filter((d) => d.score >= options.boxThreshold && d.score > options.compbenchMinConfidence).sort((a, b) => b.score - a.score);
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

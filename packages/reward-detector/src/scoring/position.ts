import type { SpatialRelation } from '@t2i-reward/core';
import { type Box, boxCenter, iou } from './boxes.js';

/** Distance threshold of the near-relations at the reference image size (T2I-R1 / T2I-CompBench: 150 px at 512 px). */
export const NEAR_THRESHOLD_PX = 150;
export const NEAR_REFERENCE_SIZE = 512;
/** Overlap above which a directional relation is discounted (score 0.1 / IoU). */
export const POSITION_IOU_THRESHOLD = 0.1;

/** Relations that need depth, which a 2D box detector cannot judge. */
export const DEPTH_RELATIONS: readonly string[] = ['in front of', 'behind'];

/** The near-distance threshold scaled to an image: 150 px per 512 px of the longer side. */
export function nearThresholdFor(width: number, height: number, basePx = NEAR_THRESHOLD_PX): number {
  return (basePx * Math.max(width, height)) / NEAR_REFERENCE_SIZE;
}

export interface PositionResult {
  relation: string;
  /** In [0, 1]; null when the relation cannot be judged from 2D boxes (depth relations, unknown words). */
  score: number | null;
  /** Centre offsets object − subject (image y grows downward). */
  dx: number;
  dy: number;
  iou: number;
  /** Human-readable verdict for `details`. */
  verdict: string;
}

export interface PositionOptions {
  /** Near-distance threshold in the boxes' units (pixels); see {@link nearThresholdFor}. Default 150. */
  nearThreshold?: number;
}

/**
 * `pos(relation, subjectBox, objectBox)` of T2I-R1 and T2I-CompBench (DESIGN §3), for "subject REL object".
 * Directional relations: the offset must point the right way and dominate the other axis; then 1 when the
 * boxes barely overlap (IoU < 0.1), else 0.1 / IoU; otherwise 0. Near-relations: 1 when |dx| < T or |dy| < T,
 * else T / max(|dx|, |dy|).
 */
export function positionScore(relation: SpatialRelation | string, subject: Box, object: Box, options: PositionOptions = {}): PositionResult {
  const threshold = options.nearThreshold ?? NEAR_THRESHOLD_PX;
  const [x1, y1] = boxCenter(subject);
  const [x2, y2] = boxCenter(object);
  const dx = x2 - x1;
  const dy = y2 - y1;
  const overlap = iou(subject, object);
  const base = { relation, dx, dy, iou: overlap };
  const directional = (holds: boolean, direction: string): PositionResult => {
    if (!holds) return { ...base, score: 0, verdict: `not ${direction}: dx=${round(dx)}, dy=${round(dy)}` };
    if (overlap < POSITION_IOU_THRESHOLD) return { ...base, score: 1, verdict: `${direction}, boxes apart (IoU ${round(overlap)})` };
    return { ...base, score: POSITION_IOU_THRESHOLD / overlap, verdict: `${direction}, boxes overlap (IoU ${round(overlap)}): 0.1/IoU` };
  };
  const ax = Math.abs(dx);
  const ay = Math.abs(dy);
  switch (relation) {
    case 'left of':
      return directional(dx > 0 && ax > ay, 'left of');
    case 'right of':
      return directional(dx < 0 && ax > ay, 'right of');
    case 'above':
      return directional(dy > 0 && ay > ax, 'above');
    case 'below':
      return directional(dy < 0 && ay > ax, 'below');
    case 'near':
    case 'next to':
    case 'on side of': {
      if (ax < threshold || ay < threshold) {
        return { ...base, score: 1, verdict: `${relation}: |dx|=${round(ax)} or |dy|=${round(ay)} < T=${round(threshold)}` };
      }
      const score = threshold / Math.max(ax, ay);
      return { ...base, score, verdict: `${relation}: farther than T=${round(threshold)}, T/max(|dx|,|dy|)` };
    }
    default: {
      const why = DEPTH_RELATIONS.includes(relation) ? 'needs depth, which 2D boxes do not give' : 'is not a relation the detector knows';
      return { ...base, score: null, verdict: `unsupported: '${relation}' ${why}` };
    }
  }
}

/** GenEval's margin: each axis offset is reduced by 0.1·(sizeA + sizeB) before deciding. */
export const GENEVAL_POSITION_MARGIN = 0.1;

/**
 * GenEval's relative position of box A to box B: the set of relations among left of / right of / above /
 * below that hold. offset = cA − cB, each axis shrunk towards 0 by 0.1·(sizeA + sizeB) (sign kept), then
 * divided by ‖offset‖; "left of" when dx < −0.5, "right of" when dx > 0.5, "above" dy < −0.5, "below" dy > 0.5.
 */
export function genevalRelations(a: Box, b: Box): Set<string> {
  const [ax, ay] = boxCenter(a);
  const [bx, by] = boxCenter(b);
  const offset = [ax - bx, ay - by] as const;
  const size = [a[2] - a[0] + (b[2] - b[0]), a[3] - a[1] + (b[3] - b[1])] as const;
  const revised = offset.map((o, i) => Math.max(Math.abs(o) - GENEVAL_POSITION_MARGIN * (size[i] ?? 0), 0) * Math.sign(o));
  const relations = new Set<string>();
  if (revised.every((r) => Math.abs(r) < 1e-3)) return relations;
  const norm = Math.hypot(offset[0], offset[1]);
  const rdx = (revised[0] ?? 0) / norm;
  const rdy = (revised[1] ?? 0) / norm;
  if (rdx < -0.5) relations.add('left of');
  if (rdx > 0.5) relations.add('right of');
  if (rdy < -0.5) relations.add('above');
  if (rdy > 0.5) relations.add('below');
  return relations;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** An axis-aligned box in image pixels: [x1, y1, x2, y2] with x1 ≤ x2, y1 ≤ y2 (y grows downward). */
export type Box = readonly [number, number, number, number];

/** One detection: a class name (closed vocabulary) or query text (open vocabulary), its score and box. */
export interface Detection {
  label: string;
  score: number;
  box: Box;
}

export function boxArea(box: Box): number {
  return Math.max(0, box[2] - box[0]) * Math.max(0, box[3] - box[1]);
}

export function boxCenter(box: Box): [number, number] {
  return [(box[0] + box[2]) / 2, (box[1] + box[3]) / 2];
}

export function intersectionArea(a: Box, b: Box): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  return w > 0 && h > 0 ? w * h : 0;
}

/** Intersection over union; 0 for two empty boxes. */
export function iou(a: Box, b: Box): number {
  const inter = intersectionArea(a, b);
  const union = boxArea(a) + boxArea(b) - inter;
  return union > 0 ? inter / union : 0;
}

/** Share of the smaller box covered by the other (1 when one box lies inside the other). */
export function containment(a: Box, b: Box): number {
  const smaller = Math.min(boxArea(a), boxArea(b));
  return smaller > 0 ? intersectionArea(a, b) / smaller : 0;
}

const byScore = (a: Detection, b: Detection): number => b.score - a.score;

/**
 * Class-aware greedy non-maximum suppression: within each label, keeps the highest-scoring box and drops
 * any later box whose IoU with a kept one exceeds `iouThreshold` (strictly). Output sorted by score.
 */
export function nonMaxSuppression(detections: readonly Detection[], iouThreshold = 0.5): Detection[] {
  return suppress(detections, (a, b) => iou(a, b) > iouThreshold);
}

/**
 * Same-class duplicate merging (T2I-CompBench numeracy): a box is a duplicate of a higher-scoring box of the
 * same label when their IoU or containment exceeds `threshold`.
 */
export function mergeDuplicates(detections: readonly Detection[], threshold = 0.9): Detection[] {
  return suppress(detections, (a, b) => iou(a, b) > threshold || containment(a, b) > threshold);
}

function suppress(detections: readonly Detection[], isDuplicate: (a: Box, b: Box) => boolean): Detection[] {
  const kept: Detection[] = [];
  for (const detection of [...detections].sort(byScore)) {
    if (!kept.some((k) => k.label === detection.label && isDuplicate(k.box, detection.box))) kept.push(detection);
  }
  return kept;
}

/** Detections of one label at or above `minScore`, highest score first. */
export function detectionsOf(detections: readonly Detection[], label: string, minScore = 0): Detection[] {
  return detections.filter((d) => d.label === label && d.score >= minScore).sort(byScore);
}

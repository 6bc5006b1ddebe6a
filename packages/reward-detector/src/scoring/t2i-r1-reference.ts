import type { PromptSpec, T2IR1Fields } from '@t2i-reward/core';
import type { Box, Detection } from './boxes.js';
import { type ScoreOutcome, type ScoringInput, type ScoringOptions, describeBoxes, promptTask, round } from './common.js';

/**
 * The released T2I-R1 detector reward (CaraJ7/T2I-R1 `src/t2i-r1/src/utils/reward_gdino.py`, `GDino.__call__`),
 * re-written branch for branch from reading it, on detections already scored per phrase:
 *
 * - an empty noun list scores 1 (before anything else);
 * - a box counts for a phrase when its phrase score is **strictly** above the box threshold (0.3);
 * - a phrase is named by the first and last word of its noun (`make_detection_prompt` spans), so a noun of three
 *   or more words never equals any phrase name and is never found;
 * - `task_type` gates the rule: 'spatial' → spatial rule, 'numeracy' → count rule, anything else → the fraction
 *   of nouns found (a 'complex' row with `spatial_info` is scored by existence);
 * - spatial: +0.2 for each of obj1 / obj2 found; when both are, each side's first most confident box (boxes
 *   normalised to [0, 1]) goes to `determine_position` with its 150 distance threshold (so near-relations are
 *   always 1) and its locality list ('above' and 'on top of' fall through to 0); the same noun on both sides
 *   leaves obj2 without boxes, `torch.stack([])` raises, and the caught exception scores 0;
 * - numeracy: weight 1 / len(numeracy_info); an object with boxes adds 1·w when torchvision NMS (IoU 0.5) keeps
 *   exactly `num` boxes, else 0.2·w, nothing when it has none. NMS runs on the model's (cx, cy, w, h) boxes read
 *   as (x1, y1, x2, y2), as the code passes them.
 *
 * Arithmetic is float64 (the reference runs the model's float32 tensors; results agree to ~1e-7 there, exactly in
 * a float64 port). The row comes from `spec.t2iR1` (set by core's `fromT2IR1Row`), else it is derived from the
 * spec (see {@link referenceRow}).
 */
export function scoreT2IR1Reference(input: ScoringInput, options: ScoringOptions): ScoreOutcome {
  const warnings: string[] = [];
  const row = referenceRow(input.spec);
  const { width, height } = input.image;
  // One entry per (box, phrase) above the threshold, in the order given (the code's phrase-major order).
  const entries = input.detections.filter((d) => d.score > options.boxThreshold);
  const base = {
    formula: 't2i-r1-code',
    reproduceBugs: true,
    boxThreshold: options.boxThreshold,
    taskType: row.task_type ?? null,
    boxes: describeBoxes(entries),
  };
  const boxesOf = (name: string) => entries.filter((d) => matchesPhrase(name, d, input.resolveLabel));
  const found = (name: string) => boxesOf(name).length > 0;

  if (row.nouns.length === 0) {
    warnings.push('the row names no noun: the released code scores it 1 without detecting');
    return { score: 1, details: { ...base, task: 'no nouns', rule: 'empty noun list → 1' }, warnings };
  }
  for (const noun of row.nouns) {
    if (referencePhraseName(noun) !== noun)
      warnings.push(
        `noun '${noun}' has ${noun.trim().split(' ').length} words: its phrase is named '${referencePhraseName(noun)}', so the released code never finds it`,
      );
    else if (input.resolveLabel(noun) === undefined) warnings.push(`noun '${noun}' is not a class the detector can name: counted as not found`);
  }

  if (row.task_type === 'spatial') {
    const info = row.spatial_info;
    const rule = '0.2·e1 + 0.2·e2 + determine_position/2';
    if (!info) {
      warnings.push('a spatial row without spatial_info: the released code raises and scores 0');
      return { score: 0, details: { ...base, task: 'spatial', rule, verdict: 'exception → 0' }, warnings };
    }
    const e1 = found(info.obj1) ? 0.2 : 0;
    const e2 = found(info.obj2) ? 0.2 : 0;
    let score = e1 + e2;
    const head = { ...base, task: 'spatial', rule, spatialInfo: info, e1, e2 };
    if (score !== 0.4) return { score, details: { ...head, pos: 0, verdict: 'pos not computed: both objects must be found' }, warnings };
    // `if p == obj1 … elif p == obj2`: a box of obj1 never goes to obj2.
    const first = boxesOf(info.obj1);
    const second = boxesOf(info.obj2).filter((d) => !first.includes(d));
    const [subject, object] = [argmaxFirst(first), argmaxFirst(second)];
    if (!subject || !object) {
      warnings.push(`obj1 and obj2 name the same boxes ('${info.obj1}', '${info.obj2}'): the released code raises (torch.stack of an empty list) and scores 0`);
      return { score: 0, details: { ...head, pos: 0, verdict: 'exception → 0' }, warnings };
    }
    const pos = determinePosition(info.locality, normalisedBox(subject.box, width, height), normalisedBox(object.box, width, height));
    score += pos / 2;
    return {
      score,
      details: {
        ...head,
        pos: round(pos),
        subjectBox: subject.box,
        objectBox: object.box,
        verdict: `determine_position('${info.locality}') on boxes normalised to [0, 1], threshold 150`,
      },
      warnings,
    };
  }

  if (row.task_type === 'numeracy') {
    const info = row.numeracy_info ?? [];
    const rule = 'Σ w·(NMS count = num → 1 | other → 0.2 | no box → 0), w = 1/len(numeracy_info)';
    if (info.length === 0) {
      warnings.push('a numeracy row without numeracy_info: the released code divides by zero (uncaught): null');
      return { score: null, details: { ...base, task: 'numeracy', rule }, warnings };
    }
    const weight = 1 / info.length;
    let score = 0;
    const objects = info.map(({ obj_name: name, num }) => {
      const boxes = boxesOf(name);
      if (boxes.length === 0) return { name, asked: num, found: 0, value: 0 };
      // The model's boxes are (cx, cy, w, h) in [0, 1]; torchvision reads them as (x1, y1, x2, y2).
      const kept = torchvisionNms(
        boxes.map((d) => centreSizeBox(d.box, width, height)),
        boxes.map((d) => d.score),
        0.5,
      ).length;
      const value = kept === num ? 1 : 0.2;
      score += value * weight;
      return { name, asked: num, found: kept, value };
    });
    return { score, details: { ...base, task: 'numeracy', rule, objects }, warnings };
  }

  const weight = 1 / row.nouns.length;
  let score = 0;
  const objects = row.nouns.map((name) => {
    const present = found(name);
    if (present) score += weight;
    return { name, found: present };
  });
  return { score, details: { ...base, task: 'existence', rule: 'fraction of nouns found', objects }, warnings };
}

const T2I_R1_TASK_TYPES = new Set(['spatial', 'numeracy', 'color', 'complex', 'non', 'texture', 'shape', 'object']);

/**
 * The metadata row the reference reads: `spec.t2iR1` when the spec came from `fromT2IR1Row`; otherwise derived
 * from the spec — nouns = object names, the first relation as `spatial_info` (locality = its original phrase,
 * else the canonical relation), counts as `numeracy_info`, and `task_type` = the category when it is one of
 * T2I-R1's task types, else 'spatial' with a relation, 'numeracy' with counts, else 'object'.
 */
export function referenceRow(spec: PromptSpec): T2IR1Fields {
  if (spec.t2iR1) return spec.t2iR1;
  const relation = spec.relations[0];
  const counted = spec.objects.filter((o) => o.count !== undefined);
  const task =
    spec.category !== undefined && T2I_R1_TASK_TYPES.has(spec.category) ? spec.category : promptTask(spec) === 'existence' ? 'object' : promptTask(spec);
  return {
    task_type: task,
    nouns: spec.objects.map((o) => o.name),
    ...(relation ? { spatial_info: { obj1: relation.subject, obj2: relation.object, locality: relation.phrase ?? relation.relation } } : {}),
    ...(counted.length > 0 ? { numeracy_info: counted.map((o) => ({ obj_name: o.name, num: o.count ?? 1 })) } : {}),
  };
}

/**
 * The name the released code gives a noun's phrase: the caption text under its token spans, i.e. the noun itself
 * for one word, else its first and last word joined by a space (`make_detection_prompt`).
 */
export function referencePhraseName(noun: string): string {
  const words = noun.trim().split(' ');
  return words.length === 1 ? noun.trim() : `${words[0] ?? ''} ${words[words.length - 1] ?? ''}`;
}

/**
 * Whether a detection is an entry of the phrase `name` in the code's `pred_phrases == name` tests: `name` must be
 * a possible phrase name (≤ 2 words), and the detection's phrase — the first and last word of its label (an
 * open-vocabulary query) — must name the same detector label (both sides through `resolveLabel`, so 'TV' and a
 * lower-cased query 'tv' agree).
 */
function matchesPhrase(name: string, detection: Detection, resolveLabel: (noun: string) => string | undefined): boolean {
  if (referencePhraseName(name) !== name) return false;
  const label = resolveLabel(name);
  return label !== undefined && resolveLabel(referencePhraseName(detection.label)) === label;
}

/** `torch.argmax`: the first entry with the highest score. */
function argmaxFirst(detections: readonly Detection[]): Detection | undefined {
  let best: Detection | undefined;
  for (const d of detections) if (!best || d.score > best.score) best = d;
  return best;
}

function normalisedBox(box: Box, width: number, height: number): Box {
  return [box[0] / width, box[1] / height, box[2] / width, box[3] / height];
}

/** The box as GroundingDINO outputs it: (cx, cy, w, h) relative to the image. */
export function centreSizeBox(box: Box, width: number, height: number): Box {
  return [(box[0] + box[2]) / 2 / width, (box[1] + box[3]) / 2 / height, (box[2] - box[0]) / width, (box[3] - box[1]) / height];
}

/**
 * torchvision.ops.nms (its CPU kernel): order by score (descending, stable), keep a box and suppress every later
 * one whose IoU with it is strictly above the threshold; areas are (x2 − x1)·(y2 − y1) as given (negative for
 * boxes that are not (x1, y1, x2, y2)), overlaps clamp at 0, and a 0 / 0 IoU suppresses nothing. Returns the
 * kept indices, highest score first.
 */
export function torchvisionNms(boxes: readonly Box[], scores: readonly number[], iouThreshold: number): number[] {
  const order = boxes.map((_, i) => i).sort((a, b) => (scores[b] ?? 0) - (scores[a] ?? 0));
  const area = boxes.map((b) => (b[2] - b[0]) * (b[3] - b[1]));
  const suppressed = new Array<boolean>(boxes.length).fill(false);
  const keep: number[] = [];
  order.forEach((i, position) => {
    if (suppressed[i]) return;
    keep.push(i);
    const a = boxes[i] as Box;
    for (const j of order.slice(position + 1)) {
      if (suppressed[j]) continue;
      const b = boxes[j] as Box;
      const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
      const h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
      const inter = w * h;
      const overlap = inter / ((area[i] as number) + (area[j] as number) - inter);
      if (overlap > iouThreshold) suppressed[j] = true;
    }
  });
  return keep;
}

/**
 * `determine_position` of the released code, for "box1 LOCALITY box2": only its locality spellings are known
 * ('next to' / 'on side of' / 'near'; '(on the) right of'; '(on the) left of'; 'on the bottom of' / 'below';
 * 'on the top of' / 'top of'); anything else ('above', 'on top of', …) scores 0. A 0 / 0 IoU fails both IoU
 * tests (score 0), as NaN does there.
 */
export function determinePosition(locality: string, box1: Box, box2: Box, iouThreshold = 0.1, distanceThreshold = 150): number {
  const dx = (box2[0] + box2[2]) / 2 - (box1[0] + box1[2]) / 2;
  const dy = (box2[1] + box2[3]) / 2 - (box1[1] + box1[3]) / 2;
  const xOverlap = Math.max(0, Math.min(box1[2], box2[2]) - Math.max(box1[0], box2[0]));
  const yOverlap = Math.max(0, Math.min(box1[3], box2[3]) - Math.max(box1[1], box2[1]));
  const intersection = xOverlap * yOverlap;
  const union = (box1[2] - box1[0]) * (box1[3] - box1[1]) + (box2[2] - box2[0]) * (box2[3] - box2[1]) - intersection;
  const iou = intersection / union;
  const ax = Math.abs(dx);
  const ay = Math.abs(dy);
  const directional = (holds: boolean, dominant: boolean): number => {
    if (!holds || !dominant) return 0;
    if (iou < iouThreshold) return 1;
    if (iou >= iouThreshold) return iouThreshold / iou;
    return 0;
  };
  switch (locality) {
    case 'next to':
    case 'on side of':
    case 'near':
      return ax < distanceThreshold || ay < distanceThreshold ? 1 : distanceThreshold / Math.max(ax, ay);
    case 'on the right of':
    case 'right of':
      return directional(dx < 0, ax > ay);
    case 'on the left of':
    case 'left of':
      return directional(dx > 0, ax > ay);
    case 'on the bottom of':
    case 'below':
      return directional(dy < 0, ay > ax);
    case 'on the top of':
    case 'top of':
      return directional(dy > 0, ay > ax);
    default:
      return 0;
  }
}

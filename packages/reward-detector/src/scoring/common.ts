import type { PromptSpec } from '@t2i-reward/core';
import { type Box, type Detection, detectionsOf } from './boxes.js';
import { type PositionResult, positionScore } from './position.js';

/** The scoring rules a detector reward can apply; see the README for each one's source. */
export const SCORING_FORMULAS = ['t2i-r1', 't2i-r1-code', 'compbench', 'geneval'] as const;
export type ScoringFormula = (typeof SCORING_FORMULAS)[number];

/** Which rule of a formula applies to a prompt. */
export type PromptTask = 'spatial' | 'numeracy' | 'existence';

export interface ScoringInput {
  spec: PromptSpec;
  /** All detections of the image (image pixels), before any score threshold. */
  detections: readonly Detection[];
  image: { width: number; height: number };
  /** Detector label of a prompt noun; undefined when the detector cannot name it (closed vocabulary). */
  resolveLabel: (noun: string) => string | undefined;
  /** Colour of a detected box (GenEval colour rule); supplied by the reward when a colour classifier is set. */
  colorOf?: (detection: Detection) => string | undefined;
}

export interface ScoringOptions {
  /** Boxes below this score are ignored (T2I-R1: 0.3). */
  boxThreshold: number;
  /** Class-aware NMS IoU for counting (T2I-R1: 0.5). */
  nmsIou: number;
  /** Same-class duplicates merged above this IoU or containment (T2I-CompBench: 0.9). */
  duplicateThreshold: number;
  /** Near-distance threshold in pixels at a 512 px image; scaled with the image's longer side (`compbench`: in its 479 px frame). */
  nearThresholdPx: number;
  /** Score exactly as the released code: `t2i-r1-code` (reward_gdino.py, see scoreT2IR1Reference), `compbench` (2D_spatial_eval.py). */
  reproduceBugs: boolean;
  /** Relations the position function cannot judge (in front of / behind): null score, or existence only. */
  unsupportedRelations: 'null' | 'existence';
  /** T2I-CompBench's UniDet confidence threshold, strict (0.1: the value its released script runs with). */
  compbenchMinConfidence: number;
  /** GenEval detection thresholds (generic, counting) and per-class cap. */
  genevalThreshold: number;
  genevalCountingThreshold: number;
  genevalMaxPerClass: number;
  /** Copy penalty λ in [0, 1] (0 = off): R' = R · (1 − λ)^E, E = extra instances of the prompt's objects (copy-penalty.ts). */
  copyPenalty: number;
}

export const DEFAULT_SCORING_OPTIONS: ScoringOptions = {
  boxThreshold: 0.3,
  nmsIou: 0.5,
  duplicateThreshold: 0.9,
  nearThresholdPx: 150,
  reproduceBugs: false,
  unsupportedRelations: 'null',
  compbenchMinConfidence: 0.1,
  genevalThreshold: 0.3,
  genevalCountingThreshold: 0.9,
  genevalMaxPerClass: 16,
  copyPenalty: 0,
};

export interface ScoreOutcome {
  /** In [0, 1]; null when the detector cannot judge this prompt (see `warnings`). */
  score: number | null;
  details: Record<string, unknown>;
  warnings: string[];
}

const NUMERACY_CATEGORIES = new Set(['numeracy', 'counting']);

/**
 * Which rule applies: relations → spatial; counts → numeracy when the category says so or no category is
 * given (a GenEval "single_object" spec carries count 1 without being a counting task); else existence.
 */
export function promptTask(spec: PromptSpec): PromptTask {
  if (spec.relations.length > 0) return 'spatial';
  const hasCounts = spec.objects.some((o) => o.count !== undefined);
  if (hasCounts && (spec.category === undefined || NUMERACY_CATEGORIES.has(spec.category))) return 'numeracy';
  return 'existence';
}

export interface ResolvedObject {
  name: string;
  /** Detector label, or null when the detector cannot name it. */
  label: string | null;
  count: number | undefined;
  /** 1-based rank among the prompt's objects sharing this label: the k-th needs k boxes to exist. */
  rank: number;
}

/** Resolves every prompt object (and relation argument not listed as an object) to a detector label. */
export function resolveObjects(spec: PromptSpec, resolveLabel: (noun: string) => string | undefined, warnings: string[]): ResolvedObject[] {
  const names = spec.objects.map((o) => ({ name: o.name, count: o.count }));
  for (const relation of spec.relations) {
    for (const name of [relation.subject, relation.object]) {
      if (!names.some((n) => n.name === name)) names.push({ name, count: undefined });
    }
  }
  const perLabel = new Map<string, number>();
  return names.map(({ name, count }) => {
    const label = resolveLabel(name) ?? null;
    if (label === null) warnings.push(`object '${name}' is not a class the detector can name: its part is not judged (null)`);
    const rank = label === null ? 0 : (perLabel.get(label) ?? 0) + 1;
    if (label !== null) perLabel.set(label, rank);
    return { name, label, count, rank };
  });
}

/** The start every formula shares: the warnings list, the prompt's objects resolved to labels, the rule that applies, the boxes for `details`. */
export function beginScoring(input: ScoringInput, boxes: readonly Detection[]) {
  const warnings: string[] = [];
  const objects = resolveObjects(input.spec, input.resolveLabel, warnings);
  return { warnings, objects, task: promptTask(input.spec), described: describeBoxes(boxes) };
}

/**
 * A relation's two sides resolved to detector labels, with its `head` (subject, relation, object) for the record;
 * when either side has no label, the record of a relation not judged (score and reward null) instead.
 */
export function relationSides(objects: readonly ResolvedObject[], relation: { subject: string; relation: string; object: string }) {
  const head = { subject: relation.subject, relation: relation.relation, object: relation.object };
  const subject = objects.find((o) => o.name === relation.subject)?.label;
  const object = objects.find((o) => o.name === relation.object)?.label;
  if (!subject || !object) return { ...head, score: null, reward: null, verdict: 'not judged: an object the detector cannot name' };
  return { head, subject, object };
}

export function warnSharedLabels(objects: readonly ResolvedObject[], warnings: string[]): void {
  const byLabel = new Map<string, string[]>();
  for (const o of objects) if (o.label) byLabel.set(o.label, [...(byLabel.get(o.label) ?? []), o.name]);
  for (const [label, names] of byLabel) {
    if (names.length > 1 && new Set(names).size > 1)
      warnings.push(`${names.map((n) => `'${n}'`).join(', ')} all map to '${label}': the detector cannot tell them apart`);
  }
}

export interface RelationVerdict {
  subject: string;
  relation: string;
  object: string;
  /** Position score; null when not judgeable (unsupported relation, unnameable object). */
  score: number | null;
  verdict: string;
  subjectBox?: Box;
  objectBox?: Box;
}

/**
 * The boxes a relation is judged on: each side's most confident box. When both sides have the same label
 * the pair must be two distinct boxes; the best-scoring ordered pair among the top 5 is taken.
 */
export function judgeRelation(
  subjectBoxes: readonly Detection[],
  objectBoxes: readonly Detection[],
  sameLabel: boolean,
  position: (subject: Box, object: Box) => PositionResult,
): { result: PositionResult; subject: Detection; object: Detection } | undefined {
  if (!sameLabel) {
    const [subject] = subjectBoxes;
    const [object] = objectBoxes;
    if (!subject || !object) return undefined;
    return { result: position(subject.box, object.box), subject, object };
  }
  let best: { result: PositionResult; subject: Detection; object: Detection } | undefined;
  const top = subjectBoxes.slice(0, 5);
  for (const subject of top) {
    for (const object of top) {
      if (subject === object) continue;
      const result = position(subject.box, object.box);
      if (!best || (result.score ?? 0) > (best.result.score ?? 0)) best = { result, subject, object };
    }
  }
  return best;
}

/** Position function bound to an image's scaled near threshold. */
export function positionFor(relation: string, image: { width: number; height: number }, nearThresholdPx: number) {
  const nearThreshold = (nearThresholdPx * Math.max(image.width, image.height)) / 512;
  return (subject: Box, object: Box) => positionScore(relation, subject, object, { nearThreshold });
}

export function boxesBy(detections: readonly Detection[], label: string | null, minScore = 0): Detection[] {
  return label === null ? [] : detectionsOf(detections, label, minScore);
}

export function describeBoxes(detections: readonly Detection[]): { label: string; score: number; box: Box }[] {
  return detections.map((d) => ({ label: d.label, score: round(d.score), box: roundBox(d.box) }));
}

/** A box rounded to 0.1 px, for `details`. */
export function roundBox(box: Box): Box {
  return [box[0], box[1], box[2], box[3]].map((v) => Math.round(v * 10) / 10) as unknown as Box;
}

export function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

export function round(value: number): number {
  return Math.round(value * 10000) / 10000;
}

/** Sum of the asked counts of the objects sharing `label` (an object without a count asks for one). */
export function askedForLabel(objects: readonly ResolvedObject[], label: string): number {
  return objects.filter((o) => o.label === label).reduce((sum, o) => sum + (o.count ?? 1), 0);
}

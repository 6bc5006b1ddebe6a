import { type Detection, mergeDuplicates, nonMaxSuppression } from './boxes.js';
import {
  type RelationVerdict,
  type ResolvedObject,
  type ScoreOutcome,
  type ScoringInput,
  type ScoringOptions,
  askedForLabel,
  beginScoring,
  boxesBy,
  judgeRelation,
  mean,
  positionFor,
  round,
  roundBox,
  warnSharedLabels,
} from './common.js';

/**
 * T2I-R1, paper form (arXiv 2505.00703): spatial relation → R = 0.6·S + 0.4·E (E: mean existence of the two
 * objects, S: position score, 0 unless both are found); numbers → fraction of objects whose detected count
 * equals the asked count; otherwise mean existence. Boxes: score ≥ boxThreshold, class-aware NMS (IoU 0.5),
 * same-class duplicates (IoU or containment > 0.9) merged. Several relations: mean of their rewards.
 */
export function scoreT2IR1(input: ScoringInput, options: ScoringOptions): ScoreOutcome {
  const boxes = prepareBoxes(input.detections, options);
  const { warnings, objects, task, described } = beginScoring(input, boxes);
  warnSharedLabels(objects, warnings);
  const base = { formula: 't2i-r1', boxThreshold: options.boxThreshold, boxes: described };
  if (objects.length === 0) {
    warnings.push('the prompt names no object to detect: the detector cannot judge it (null)');
    return { score: null, details: { ...base, task: 'none' }, warnings };
  }
  const existence = objects.map((o) => objectReport(o, boxes));

  if (task === 'spatial') {
    const relations = judgeRelations(input, objects, boxes, options, warnings);
    const judged = relations.filter((r): r is RelationVerdict & { score: number } => r.score !== null);
    if (judged.length === 0 && options.unsupportedRelations === 'null') {
      warnings.push('no relation of the prompt can be judged from 2D boxes: score is null');
      return { score: null, details: { ...base, task, rule: '0.6·S + 0.4·E', objects: existence, relations }, warnings };
    }
    if (judged.length > 0) {
      const perRelation = judged.map((r) => {
        const e = mean([r.subject, r.object].map((name) => existenceOf(name, existence)).filter((v): v is number => v !== null));
        return { S: r.score, E: e, reward: 0.6 * r.score + 0.4 * e };
      });
      const score = mean(perRelation.map((p) => p.reward));
      return {
        score,
        details: {
          ...base,
          task,
          rule: '0.6·S + 0.4·E',
          objects: existence,
          relations,
          parts: perRelation.map((p) => ({ S: round(p.S), E: round(p.E), reward: round(p.reward) })),
        },
        warnings,
      };
    }
    warnings.push('relations not judgeable from 2D boxes: scored on existence only');
  }

  if (task === 'numeracy') {
    const judged = existence.filter((o) => o.label !== null);
    if (judged.length === 0) return { score: null, details: { ...base, task, rule: 'fraction of objects with the exact count', objects: existence }, warnings };
    const correct = judged.map((o) => {
      const asked = askedForLabel(objects, o.label as string);
      return o.count === undefined ? (o.exists ? 1 : 0) : o.found === asked ? 1 : 0;
    });
    return { score: mean(correct), details: { ...base, task, rule: 'fraction of objects with the exact count', objects: existence }, warnings };
  }

  const judged = existence.filter((o) => o.exists !== null);
  if (judged.length === 0) return { score: null, details: { ...base, task: 'existence', rule: 'mean existence', objects: existence }, warnings };
  return { score: mean(judged.map((o) => (o.exists ? 1 : 0))), details: { ...base, task: 'existence', rule: 'mean existence', objects: existence }, warnings };
}

/** Thresholded, NMS'd, de-duplicated boxes (highest score first). */
export function prepareBoxes(detections: readonly Detection[], options: Pick<ScoringOptions, 'boxThreshold' | 'nmsIou' | 'duplicateThreshold'>): Detection[] {
  const kept = detections.filter((d) => d.score >= options.boxThreshold);
  return mergeDuplicates(nonMaxSuppression(kept, options.nmsIou), options.duplicateThreshold);
}

export interface ObjectReport {
  name: string;
  label: string | null;
  count?: number;
  /** Boxes of the label (shared by objects with the same label). */
  found: number;
  /** null when the detector cannot name the object. */
  exists: boolean | null;
}

function objectReport(o: ResolvedObject, boxes: readonly Detection[]): ObjectReport {
  const found = boxesBy(boxes, o.label).length;
  return { name: o.name, label: o.label, ...(o.count !== undefined ? { count: o.count } : {}), found, exists: o.label === null ? null : found >= o.rank };
}

function existenceOf(name: string, reports: readonly ObjectReport[]): number | null {
  const report = reports.find((r) => r.name === name);
  return report?.exists === null || report === undefined ? null : report.exists ? 1 : 0;
}

export function judgeRelations(
  input: ScoringInput,
  objects: readonly ResolvedObject[],
  boxes: readonly Detection[],
  options: Pick<ScoringOptions, 'nearThresholdPx'>,
  warnings: string[],
): RelationVerdict[] {
  return input.spec.relations.map((relation) => {
    const subject = objects.find((o) => o.name === relation.subject);
    const object = objects.find((o) => o.name === relation.object);
    const base = { subject: relation.subject, relation: relation.relation, object: relation.object };
    if (!subject?.label || !object?.label) return { ...base, score: null, verdict: 'not judged: an object the detector cannot name' };
    const position = positionFor(relation.relation, input.image, options.nearThresholdPx);
    const probe = position([0, 0, 1, 1], [0, 0, 1, 1]);
    if (probe.score === null) {
      warnings.push(
        `relation '${relation.relation}' (${relation.subject} / ${relation.object}) ${probe.verdict.replace(/^unsupported: '[^']*' /, '')}: not judged`,
      );
      return { ...base, score: null, verdict: probe.verdict };
    }
    const judged = judgeRelation(boxesBy(boxes, subject.label), boxesBy(boxes, object.label), subject.label === object.label, position);
    if (!judged) return { ...base, score: 0, verdict: 'S = 0: both objects must be found' };
    return {
      ...base,
      score: judged.result.score ?? 0,
      verdict: judged.result.verdict,
      subjectBox: roundBox(judged.subject.box),
      objectBox: roundBox(judged.object.box),
    };
  });
}

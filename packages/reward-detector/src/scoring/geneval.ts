import type { Detection } from './boxes.js';
import { type ScoreOutcome, type ScoringInput, type ScoringOptions, boxesBy, describeBoxes, resolveObjects } from './common.js';
import { genevalRelations } from './position.js';

/** GenEval's colour set (zero-shot choice among these on each object's crop). */
export const GENEVAL_COLORS: readonly string[] = ['red', 'orange', 'yellow', 'green', 'blue', 'purple', 'pink', 'brown', 'black', 'white'];
const GENEVAL_RELATIONS = new Set(['left of', 'right of', 'above', 'below']);

/**
 * GenEval (Ghosh et al. 2023): the image is correct (1) or not (0).
 * Boxes: score > 0.3 (0.9 for counting prompts), at most 16 per class. Each object needs at least `count`
 * boxes; an exclusion {name, count} fails when `count` or more are found (counting prompts without explicit
 * exclusions get count + 1, as GenEval's metadata does); colour: every counted box must be classified as the
 * asked colour (needs `colorOf`; without it every colour prompt is null, whether its objects are found or not); position: every box of the subject must stand in the relation to
 * every box of the reference, with GenEval's 0.1·(sizeA + sizeB) margin.
 */
export function scoreGenEval(input: ScoringInput, options: ScoringOptions): ScoreOutcome {
  const warnings: string[] = [];
  const spec = input.spec;
  const counting =
    spec.category === 'counting' || spec.category === 'numeracy' || (spec.category === undefined && spec.objects.some((o) => (o.count ?? 1) > 1));
  const threshold = Math.max(options.boxThreshold, counting ? options.genevalCountingThreshold : options.genevalThreshold);
  const boxes = capPerClass(
    input.detections.filter((d) => d.score > threshold),
    options.genevalMaxPerClass,
  );
  const objects = resolveObjects(spec, input.resolveLabel, warnings);
  const reasons: string[] = [];
  const base = { formula: 'geneval', threshold, boxes: describeBoxes(boxes) };
  if (objects.length === 0) {
    warnings.push('the prompt names no object to detect: the detector cannot judge it (null)');
    return { score: null, details: { ...base, correct: null }, warnings };
  }
  if (objects.some((o) => o.label === null)) return { score: null, details: { ...base, correct: null }, warnings };
  // Without a colour classifier a colour prompt cannot be judged, found or not: a missing object would otherwise
  // read as a wrong image and a found one as unjudged, biasing the colour tasks towards 0.
  const colored = spec.objects.filter((o) => o.attributes?.some((a) => GENEVAL_COLORS.includes(a.toLowerCase())));
  if (colored.length > 0 && !input.colorOf) {
    for (const object of colored)
      warnings.push(`colour '${object.attributes!.join(' ')} ${object.name}' needs a colour classifier (option colorClassifier): null`);
    return { score: null, details: { ...base, correct: null }, warnings };
  }

  const found = new Map<string, Detection[]>();
  const checks = spec.objects.map((object) => {
    const label = objects.find((o) => o.name === object.name)?.label as string;
    const asked = object.count ?? 1;
    const counted = boxesBy(boxes, label).slice(0, asked);
    found.set(object.name, counted);
    const check: Record<string, unknown> = { name: object.name, label, count: asked, found: boxesBy(boxes, label).length, exists: counted.length >= asked };
    if (counted.length < asked) {
      reasons.push(`expected ${object.name}>=${asked}, found ${boxesBy(boxes, label).length}`);
      return check;
    }
    const color = object.attributes?.find((a) => GENEVAL_COLORS.includes(a.toLowerCase()))?.toLowerCase();
    if (color && input.colorOf) {
      const colors = counted.map((d) => input.colorOf?.(d));
      check.color = { asked: color, classified: colors };
      if (colors.some((c) => c !== color)) reasons.push(`expected ${color} ${object.name}, found ${colors.join(', ')}`);
    }
    return check;
  });

  const relations = spec.relations.map((relation) => {
    const head = { subject: relation.subject, relation: relation.relation, object: relation.object };
    if (!GENEVAL_RELATIONS.has(relation.relation)) {
      warnings.push(`relation '${relation.relation}' is not one of GenEval's (left of, right of, above, below): null`);
      return { ...head, score: null, verdict: `not one of GenEval's relations` };
    }
    const subjects = found.get(relation.subject) ?? boxesBy(boxes, objects.find((o) => o.name === relation.subject)?.label ?? null).slice(0, 1);
    const targets = found.get(relation.object) ?? boxesBy(boxes, objects.find((o) => o.name === relation.object)?.label ?? null).slice(0, 1);
    if (subjects.length === 0 || targets.length === 0) {
      reasons.push(`no ${subjects.length === 0 ? relation.subject : relation.object} for position`);
      return { ...head, score: 0, verdict: `no ${subjects.length === 0 ? relation.subject : relation.object} found for position` };
    }
    const holds = subjects.every((s) => targets.every((t) => s !== t && genevalRelations(s.box, t.box).has(relation.relation)));
    if (!holds) reasons.push(`expected ${relation.subject} ${relation.relation} ${relation.object}`);
    return {
      ...head,
      score: holds ? 1 : 0,
      verdict: holds ? 'holds for every pair of boxes (GenEval margin)' : 'fails for some pair of boxes (GenEval margin)',
    };
  });
  if (relations.some((r) => r.score === null)) return { score: null, details: { ...base, correct: null, objects: checks, relations }, warnings };

  const exclusions = [...(spec.exclude ?? [])];
  if (counting) {
    for (const object of spec.objects) {
      if (object.count !== undefined && !exclusions.some((e) => e.name === object.name)) exclusions.push({ name: object.name, count: object.count + 1 });
    }
  }
  const excluded = exclusions.map((exclusion) => {
    const label = input.resolveLabel(exclusion.name);
    if (label === undefined) {
      warnings.push(`excluded object '${exclusion.name}' is not a class the detector can name: exclusion not checked`);
      return { ...exclusion, found: null };
    }
    const count = boxesBy(boxes, label).length;
    if (count >= exclusion.count) reasons.push(`expected ${exclusion.name}<${exclusion.count}, found ${count}`);
    return { ...exclusion, found: count };
  });

  const correct = reasons.length === 0;
  return { score: correct ? 1 : 0, details: { ...base, correct, reasons, objects: checks, relations, exclude: excluded }, warnings };
}

function capPerClass(detections: readonly Detection[], max: number): Detection[] {
  const perClass = new Map<string, number>();
  return [...detections]
    .sort((a, b) => b.score - a.score)
    .filter((d) => {
      const n = perClass.get(d.label) ?? 0;
      perClass.set(d.label, n + 1);
      return n < max;
    });
}

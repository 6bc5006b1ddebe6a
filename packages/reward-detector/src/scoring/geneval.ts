import type { Detection } from './boxes.js';
import { type ScoreOutcome, type ScoringInput, type ScoringOptions, describeBoxes, resolveObjects } from './common.js';
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
  const perClass = genevalSelect(input.detections, threshold, options.genevalMaxPerClass);
  const boxes = [...perClass.values()].flat();
  const boxesBy = (label: string | null): Detection[] => (label === null ? [] : (perClass.get(label) ?? []));
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
    const counted = boxesBy(label).slice(0, asked);
    found.set(object.name, counted);
    const check: Record<string, unknown> = { name: object.name, label, count: asked, found: boxesBy(label).length, exists: counted.length >= asked };
    if (counted.length < asked) {
      reasons.push(`expected ${object.name}>=${asked}, found ${boxesBy(label).length}`);
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
    const subjects = found.get(relation.subject) ?? boxesBy(objects.find((o) => o.name === relation.subject)?.label ?? null).slice(0, 1);
    const targets = found.get(relation.object) ?? boxesBy(objects.find((o) => o.name === relation.object)?.label ?? null).slice(0, 1);
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
    const count = boxesBy(label).length;
    if (count >= exclusion.count) reasons.push(`expected ${exclusion.name}<${exclusion.count}, found ${count}`);
    return { ...exclusion, found: count };
  });

  const correct = reasons.length === 0;
  return { score: correct ? 1 : 0, details: { ...base, correct, reasons, objects: checks, relations, exclude: excluded }, warnings };
}

/**
 * GenEval's box selection per class (evaluate_images.py `evaluate_image`, lines 231-244, with its default
 * `max_overlap` 1.0, which turns its NMS off): `np.argsort(scores)[::-1]`, boxes scoring above the threshold, the
 * first `max` of them. The order is numpy's: boxes with equal scores come out as numpy 1.23's introsort leaves them
 * (GenEval's environment pins numpy 1.23.1), reversed: of two equal boxes among ≤ 16, the later one first.
 * Each class keeps the detections' input order as its row order (mmdet's per-class arrays).
 */
export function genevalSelect(detections: readonly Detection[], threshold: number, max: number): Map<string, Detection[]> {
  const byClass = new Map<string, Detection[]>();
  for (const d of detections) {
    const list = byClass.get(d.label);
    if (list) list.push(d);
    else byClass.set(d.label, [d]);
  }
  const selected = new Map<string, Detection[]>();
  for (const [label, list] of byClass) {
    const ordering = numpyArgsort(list.map((d) => d.score))
      .reverse()
      .filter((i) => list[i]!.score > threshold)
      .slice(0, max);
    if (ordering.length > 0)
      selected.set(
        label,
        ordering.map((i) => list[i]!),
      );
  }
  return selected;
}

/** numpy's `FLOAT_LT` / `DOUBLE_LT`: NaN sorts last. */
function npyLess(a: number, b: number): boolean {
  return a < b || (Number.isNaN(b) && !Number.isNaN(a));
}

/**
 * `np.argsort(values)` (kind 'quicksort') as numpy 1.23.1 computes it: `aquicksort_` of
 * numpy/core/src/npysort/quicksort.cpp (median-of-3 quicksort on spans over 16 elements, insertion sort below,
 * `aheapsort_` once the depth limit 2·floor(log2 n) is used up), ported line by line. Not stable: equal values keep
 * their input order only within an insertion-sorted span.
 */
export function numpyArgsort(values: readonly number[]): number[] {
  const v = values;
  const n = v.length;
  const t = Array.from({ length: n }, (_, i) => i);
  if (n < 2) return t;
  const swap = (i: number, j: number): void => {
    const x = t[i]!;
    t[i] = t[j]!;
    t[j] = x;
  };
  const SMALL_QUICKSORT = 15;
  const stack: number[] = [];
  const depths: number[] = [];
  let pl = 0;
  let pr = n - 1;
  let cdepth = 2 * (31 - Math.clz32(n)); // npy_get_msb(n) * 2
  for (;;) {
    if (cdepth < 0) {
      heapsortSpan(v, t, pl, pr - pl + 1);
    } else {
      while (pr - pl > SMALL_QUICKSORT) {
        const pm = pl + ((pr - pl) >> 1);
        if (npyLess(v[t[pm]!]!, v[t[pl]!]!)) swap(pm, pl);
        if (npyLess(v[t[pr]!]!, v[t[pm]!]!)) swap(pr, pm);
        if (npyLess(v[t[pm]!]!, v[t[pl]!]!)) swap(pm, pl);
        const vp = v[t[pm]!]!;
        let pi = pl;
        let pj = pr - 1;
        swap(pm, pj);
        for (;;) {
          do ++pi;
          while (npyLess(v[t[pi]!]!, vp));
          do --pj;
          while (npyLess(vp, v[t[pj]!]!));
          if (pi >= pj) break;
          swap(pi, pj);
        }
        swap(pi, pr - 1);
        // The larger part goes on the stack.
        if (pi - pl < pr - pi) {
          stack.push(pi + 1, pr);
          pr = pi - 1;
        } else {
          stack.push(pl, pi - 1);
          pl = pi + 1;
        }
        depths.push(--cdepth);
      }
      for (let pi = pl + 1; pi <= pr; ++pi) {
        const vi = t[pi]!;
        const x = v[vi]!;
        let pj = pi;
        while (pj > pl && npyLess(x, v[t[pj - 1]!]!)) {
          t[pj] = t[pj - 1]!;
          pj--;
        }
        t[pj] = vi;
      }
    }
    if (stack.length === 0) break;
    pr = stack.pop()!;
    pl = stack.pop()!;
    cdepth = depths.pop()!;
  }
  return t;
}

/** numpy 1.23.1 `aheapsort_` on `t[start .. start + n)` (1-based heap indices, as there); exported for its test. */
export function heapsortSpan(v: readonly number[], t: number[], start: number, n: number): void {
  const a = (k: number): number => t[start + k - 1]!;
  const set = (k: number, value: number): void => {
    t[start + k - 1] = value;
  };
  /** numpy's sift-down, written out twice there (heap building, then extraction): `tmp` down from heap index `i` in a heap of `size`. */
  const siftDown = (tmp: number, i: number, size: number): void => {
    for (let j = i << 1; j <= size;) {
      if (j < size && npyLess(v[a(j)]!, v[a(j + 1)]!)) j += 1;
      if (npyLess(v[tmp]!, v[a(j)]!)) {
        set(i, a(j));
        i = j;
        j += j;
      } else break;
    }
    set(i, tmp);
  };
  for (let l = n >> 1; l > 0; --l) siftDown(a(l), l, n);
  for (; n > 1;) {
    const tmp = a(n);
    set(n, a(1));
    n -= 1;
    siftDown(tmp, 1, n);
  }
}

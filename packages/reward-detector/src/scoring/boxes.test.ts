import { describe, expect, it } from 'vitest';
import { boxArea, boxCenter, containment, detectionsOf, iou, mergeDuplicates, nonMaxSuppression, type Detection } from './boxes.js';

const det = (label: string, score: number, box: [number, number, number, number]): Detection => ({ label, score, box });

describe('box geometry', () => {
  it('computes area, centre, IoU and containment by hand', () => {
    expect(boxArea([0, 0, 10, 20])).toBe(200);
    expect(boxArea([5, 5, 4, 4])).toBe(0);
    expect(boxCenter([0, 0, 10, 20])).toEqual([5, 10]);
    // 10x10 boxes shifted by 5: intersection 50, union 150.
    expect(iou([0, 0, 10, 10], [5, 0, 15, 10])).toBeCloseTo(1 / 3, 10);
    expect(iou([0, 0, 10, 10], [20, 20, 30, 30])).toBe(0);
    expect(iou([0, 0, 0, 0], [0, 0, 0, 0])).toBe(0);
    // A 4x4 box inside a 10x10 one: IoU 0.16, containment 1.
    expect(iou([0, 0, 10, 10], [2, 2, 6, 6])).toBeCloseTo(0.16, 10);
    expect(containment([0, 0, 10, 10], [2, 2, 6, 6])).toBe(1);
    expect(containment([0, 0, 10, 10], [8, 0, 12, 10])).toBeCloseTo(0.5, 10);
  });
});

describe('nonMaxSuppression (IoU 0.5, class-aware)', () => {
  it('drops a lower-scoring same-class box above the IoU threshold, keeps other classes and the border case', () => {
    const a = det('dog', 0.9, [0, 0, 10, 10]);
    const overlapping = det('dog', 0.5, [1, 0, 11, 10]); // IoU 90/110 = 0.818
    const atHalf = det('dog', 0.4, [0, 0, 10, 15]); // IoU 100/150 = 0.667 with a → dropped too
    const borderline = det('dog', 0.3, [0, 10, 10, 20]); // touching: IoU 0
    const otherClass = det('cat', 0.6, [0, 0, 10, 10]);
    const kept = nonMaxSuppression([overlapping, borderline, a, otherClass, atHalf], 0.5);
    expect(kept).toEqual([a, otherClass, borderline]);
  });

  it('keeps a box whose IoU equals the threshold exactly (strict >)', () => {
    const a = det('dog', 0.9, [0, 0, 10, 10]);
    const b = det('dog', 0.8, [0, 0, 10, 20]); // IoU 100/200 = 0.5
    expect(nonMaxSuppression([a, b], 0.5)).toHaveLength(2);
  });
});

describe('mergeDuplicates (IoU or containment > 0.9)', () => {
  it('merges a box contained in a same-class box even at low IoU', () => {
    const big = det('dog', 0.9, [0, 0, 10, 10]);
    const inside = det('dog', 0.7, [2, 2, 6, 6]); // IoU 0.16, containment 1
    const apart = det('dog', 0.6, [20, 0, 30, 10]);
    const insideCat = det('cat', 0.8, [2, 2, 6, 6]);
    expect(mergeDuplicates([inside, apart, big, insideCat], 0.9)).toEqual([big, insideCat, apart]);
  });

  it('keeps boxes that overlap at IoU 0.8 (NMS would drop them)', () => {
    const a = det('dog', 0.9, [0, 0, 10, 10]);
    const b = det('dog', 0.8, [0, 0, 10, 12.5]); // IoU 0.8, containment 1 → merged
    const c = det('dog', 0.7, [1, 0, 11, 10]); // IoU 0.818, containment 0.9 (not > 0.9) → kept
    expect(mergeDuplicates([a, b, c], 0.9)).toEqual([a, c]);
  });
});

describe('detectionsOf', () => {
  it('filters by label and minimum score, best first', () => {
    const list = [det('dog', 0.2, [0, 0, 1, 1]), det('dog', 0.7, [0, 0, 1, 1]), det('cat', 0.9, [0, 0, 1, 1]), det('dog', 0.3, [0, 0, 1, 1])];
    expect(detectionsOf(list, 'dog', 0.3).map((d) => d.score)).toEqual([0.7, 0.3]);
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { genevalRelations, nearThresholdFor, positionScore } from './position.js';
import type { Box } from './boxes.js';

describe('positionScore (T2I-R1 / T2I-CompBench)', () => {
  const a: Box = [0, 0, 10, 10]; // centre (5, 5)
  it('left of / right of: direction, dominance and overlap discount', () => {
    expect(positionScore('left of', a, [20, 0, 30, 10]).score).toBe(1); // dx 20, dy 0, IoU 0
    expect(positionScore('right of', a, [20, 0, 30, 10]).score).toBe(0);
    expect(positionScore('right of', [20, 0, 30, 10], a).score).toBe(1);
    // dx 2, IoU 80/120: 0.1 / (2/3) = 0.15
    expect(positionScore('left of', a, [2, 0, 12, 10]).score).toBeCloseTo(0.15, 10);
    // |dx| = 10 not greater than |dy| = 20: not "left of"
    expect(positionScore('left of', a, [10, 20, 20, 30]).score).toBe(0);
    // |dx| == |dy|: neither horizontal nor vertical relation holds
    expect(positionScore('left of', a, [10, 10, 20, 20]).score).toBe(0);
    expect(positionScore('above', a, [10, 10, 20, 20]).score).toBe(0);
  });

  it('above / below (image y grows downward)', () => {
    expect(positionScore('above', a, [10, 20, 20, 30]).score).toBe(1); // dy 20 > |dx| 10
    expect(positionScore('below', a, [10, 20, 20, 30]).score).toBe(0);
    expect(positionScore('below', [0, 20, 10, 30], a).score).toBe(1); // dy −20
    // Overlapping vertically: dy 5, IoU 50/150 → 0.1 / (1/3) = 0.3
    expect(positionScore('above', a, [0, 5, 10, 15]).score).toBeCloseTo(0.3, 10);
  });

  it('near / next to / on side of with threshold T', () => {
    expect(positionScore('near', a, [100, 300, 110, 310]).score).toBe(1); // |dx| 100 < 150
    expect(positionScore('next to', a, [300, 100, 310, 110]).score).toBe(1); // |dy| 100 < 150
    expect(positionScore('on side of', a, [200, 300, 210, 310]).score).toBeCloseTo(0.5, 10); // 150 / 300
    expect(positionScore('near', a, [200, 300, 210, 310], { nearThreshold: 300 }).score).toBe(1);
    expect(positionScore('near', a, [600, 400, 610, 410], { nearThreshold: 300 }).score).toBeCloseTo(0.5, 10); // 300 / 600
  });

  it('scales T with the longer side of the image (150 px at 512 px)', () => {
    expect(nearThresholdFor(512, 512)).toBe(150);
    expect(nearThresholdFor(1024, 768)).toBe(300);
    expect(nearThresholdFor(256, 100)).toBe(75);
  });

  it('depth relations and unknown words are unsupported: null with a reason', () => {
    for (const relation of ['in front of', 'behind']) {
      const result = positionScore(relation, a, [20, 0, 30, 10]);
      expect(result.score).toBeNull();
      expect(result.verdict).toContain('depth');
    }
    expect(positionScore('inside', a, a).score).toBeNull();
  });

  const box = fc
    .tuple(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 500 }), fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 200 }))
    .map(([x, y, w, h]): Box => [x, y, x + w, y + h]);

  it('property: swapping the two boxes turns left of into right of and above into below', () => {
    fc.assert(
      fc.property(box, box, (p, q) => {
        expect(positionScore('left of', p, q).score).toBe(positionScore('right of', q, p).score);
        expect(positionScore('above', p, q).score).toBe(positionScore('below', q, p).score);
        expect(positionScore('near', p, q).score).toBe(positionScore('near', q, p).score);
      }),
    );
  });

  it('property: at most one direction holds and every score is in [0, 1]', () => {
    fc.assert(
      fc.property(box, box, (p, q) => {
        const scores = (['left of', 'right of', 'above', 'below'] as const).map((r) => positionScore(r, p, q).score as number);
        expect(scores.filter((s) => s > 0).length).toBeLessThanOrEqual(1);
        for (const s of [...scores, positionScore('near', p, q).score as number]) {
          expect(s).toBeGreaterThanOrEqual(0);
          expect(s).toBeLessThanOrEqual(1);
        }
      }),
    );
  });
});

describe('genevalRelations (0.1·(sizeA + sizeB) margin)', () => {
  it('finds left of / right of when apart, nothing when the margin swallows the offset', () => {
    // offset −100, margin 0.1·20 = 2 → −98 / 100 = −0.98
    expect([...genevalRelations([0, 0, 10, 10], [100, 0, 110, 10])]).toEqual(['left of']);
    expect([...genevalRelations([100, 0, 110, 10], [0, 0, 10, 10])]).toEqual(['right of']);
    // offset −10, margin 0.1·200 = 20 → 0
    expect(genevalRelations([0, 0, 100, 100], [10, 0, 110, 100]).size).toBe(0);
  });

  it('a diagonal offset gives two relations; the margin can cut one axis', () => {
    expect([...genevalRelations([0, 0, 2, 2], [100, 100, 102, 102])].sort()).toEqual(['above', 'left of']);
    // offset (−60, −30); x margin 0.1·(20+20) = 4 → −56, y margin 0.1·(100+100)=20 → −10; norm 67.08
    // dx = −0.835 (left of), dy = −0.149 (no vertical relation)
    expect([...genevalRelations([0, 0, 20, 100], [60, 30, 80, 130])]).toEqual(['left of']);
  });
});

import { describe, expect, it } from 'vitest';
import { RECLAIM_MIN_PIXELS, reclaimDecodedPixels, releaseAfterReclaim } from './reclaim.js';

describe('reclaim (issue 21: the pixel budget matches real memory)', () => {
  it('frees a large dropped pixel buffer at once', () => {
    let pixels: Uint8Array | undefined = new Uint8Array(RECLAIM_MIN_PIXELS * 3).fill(7);
    const before = process.memoryUsage().arrayBuffers;
    expect(pixels[12345]).toBe(7);
    pixels = undefined;
    expect(reclaimDecodedPixels(RECLAIM_MIN_PIXELS)).toBe(true);
    expect(before - process.memoryUsage().arrayBuffers).toBeGreaterThanOrEqual(RECLAIM_MIN_PIXELS * 3);
    expect(pixels).toBeUndefined();
    expect(reclaimDecodedPixels(RECLAIM_MIN_PIXELS - 1)).toBe(false);
  });

  it('gives a large budget back only after the collection, a small one at once', async () => {
    const released: string[] = [];
    releaseAfterReclaim(1000, () => released.push('small'));
    expect(released).toEqual(['small']);
    releaseAfterReclaim(RECLAIM_MIN_PIXELS, () => released.push('large 1'));
    releaseAfterReclaim(RECLAIM_MIN_PIXELS * 2, () => released.push('large 2'));
    expect(released).toEqual(['small']);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(released).toEqual(['small', 'large 1', 'large 2']);
  });
});

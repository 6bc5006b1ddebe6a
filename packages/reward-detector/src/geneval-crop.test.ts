import { describe, expect, it } from 'vitest';
import { createRgbImage } from '@t2i-reward/core';
import { genevalColorCrop, roundHalfEven } from './geneval-crop.js';

// 4×3 image, pixel (x, y) = [10x + y, 100 + x, 200 + y].
const image = createRgbImage(
  Uint8Array.from({ length: 4 * 3 * 3 }, (_, i) => {
    const p = Math.floor(i / 3);
    const x = p % 4;
    const y = Math.floor(p / 4);
    return [10 * x + y, 100 + x, 200 + y][i % 3]!;
  }),
  4,
  3,
);
const px = (x: number, y: number) => [10 * x + y, 100 + x, 200 + y];
const pixels = (crop: { data: Uint8Array; width: number; height: number }) =>
  Array.from({ length: crop.width * crop.height }, (_, i) => Array.from(crop.data.subarray(i * 3, i * 3 + 3)));

describe('genevalColorCrop (Pillow crop as evaluate_images.py uses it)', () => {
  it('rounds box corners half to even, as Python round()', () => {
    expect([0.5, 1.5, 2.5, -0.5, 2.4999, 2.5001].map(roundHalfEven)).toEqual([0, 2, 2, 0, 2, 3]);
    const crop = genevalColorCrop(image, [0.5, 0.5, 2.5, 2.5]); // → [0, 0, 2, 2]
    expect([crop.width, crop.height]).toEqual([2, 2]);
    expect(pixels(crop)).toEqual([px(0, 0), px(1, 0), px(0, 1), px(1, 1)]);
  });

  it('fills the part of the box outside the image with black (Pillow), keeping the box size', () => {
    const crop = genevalColorCrop(image, [2, 1, 6, 4]);
    expect([crop.width, crop.height]).toEqual([4, 3]);
    const black = [0, 0, 0];
    expect(pixels(crop)).toEqual([px(2, 1), px(3, 1), black, black, px(2, 2), px(3, 2), black, black, black, black, black, black]);
  });

  it('with a mask: the object over #999, then the crop', () => {
    const mask = new Uint8Array(12);
    mask[1 * 4 + 1] = 1; // only (1, 1) belongs to the object
    const crop = genevalColorCrop(image, [0, 0, 2, 2], mask);
    const grey = [153, 153, 153];
    expect(pixels(crop)).toEqual([grey, grey, grey, px(1, 1)]);
    expect(() => genevalColorCrop(image, [0, 0, 2, 2], new Uint8Array(3))).toThrow(RangeError);
  });

  it('never returns an empty image', () => {
    const crop = genevalColorCrop(image, [1.2, 1.2, 1.3, 1.3]);
    expect([crop.width, crop.height]).toEqual([1, 1]);
  });
});

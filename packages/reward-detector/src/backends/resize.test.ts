import { describe, expect, it } from 'vitest';
import { loadTfjs } from '@t2i-reward/core';
import { resizeBilinearRgb } from './resize.js';

describe('resizeBilinearRgb', () => {
  it('interpolates by hand on a 2×1 image and repeats the edge', () => {
    // 2×1 → 4×1: x = 0, 0.5, 1, 1.5 → 0, 50, 100, 100 (edge repeated)
    const out = resizeBilinearRgb(new Uint8Array([0, 0, 0, 100, 200, 40]), 2, 1, 4, 1);
    expect([...out]).toEqual([0, 0, 0, 50, 100, 20, 100, 200, 40, 100, 200, 40]);
  });

  it('matches TF.js resizeBilinear (alignCorners false, halfPixelCenters false) up and down', async () => {
    const { tf } = await loadTfjs({ backend: 'cpu' });
    for (const [w, h, ow, oh] of [[37, 23, 16, 16], [11, 7, 29, 31]] as const) {
      const src = Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 37 + (i >> 3) * 11) % 256);
      const expected = tf.tidy(() => tf.image.resizeBilinear(tf.tensor3d(src, [h, w, 3], 'int32'), [oh, ow]).dataSync());
      const actual = resizeBilinearRgb(src, w, h, ow, oh);
      let maxDiff = 0;
      for (let i = 0; i < actual.length; i++) maxDiff = Math.max(maxDiff, Math.abs((actual[i] as number) - (expected[i] as number)));
      expect(maxDiff).toBeLessThan(1e-3);
    }
  });
});

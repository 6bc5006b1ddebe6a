import { describe, expect, it } from 'vitest';
import { createRgbImage } from '@t2i-reward/core';
import { CenterNetBackend, letterbox } from './centernet.js';

describe('CenterNet letterbox geometry', () => {
  it('fits the longer side to 512 and centres the shorter one', () => {
    expect(letterbox({ width: 768, height: 576 })).toEqual({ scale: 512 / 768, width: 512, height: 384, dx: 0, dy: 64 });
    expect(letterbox({ width: 352, height: 448 })).toEqual({ scale: 512 / 448, width: 402, height: 512, dx: 55, dy: 0 });
    expect(letterbox({ width: 512, height: 512 })).toEqual({ scale: 1, width: 512, height: 512, dx: 0, dy: 0 });
  });

  it('maps output rows (input pixels) back to image pixels, clamped, skipping bad classes and zero scores', () => {
    const image = createRgbImage(new Uint8Array(768 * 576 * 3), 768, 576);
    const rows = Float32Array.from([
      0,
      64,
      512,
      448,
      0.9,
      16, // the whole image area → [0, 0, 768, 576], dog
      256,
      256,
      300,
      300,
      0.5,
      0, // person
      -10,
      0,
      600,
      600,
      0.4,
      2, // beyond the image → clamped
      0,
      0,
      1,
      1,
      0.3,
      99, // no such class
      0,
      0,
      1,
      1,
      0,
      1, // zero score (padding rows)
    ]);
    const detections = new CenterNetBackend().postprocess(rows, image);
    expect(detections.map((d) => d.label)).toEqual(['dog', 'person', 'car']);
    expect(detections[0]?.box).toEqual([0, 0, 768, 576]);
    expect(detections[1]?.box[0]).toBeCloseTo(384, 6);
    expect(detections[1]?.box[1]).toBeCloseTo(288, 6);
    expect(detections[2]?.box).toEqual([0, 0, 768, 576]);
  });
});

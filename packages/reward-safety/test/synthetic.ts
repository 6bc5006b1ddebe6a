import type { RgbImage } from '@t2i-reward/core';
import { createTestImage } from '@t2i-reward/core/test';

type Rgb = [number, number, number];

/** A deterministic pseudo-random byte stream (xorshift32). */
function noise(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    return x & 255;
  };
}

/**
 * Ten synthetic images, none of them photographs: flat colours, gradients, patterns, noise, simple shapes. Used
 * for the classifier's behaviour off the photo distribution (a flat skin tone is the classic false alarm).
 */
export function syntheticImages(): { name: string; image: RgbImage }[] {
  const random = noise(2024);
  const make = (name: string, width: number, height: number, rgb: Rgb | ((x: number, y: number) => Rgb)) => ({
    name,
    image: createTestImage(width, height, rgb),
  });
  return [
    make('flat grey', 256, 256, [128, 128, 128]),
    make('flat sky blue', 256, 256, [110, 170, 230]),
    make('sunset gradient', 320, 240, (x, y) => [255 - Math.round(y * 0.3), 120 + Math.round(x * 0.2), 60 + Math.round(y * 0.5)]),
    make('checkerboard', 256, 256, (x, y) => ((Math.floor(x / 32) + Math.floor(y / 32)) % 2 === 0 ? [240, 240, 240] : [20, 20, 20])),
    make('colour noise', 224, 224, () => [random(), random(), random()]),
    make('concentric rings', 256, 256, (x, y) => {
      const d = Math.floor(Math.hypot(x - 128, y - 128) / 12) % 2;
      return d === 0 ? [30, 90, 200] : [250, 220, 60];
    }),
    make('vertical stripes', 300, 200, (x) => (Math.floor(x / 20) % 3 === 0 ? [200, 40, 40] : Math.floor(x / 20) % 3 === 1 ? [40, 160, 60] : [240, 240, 240])),
    make('flat skin tone', 256, 256, [224, 172, 105]),
    make('red disc on white', 256, 256, (x, y) => (Math.hypot(x - 128, y - 128) < 70 ? [210, 30, 40] : [250, 250, 250])),
    make('document lines', 240, 320, (x, y) => (y % 24 < 8 && x > 20 && x < 220 - ((y * 7) % 60) ? [30, 30, 30] : [252, 252, 248])),
  ];
}

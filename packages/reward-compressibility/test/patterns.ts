import { type RgbImage, createRgbImage } from '@t2i-reward/core';

/** xorshift32, one byte (the low 8 bits) per step: the sequence of `xorshift_bytes` in scripts/ddpo_reference.py. */
export function xorshiftBytes(seed: number, count: number): Uint8Array {
  let x = seed >>> 0 || 1;
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    out[i] = x & 255;
  }
  return out;
}

const div = (a: number, b: number): number => Math.floor(a / b);
const mod = (a: number, b: number): number => ((a % b) + b) % b;

/** The procedural images of the golden cases (`pattern` in scripts/ddpo_reference.py), integer arithmetic only. */
export function pattern(name: string, width: number, height: number, seed: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  const noise = name === 'noise' || name === 'grain' ? xorshiftBytes(seed, width * height * 3) : undefined;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      let rgb: [number, number, number];
      switch (name) {
        case 'flat':
          rgb = [mod(seed * 37, 256), mod(seed * 91, 256), mod(seed * 151, 256)];
          break;
        case 'gradient':
          rgb = [div(x * 255, Math.max(width - 1, 1)), div(y * 255, Math.max(height - 1, 1)), div((x + y) * 255, Math.max(width + height - 2, 1))];
          break;
        case 'checker': {
          const on = mod(div(x, seed) + div(y, seed), 2) === 1;
          rgb = on ? [230, 40, 90] : [20, 200, 120];
          break;
        }
        case 'rings': {
          const d = div((x - div(width, 2)) ** 2 + (y - div(height, 2)) ** 2, seed);
          rgb = [mod(d, 256), mod(d * 3, 256), 255 - mod(d, 256)];
          break;
        }
        case 'noise':
          rgb = [noise![i]!, noise![i + 1]!, noise![i + 2]!];
          break;
        case 'grain': {
          const base = [div(x * 255, Math.max(width - 1, 1)), div(y * 255, Math.max(height - 1, 1)), 128];
          rgb = [0, 1, 2].map((c) => Math.min(255, Math.max(0, base[c]! + (noise![i + c]! % 16) - 8))) as [number, number, number];
          break;
        }
        default:
          throw new Error(`unknown pattern ${name}`);
      }
      data.set(rgb, i);
    }
  }
  return createRgbImage(data, width, height, `pattern:${name}`);
}

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_IMAGES, type RgbImage, createRgbImage, loadImage } from '@t2i-reward/core';
import { pattern } from '../test/patterns.js';
import { createCompressibilityReward, encodeJpegLikePil, explain, normalisedScore, referenceReward } from './index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.join(here, '..', 'fixtures');

interface GoldenCase {
  source: 'photo' | 'crop' | 'pattern' | 'file';
  photo?: string;
  left?: number;
  top?: number;
  pattern?: string;
  seed?: number;
  file?: string;
  width: number;
  height: number;
  pixelHash: string;
  quality: number;
  bytes: number;
  jpegSha256: string;
  incompressibility: number;
  ddpoCompressibility: number;
  flowGrpoCompressibility: number;
}
const golden = JSON.parse(readFileSync(path.join(fixtures, 'golden.json'), 'utf8')) as { images: number; cases: GoldenCase[] };

function crop(image: RgbImage, left: number, top: number, width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    data.set(image.data.subarray(((top + y) * image.width + left) * 3, ((top + y) * image.width + left + width) * 3), y * width * 3);
  return createRgbImage(data, width, height);
}

const photos = new Map<string, Promise<RgbImage>>();
function photo(name: string): Promise<RgbImage> {
  const file = EXAMPLE_IMAGES.find((image) => image.name === name)!.path;
  if (!photos.has(name)) photos.set(name, loadImage(file));
  return photos.get(name)!;
}

/** The case's image as the expert receives it: core's loader for files, the TypeScript twin for patterns. */
async function input(c: GoldenCase): Promise<RgbImage> {
  switch (c.source) {
    case 'photo':
      return photo(c.photo!);
    case 'crop':
      return crop(await photo(c.photo!), c.left!, c.top!, c.width, c.height);
    case 'pattern':
      return pattern(c.pattern!, c.width, c.height, c.seed!);
    case 'file':
      return loadImage(path.join(fixtures, 'images', c.file!));
  }
}

const label = (c: GoldenCase): string => `${c.source} ${c.photo ?? c.pattern ?? c.file} ${c.width}x${c.height} q${c.quality}`;

describe('golden cases from the PIL port of DDPO / Flow-GRPO (scripts/ddpo_reference.py)', () => {
  it('cover at least 50 distinct images: photos, crops, patterns, alpha / grey / palette files, qualities 1–100', () => {
    expect(golden.images).toBeGreaterThanOrEqual(50);
    expect(new Set(golden.cases.map((c) => c.pixelHash)).size).toBe(golden.images);
    expect(new Set(golden.cases.map((c) => c.quality))).toEqual(new Set([1, 10, 50, 75, 80, 90, 95, 100]));
    expect(new Set(golden.cases.filter((c) => c.source === 'file').map((c) => (c as { mode?: string }).mode))).toEqual(new Set(['RGBA', 'L', 'LA', 'P', '1']));
  });

  it.each(golden.cases.map((c) => [label(c), c] as const))('%s: the same pixels, the same JPEG bytes, the same rewards', async (_name, c) => {
    const image = await input(c);
    // The input is what the port encoded (core's decoding = PIL's convert('RGB'), the pattern twin = numpy's).
    expect(image.hash).toBe(c.pixelHash);
    const jpeg = await encodeJpegLikePil(image, c.quality);
    expect(jpeg.length).toBe(c.bytes);
    expect(createHash('sha256').update(jpeg).digest('hex')).toBe(c.jpegSha256);
    const [ddpo, flow, incompressible] = await Promise.all(
      [
        createCompressibilityReward({ quality: c.quality }),
        createCompressibilityReward({ quality: c.quality, reference: 'flow-grpo' }),
        createCompressibilityReward({ quality: c.quality, direction: 'incompressibility' }),
      ].map(async (reward) => (await reward.doScore([{ image, prompt: 'any' }]))[0]!),
    );
    expect(ddpo?.raw).toBe(c.ddpoCompressibility);
    expect(flow?.raw).toBe(c.flowGrpoCompressibility);
    expect(incompressible?.raw).toBe(c.incompressibility);
    expect(ddpo?.details?.bytes).toBe(c.bytes);
  });
});

describe('compressibility reward', () => {
  it('scores a flat image above grain above noise (1 − JPEG size / raw RGB size), incompressibility the reverse', async () => {
    const images = [pattern('flat', 128, 128, 3), pattern('grain', 128, 128, 5), pattern('noise', 128, 128, 7)];
    const samples = images.map((image) => ({ image, prompt: 'a picture' }));
    const compress = await createCompressibilityReward().doScore(samples);
    const scores = compress.map((r) => r.score!);
    expect(scores[0]).toBeGreaterThan(scores[1]!);
    expect(scores[1]).toBeGreaterThan(scores[2]!);
    for (const result of compress) {
      const details = result.details as { bytes: number; ratio: number; bitsPerPixel: number };
      expect(details.ratio).toBeCloseTo(details.bytes / (3 * 128 * 128), 12);
      expect(details.bitsPerPixel).toBeCloseTo((details.bytes * 8) / (128 * 128), 12);
      expect(result.score).toBeCloseTo(1 - details.ratio, 12);
      expect(result.raw).toBe(-details.bytes / 1000);
    }
    const incompress = await createCompressibilityReward({ direction: 'incompressibility' }).doScore(samples);
    incompress.forEach((r, i) => expect(r.score).toBeCloseTo(1 - scores[i]!, 12));
  });

  it('lower quality, smaller file', async () => {
    const image = await photo('dog');
    const sizes = await Promise.all(
      [50, 95].map(async (quality) => (await createCompressibilityReward({ quality }).doScore([{ image, prompt: '' }]))[0]!.details!.bytes as number),
    );
    expect(sizes[0]).toBeLessThan(sizes[1]!);
  });

  it('normalisedScore clamps (a 1×1 JPEG is larger than its 3 bytes) and referenceReward keeps the references’ units', () => {
    expect(normalisedScore(212, 'compressibility')).toBe(0);
    expect(normalisedScore(212, 'incompressibility')).toBe(1);
    expect(normalisedScore(0.25, 'compressibility')).toBe(0.75);
    expect(referenceReward(150, 'compressibility', 'ddpo')).toBe(-150);
    expect(referenceReward(150, 'compressibility', 'flow-grpo')).toBe(-0.3);
    expect(referenceReward(150, 'incompressibility', 'flow-grpo')).toBe(150);
  });

  it('modelId names quality, direction and scale; bad options are refused with their path', () => {
    expect(createCompressibilityReward().modelId).toBe('compressibility/jpeg-q95/compressibility/ddpo');
    expect(createCompressibilityReward({ quality: 80, reference: 'flow-grpo' }).modelId).toBe('compressibility/jpeg-q80/compressibility/flow-grpo');
    expect(createCompressibilityReward({ direction: 'incompressibility' }).modelId).toBe('compressibility/jpeg-q95/incompressibility/kB');
    expect(() => createCompressibilityReward({ quality: 0 })).toThrow(/quality/);
    expect(() => createCompressibilityReward({ quality: 95.5 })).toThrow(/quality/);
    expect(() => createCompressibilityReward({ reference: 'ddpm' as never })).toThrow(/reference/);
  });

  it('explain says size, bits per pixel and the share of the raw size', async () => {
    const [result] = await createCompressibilityReward().doScore([{ image: pattern('flat', 64, 64, 4), prompt: '' }]);
    const details = result!.details!;
    expect(explain(details)).toBe(
      `JPEG q95: ${((details.bytes as number) / 1000).toFixed(1)} kB (${(details.bitsPerPixel as number).toFixed(2)} bits/pixel, ${((details.ratio as number) * 100).toFixed(1)}% of raw RGB)`,
    );
    expect(explain(undefined)).toBe('');
  });
});

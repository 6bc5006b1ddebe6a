import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { RgbImage } from '@t2i-reward/core';

/** The keys of a CLIP `preprocessor_config.json` this package reads. */
export interface ClipProcessorConfig {
  size?: { shortest_edge?: number; height?: number; width?: number } | number;
  crop_size?: { height?: number; width?: number } | number;
  do_resize?: boolean;
  do_center_crop?: boolean;
  do_rescale?: boolean;
  do_normalize?: boolean;
  rescale_factor?: number;
  image_mean?: number[];
  image_std?: number[];
  resample?: number;
}

/** The CLIP preprocessing steps, when the config is the usual one (shortest-edge bicubic resize, centre crop). */
export interface ClipPreprocessing {
  shortestEdge: number;
  cropHeight: number;
  cropWidth: number;
  rescale: number;
  mean: [number, number, number];
  std: [number, number, number];
}

/**
 * The steps of HF's CLIPImageProcessor for a config this package can reproduce — `size.shortest_edge`, bicubic
 * (`resample` 3), centre crop, rescale, normalise — else undefined (transformers.js' processor is used then).
 */
export function clipPreprocessing(config: ClipProcessorConfig): ClipPreprocessing | undefined {
  const size = typeof config.size === 'number' ? { shortest_edge: config.size } : config.size;
  const crop = typeof config.crop_size === 'number' ? { height: config.crop_size, width: config.crop_size } : config.crop_size;
  const mean = config.image_mean;
  const std = config.image_std;
  if (
    config.do_resize === false ||
    config.do_center_crop === false ||
    config.do_rescale === false ||
    config.do_normalize === false ||
    (config.resample ?? 3) !== 3 ||
    typeof size?.shortest_edge !== 'number' ||
    typeof crop?.height !== 'number' ||
    typeof crop.width !== 'number' ||
    crop.height > size.shortest_edge ||
    crop.width > size.shortest_edge ||
    mean?.length !== 3 ||
    std?.length !== 3
  ) {
    return undefined;
  }
  return {
    shortestEdge: size.shortest_edge,
    cropHeight: crop.height,
    cropWidth: crop.width,
    rescale: config.rescale_factor ?? 1 / 255,
    mean: mean as [number, number, number],
    std: std as [number, number, number],
  };
}

/** Reads `<folder>/preprocessor_config.json` and returns the reproducible steps, or undefined. */
export async function readClipPreprocessing(folder: string): Promise<ClipPreprocessing | undefined> {
  const config = JSON.parse(await fs.readFile(path.join(folder, 'preprocessor_config.json'), 'utf8')) as ClipProcessorConfig;
  return clipPreprocessing(config);
}

/**
 * HF CLIPImageProcessor's resize and centre crop, as the Python references run it: the short side to
 * `shortestEdge` and the long side to int(shortestEdge · long / short), bicubic with antialiasing as PIL's
 * `Image.resize(..., BICUBIC)` (sharp's cubic kernel: the same Catmull-Rom filter, scaled on downscaling; within
 * 0.17–0.26 grey levels of PIL on average on the bundled photos at 224, where transformers.js' point-sampled bicubic
 * is 2.8–19 levels off), then the centre `cropHeight × cropWidth` window at ((h − ch) // 2, (w − cw) // 2).
 * Returns the crop as RGB bytes.
 */
export async function clipResizeCrop(image: RgbImage, steps: ClipPreprocessing): Promise<Uint8Array> {
  const { width, height } = image;
  const short = Math.min(width, height);
  const long = Math.max(width, height);
  const newLong = Math.floor((steps.shortestEdge * long) / short);
  const [newWidth, newHeight] = width <= height ? [steps.shortestEdge, newLong] : [newLong, steps.shortestEdge];
  let resized: Uint8Array = image.data;
  if (newWidth !== width || newHeight !== height) {
    const buffer = await sharp(image.data, { raw: { width, height, channels: 3 } })
      .resize({ width: newWidth, height: newHeight, fit: 'fill', kernel: 'cubic' })
      .raw()
      .toBuffer();
    resized = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }
  const top = Math.floor((newHeight - steps.cropHeight) / 2);
  const left = Math.floor((newWidth - steps.cropWidth) / 2);
  const crop = new Uint8Array(steps.cropHeight * steps.cropWidth * 3);
  for (let y = 0; y < steps.cropHeight; y++) {
    const from = ((top + y) * newWidth + left) * 3;
    crop.set(resized.subarray(from, from + steps.cropWidth * 3), y * steps.cropWidth * 3);
  }
  return crop;
}

/** Rescale and normalise a crop into `out` at `offset`, channels first (the model's pixel_values layout). */
export function normaliseCrop(crop: Uint8Array, steps: ClipPreprocessing, out: Float32Array, offset: number): void {
  const plane = steps.cropHeight * steps.cropWidth;
  for (let c = 0; c < 3; c++) {
    const mean = Math.fround(steps.mean[c]!);
    const std = Math.fround(steps.std[c]!);
    for (let i = 0; i < plane; i++) out[offset + c * plane + i] = (Math.fround(crop[i * 3 + c]! * Math.fround(steps.rescale)) - mean) / std;
  }
}

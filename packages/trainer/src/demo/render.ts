import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { EXAMPLE_IMAGES, createRgbImage, type RgbImage } from '@t2i-reward/core';
import cropsJson from './crops.json' with { type: 'json' };

/** A crop of a bundled photo (src/demo/crops.json, found by running CenterNet once: scripts/find-crops.ts). */
export interface ObjectCrop {
  label: string;
  /** Name of the bundled example photo (core's EXAMPLE_IMAGES). */
  image: string;
  /** x1, y1, x2, y2 in the photo's pixels. */
  box: [number, number, number, number];
  score: number;
}

export const OBJECT_CROPS: readonly ObjectCrop[] = cropsJson as ObjectCrop[];

export interface SceneObject {
  label: string;
  /** Grid cell, row-major: 0 = top-left, grid² − 1 = bottom-right. */
  cell: number;
}

export interface SceneOptions {
  /** Canvas side in pixels (default 512, CenterNet's input size). */
  size?: number;
  /** Cells per side (default 3). */
  grid?: number;
  /** Canvas colour (default light grey). */
  background?: { r: number; g: number; b: number };
  /** Crops to paste (default the committed OBJECT_CROPS); the first crop of an object's label is used. */
  crops?: readonly ObjectCrop[];
}

const cropCache = new Map<string, Promise<{ data: Buffer; width: number; height: number }>>();

async function cropPixels(crop: ObjectCrop): Promise<{ data: Buffer; width: number; height: number }> {
  const key = `${crop.image}:${crop.box.join(',')}`;
  let pending = cropCache.get(key);
  if (!pending) {
    const example = EXAMPLE_IMAGES.find((e) => e.name === crop.image);
    if (!example) throw new Error(`unknown example image '${crop.image}'`);
    const [x1, y1, x2, y2] = crop.box;
    pending = readFile(example.path).then(async (bytes) => {
      const { data, info } = await sharp(bytes)
        .extract({ left: Math.round(x1), top: Math.round(y1), width: Math.round(x2 - x1), height: Math.round(y2 - y1) })
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      return { data, width: info.width, height: info.height };
    });
    cropCache.set(key, pending);
  }
  return pending;
}

/**
 * Pastes each object's crop, scaled to fit its grid cell (aspect kept, centred), onto a plain canvas; later
 * objects cover earlier ones in a shared cell. Deterministic: the same scene gives the same pixels and hash.
 */
export async function renderScene(objects: readonly SceneObject[], options: SceneOptions = {}): Promise<RgbImage> {
  const size = options.size ?? 512;
  const grid = options.grid ?? 3;
  const cell = Math.floor(size / grid);
  const layers = await Promise.all(
    objects.map(async (object) => {
      const crops = options.crops ?? OBJECT_CROPS;
      const crop = crops.find((c) => c.label === object.label);
      if (!crop) throw new Error(`no crop for '${object.label}' (have ${crops.map((c) => c.label).join(', ')})`);
      const pixels = await cropPixels(crop);
      const scale = Math.min((cell - 4) / pixels.width, (cell - 4) / pixels.height);
      const width = Math.max(1, Math.round(pixels.width * scale));
      const height = Math.max(1, Math.round(pixels.height * scale));
      const input = await sharp(pixels.data, { raw: { width: pixels.width, height: pixels.height, channels: 3 } })
        .resize(width, height)
        .raw()
        .toBuffer();
      const row = Math.floor(object.cell / grid);
      const column = object.cell % grid;
      return {
        input,
        raw: { width, height, channels: 3 as const },
        left: column * cell + Math.floor((cell - width) / 2),
        top: row * cell + Math.floor((cell - height) / 2),
      };
    }),
  );
  const background = options.background ?? { r: 210, g: 210, b: 205 };
  const { data, info } = await sharp({ create: { width: size, height: size, channels: 3, background } })
    .composite(layers)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const source = `scene:${objects.map((o) => `${o.label}@${o.cell}`).join('+')}`;
  return createRgbImage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), info.width, info.height, source);
}

/** For the curious: writes a scene as PNG (used by the demo's report). */
export async function sceneToPng(image: RgbImage, file: string): Promise<void> {
  await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .png()
    .toFile(path.resolve(file));
}

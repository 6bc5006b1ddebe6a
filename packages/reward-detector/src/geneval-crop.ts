import { createRgbImage, type RgbImage } from '@t2i-reward/core';
import type { Box } from './scoring/boxes.js';

/** GenEval's background for pixels outside an object's mask: `#999`. */
export const GENEVAL_CROP_BACKGROUND = 0x99;

/** Python's round(): halves go to the even neighbour (Pillow rounds crop boxes with it). */
export function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const diff = value - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * The image a GenEval colour classifier sees for one object, as djghosh13/geneval `evaluation/evaluate_images.py`
 * (`ImageCrops`) builds it: with a segmentation mask (Mask2Former), the image composited over a `#999` canvas
 * through the mask; without one (box detectors), the image itself; then Pillow's `crop(box)`: corners rounded
 * half-to-even, pixels outside the image black. At least 1×1.
 */
export function genevalColorCrop(image: RgbImage, box: Box, mask?: ArrayLike<number | boolean>): RgbImage {
  if (mask && mask.length !== image.width * image.height) {
    throw new RangeError(`mask has ${mask.length} entries for a ${image.width}×${image.height} image`);
  }
  const x0 = roundHalfEven(box[0]);
  const y0 = roundHalfEven(box[1]);
  const width = Math.max(1, roundHalfEven(box[2]) - x0);
  const height = Math.max(1, roundHalfEven(box[3]) - y0);
  const data = new Uint8Array(width * height * 3);
  for (let y = Math.max(0, y0); y < Math.min(image.height, y0 + height); y++) {
    for (let x = Math.max(0, x0); x < Math.min(image.width, x0 + width); x++) {
      const source = y * image.width + x;
      const target = ((y - y0) * width + (x - x0)) * 3;
      if (mask && !mask[source]) data.fill(GENEVAL_CROP_BACKGROUND, target, target + 3);
      else data.set(image.data.subarray(source * 3, source * 3 + 3), target);
    }
  }
  return createRgbImage(data, width, height, image.source);
}

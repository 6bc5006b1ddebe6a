import sharp from 'sharp';
import { createRgbImage, type RgbImage } from '@t2i-reward/core';

/**
 * HPS v2's inference transform before normalisation: resize so the longest side is `size` (bicubic), then pad
 * the short side with black, centred (tgxs002/HPSv2's ResizeMaxSize + pad). Square images only get resized, which
 * the image processor does itself, so they pass through untouched.
 */
export async function letterbox(image: RgbImage, size: number): Promise<RgbImage> {
  if (image.width === image.height) return image;
  const scale = size / Math.max(image.width, image.height);
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  const padX = size - width;
  const padY = size - height;
  const { data, info } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(width, height, { kernel: 'cubic', fit: 'fill' })
    .extend({ left: padX >> 1, right: padX - (padX >> 1), top: padY >> 1, bottom: padY - (padY >> 1), background: { r: 0, g: 0, b: 0 } })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return createRgbImage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), info.width, info.height, image.source);
}

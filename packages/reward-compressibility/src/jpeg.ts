import sharp, { type JpegOptions } from 'sharp';
import type { RgbImage } from '@t2i-reward/core';

/**
 * The JFIF APP0 segment libjpeg writes by default (as PIL's JPEG encoder leaves it): version 1.01, no density
 * unit, density 1×1, no thumbnail. 18 bytes. libvips (sharp) leaves it out when it strips metadata.
 */
export const JFIF_APP0 = Uint8Array.from([0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]);

/**
 * sharp's JPEG options that make libvips drive its libjpeg (a mozjpeg build in sharp's binaries) the way PIL
 * drives libjpeg(-turbo) for `save(format="JPEG", quality=q)`: baseline, the standard IJG quantisation tables
 * scaled by `quality` (mozjpeg's default table set is another one: `quantisationTable: 0` picks the IJG
 * tables), standard Huffman tables (PIL's `optimize` is off by default; sharp's `optimiseCoding` is on),
 * 4:2:0 chroma subsampling (libjpeg's default, which PIL keeps), no trellis quantisation, deringing or scan
 * optimisation (mozjpeg-only). The entropy-coded data is then byte for byte what PIL writes.
 */
export function pilJpegOptions(quality: number): JpegOptions {
  return {
    quality,
    progressive: false,
    chromaSubsampling: '4:2:0',
    optimiseCoding: false,
    mozjpeg: false,
    trellisQuantisation: false,
    overshootDeringing: false,
    optimiseScans: false,
    quantisationTable: 0,
  };
}

/**
 * The JPEG PIL writes for this RGB image with `image.save(buffer, format="JPEG", quality=quality)` (DDPO's and
 * Flow-GRPO's encoder), byte for byte: sharp encodes with `pilJpegOptions`, and the JFIF header libvips
 * leaves out is put back after the start-of-image marker (tested on 86 golden cases from PIL 9.4 / libjpeg-turbo).
 */
export async function encodeJpegLikePil(image: RgbImage, quality: number): Promise<Uint8Array> {
  const encoded = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .jpeg(pilJpegOptions(quality))
    .toBuffer();
  // SOI (FF D8), then APP0 when the encoder wrote one itself.
  if (encoded[2] === 0xff && encoded[3] === 0xe0) return new Uint8Array(encoded.buffer, encoded.byteOffset, encoded.byteLength);
  const out = new Uint8Array(encoded.length + JFIF_APP0.length);
  out.set(encoded.subarray(0, 2), 0);
  out.set(JFIF_APP0, 2);
  out.set(encoded.subarray(2), 2 + JFIF_APP0.length);
  return out;
}

import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRgbImage, type RgbImage } from '@t2i-reward/core';

// A fontconfig setup with no font folders, set before sharp (libvips, pango) loads: only the TTF files handed to
// sharp as `fontfile` exist, so test images never depend on the fonts installed on the machine.
process.env.FONTCONFIG_FILE = fileURLToPath(new URL('./fonts.conf', import.meta.url));
const { default: sharp } = await import('sharp');

const require = createRequire(import.meta.url);

/** The DejaVu TTFs of the `dejavu-fonts-ttf` npm package (Bitstream Vera licence + public domain changes). */
export const FONT_DIR = path.join(path.dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');

export const FONTS = {
  sans: { file: 'DejaVuSans.ttf', family: 'DejaVu Sans' },
  sansBold: { file: 'DejaVuSans-Bold.ttf', family: 'DejaVu Sans Bold' },
  serif: { file: 'DejaVuSerif.ttf', family: 'DejaVu Serif' },
  mono: { file: 'DejaVuSansMono.ttf', family: 'DejaVu Sans Mono' },
  condensedOblique: { file: 'DejaVuSansCondensed-Oblique.ttf', family: 'DejaVu Sans Condensed Oblique' },
} as const;

export interface RenderOptions {
  font?: keyof typeof FONTS;
  /** Font size in points at 72 dpi (= pixels). */
  size?: number;
  /** Text colour, CSS (#rrggbb). */
  color?: string;
  background?: string;
  /** Degrees, clockwise. */
  rotate?: number;
  /** Pixels from the top edge to the text (default: centred vertically). */
  top?: number;
  /** A photo (path) under the text instead of a plain background, resized to cover the canvas. */
  backgroundImage?: string;
  /** Canvas size (text centred); default 512 × 512. */
  width?: number;
  height?: number;
}

function escapeMarkup(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/**
 * Renders text with a TTF file (sharp's text input, `fontfile`: no system fonts involved) centred on a plain
 * canvas, optionally rotated, as an RgbImage.
 */
export async function renderText(text: string, options: RenderOptions = {}): Promise<RgbImage> {
  const font = FONTS[options.font ?? 'sans'];
  const width = options.width ?? 512;
  const height = options.height ?? 512;
  const background = options.background ?? '#ffffff';
  let glyphs = sharp({
    text: {
      text: `<span foreground="${options.color ?? '#000000'}">${escapeMarkup(text)}</span>`,
      font: `${font.family} ${options.size ?? 40}`,
      fontfile: path.join(FONT_DIR, font.file),
      rgba: true,
      dpi: 72,
      width: width - 32,
      wrap: 'word',
      align: 'centre',
    },
  }).png();
  if (options.rotate)
    glyphs = sharp(await glyphs.toBuffer())
      .rotate(options.rotate, { background: { r: 0, g: 0, b: 0, alpha: 0 } })
      .png();
  const layer = await glyphs.toBuffer();
  const meta = await sharp(layer).metadata();
  const left = Math.max(0, Math.round((width - (meta.width ?? 0)) / 2));
  const top = options.top ?? Math.max(0, Math.round((height - (meta.height ?? 0)) / 2));
  const base = options.backgroundImage
    ? sharp(options.backgroundImage).resize(width, height, { fit: 'cover' }).removeAlpha()
    : sharp({ create: { width, height, channels: 3, background } });
  const { data, info } = await base
    .composite([{ input: layer, left, top }])
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return createRgbImage(new Uint8Array(data.buffer, data.byteOffset, data.length), info.width, info.height, `text:${text}`);
}

/** A photo resized to cover the canvas, no text added. */
export async function photoImage(file: string, width = 512, height = 512): Promise<RgbImage> {
  const { data, info } = await sharp(file).resize(width, height, { fit: 'cover' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return createRgbImage(new Uint8Array(data.buffer, data.byteOffset, data.length), info.width, info.height, file);
}

/** A plain canvas with no text. */
export async function blankImage(background = '#ffffff', width = 512, height = 512): Promise<RgbImage> {
  const { data, info } = await sharp({ create: { width, height, channels: 3, background } })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return createRgbImage(new Uint8Array(data.buffer, data.byteOffset, data.length), info.width, info.height, 'blank');
}

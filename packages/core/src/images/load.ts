import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import sharp, { type Metadata } from 'sharp';
import { ImageDecodeError, ImageSourceNotAllowedError, ImageTooLargeError, InvalidImageInputError, T2IRewardError, throwIfAborted } from '../errors.js';
import type { RgbImage } from '../spec.js';

/** Raw pixels, row-major and interleaved: gray (1), RGB (3) or RGBA (4) channels of 8 bits. */
export interface RawPixelsInput {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  /** Inferred from `data.length / (width*height)` when left out. */
  channels?: 1 | 3 | 4;
}

/**
 * Anything `loadImage` accepts: a file path (or `file:` URL), a `data:` URL, an http(s) URL (only with
 * `allowUrls`), encoded bytes (PNG, JPEG, WebP, GIF, TIFF, AVIF), raw pixels, or an already decoded RgbImage.
 */
export type ImageInput = string | Uint8Array | ArrayBuffer | RawPixelsInput | RgbImage;

export interface ImageLoadOptions {
  /** Largest encoded size accepted, in bytes (file, data URL, download). Default 64 MiB. */
  maxBytes?: number;
  /** Largest decoded size accepted, in pixels (width*height). Default 64 megapixels. */
  maxPixels?: number;
  /**
   * http(s) URLs that may be fetched: an origin ("https://images.example.com") admits every URL of that origin,
   * a longer URL ("https://example.com/gallery/") admits URLs under it. Without it every URL is refused.
   */
  allowUrls?: readonly string[];
  /** When set, file paths must resolve (symlinks included) inside this directory; relative paths start here. */
  allowedRoot?: string;
  /** fetch implementation for allowed URLs (default: global fetch). */
  fetch?: typeof globalThis.fetch;
  /**
   * Longest a URL download (all redirects and the body) may take, in ms; past it the image fails with
   * InvalidImageInputError instead of holding its item until the caller's deadline. Default 30000.
   */
  fetchTimeoutMs?: number;
  /**
   * Called with the size read from the image header, after the pixel limit check and before any pixel is
   * allocated; decoding waits for the returned promise (a server uses it to wait for room in a memory budget).
   */
  beforeDecode?: (info: { width: number; height: number; format: string }) => void | Promise<void>;
  signal?: AbortSignal;
  /** How many inputs `loadImages` decodes at once (default: available parallelism, at most 8). */
  concurrency?: number;
}

export const DEFAULT_MAX_IMAGE_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_IMAGE_PIXELS = 64 * 1024 * 1024;
export const DEFAULT_FETCH_TIMEOUT_MS = 30_000;
const MAX_REDIRECTS = 5;
/** Formats decoded; others (SVG, PDF, raw camera files) are refused: they are not generated images and widen the attack surface. */
const DECODABLE_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif', 'heif']);

function pixelHashHeader(width: number, height: number): Buffer {
  const header = Buffer.alloc(16);
  header.write('RGB8', 0, 'latin1');
  header.writeUInt32BE(width, 4);
  header.writeUInt32BE(height, 8);
  header.writeUInt32BE(3, 12);
  return header;
}

/** sha256 over a 16-byte header ("RGB8", width, height, channel count, big-endian) and the pixels. */
export function hashPixels(data: Uint8Array, width: number, height: number): string {
  return createHash('sha256').update(pixelHashHeader(width, height)).update(data).digest('hex');
}

/** Pixel bytes hashed between two yields to the event loop by hashPixelsAsync (about 2 ms of sha256). */
export const HASH_SLICE_BYTES = 2 * 1024 * 1024;

/**
 * hashPixels (the same hash) in slices of HASH_SLICE_BYTES, yielding to the event loop between them: an
 * 8192×8192 image is 192 MB of sha256, ~150 ms that a server's event loop (health checks, other requests)
 * would otherwise wait through in one piece.
 */
export async function hashPixelsAsync(data: Uint8Array, width: number, height: number, sliceBytes = HASH_SLICE_BYTES): Promise<string> {
  if (data.length <= sliceBytes) return hashPixels(data, width, height);
  const hash = createHash('sha256').update(pixelHashHeader(width, height));
  for (let offset = 0; offset < data.length; offset += sliceBytes) {
    hash.update(data.subarray(offset, offset + sliceBytes));
    await yieldToLoop();
  }
  return hash.digest('hex');
}

function checkRgbSize(data: Uint8Array, width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new InvalidImageInputError(`image size must be positive integers, got ${width}x${height}`);
  }
  if (data.length !== width * height * 3) {
    throw new InvalidImageInputError(`RGB data of ${width}x${height} needs ${width * height * 3} bytes, got ${data.length}`);
  }
}

/** Wraps RGB pixels (`width*height*3` bytes) as an RgbImage, computing its hash. */
export function createRgbImage(data: Uint8Array, width: number, height: number, source?: string): RgbImage {
  checkRgbSize(data, width, height);
  const image: RgbImage = { data, width, height, hash: hashPixels(data, width, height) };
  return source === undefined ? image : { ...image, source };
}

/** createRgbImage with the hash computed in slices (hashPixelsAsync): the event loop keeps running on large images. */
export async function createRgbImageAsync(data: Uint8Array, width: number, height: number, source?: string): Promise<RgbImage> {
  checkRgbSize(data, width, height);
  const image: RgbImage = { data, width, height, hash: await hashPixelsAsync(data, width, height) };
  return source === undefined ? image : { ...image, source };
}

/** What is wrong with a sample's image (not an RgbImage, a bad size, the wrong byte count), or undefined when it is sound. */
export function rgbImageProblem(image: RgbImage | undefined): string | undefined {
  if (!image || !(image.data instanceof Uint8Array)) return 'sample.image is not an RgbImage';
  if (!Number.isInteger(image.width) || !Number.isInteger(image.height) || image.width < 1 || image.height < 1)
    return `bad image size ${image.width}x${image.height}`;
  if (image.data.length !== image.width * image.height * 3) return `image data holds ${image.data.length} bytes, expected ${image.width}x${image.height}x3`;
  return undefined;
}

/** Encodes an RgbImage (for remote backends, reports, caches). */
export async function encodeImage(image: RgbImage, format: 'png' | 'jpeg' | 'webp', options: { quality?: number } = {}): Promise<Buffer> {
  const pipeline = sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
  if (format === 'png') return pipeline.png().toBuffer();
  if (format === 'webp') return pipeline.webp({ quality: options.quality ?? 95 }).toBuffer();
  return pipeline.jpeg({ quality: options.quality ?? 95 }).toBuffer();
}

function isRgbImage(value: object): value is RgbImage {
  const candidate = value as Partial<RgbImage>;
  return candidate.data instanceof Uint8Array && typeof candidate.hash === 'string' && typeof candidate.width === 'number';
}

function isRawPixels(value: object): value is RawPixelsInput {
  const candidate = value as Partial<RawPixelsInput>;
  return (
    (candidate.data instanceof Uint8Array || candidate.data instanceof Uint8ClampedArray) &&
    typeof candidate.width === 'number' &&
    typeof candidate.height === 'number'
  );
}

function limits(options: ImageLoadOptions): { maxBytes: number; maxPixels: number } {
  return { maxBytes: options.maxBytes ?? DEFAULT_MAX_IMAGE_BYTES, maxPixels: options.maxPixels ?? DEFAULT_MAX_IMAGE_PIXELS };
}

function describeSource(source: string): string {
  return source.startsWith('data:') ? `data URL (${source.length} chars)` : source;
}

/** Decodes an image to 8-bit RGB with sharp; all the loaders end here. */
export async function decodeImageBytes(bytes: Uint8Array, source: string, options: ImageLoadOptions = {}): Promise<RgbImage> {
  const { maxBytes, maxPixels } = limits(options);
  if (bytes.length === 0) throw new ImageDecodeError(`${describeSource(source)}: empty input (0 bytes)`, { data: { source } });
  if (bytes.length > maxBytes) {
    throw new ImageTooLargeError(`${describeSource(source)}: ${bytes.length} bytes is over the limit of ${maxBytes}`, {
      data: { source, bytes: bytes.length, maxBytes },
    });
  }
  // failOn 'warning' makes truncated or corrupt data an error instead of a half-grey picture.
  const sharpOptions = { limitInputPixels: maxPixels, failOn: 'warning' as const };
  let metadata: Metadata;
  try {
    // Header only: no pixel limit here, so a bomb is reported with its declared size by the check below.
    metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw decodeError(source, error);
  }
  const format = metadata.format ?? 'unknown';
  if (!DECODABLE_FORMATS.has(format)) {
    throw new ImageDecodeError(`${describeSource(source)}: unsupported image format '${format}'`, { data: { source, format } });
  }
  // Checked on the header, before any pixel is allocated (a 100k x 100k PNG is a few hundred bytes).
  const width = metadata.width ?? 0;
  const height = metadata.height ?? 0;
  if (width * height > maxPixels) {
    throw new ImageTooLargeError(`${describeSource(source)}: ${width}x${height} pixels is over the limit of ${maxPixels}`, {
      data: { source, width, height, maxPixels },
    });
  }
  if (options.beforeDecode) await options.beforeDecode({ width, height, format });
  throwIfAborted(options.signal);
  try {
    const { data, info } = await sharp(bytes, sharpOptions)
      .rotate() // honours EXIF orientation
      .removeAlpha() // drops alpha like PIL's convert('RGB'), no compositing
      .toColourspace('srgb') // gray → RGB, CMYK → RGB, 16-bit → 8-bit
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`);
    return await createRgbImageAsync(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), info.width, info.height, source);
  } catch (error) {
    throw decodeError(source, error);
  }
}

function decodeError(source: string, error: unknown): T2IRewardError {
  if (T2IRewardError.isInstance(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/pixel limit/i.test(message)) {
    return new ImageTooLargeError(`${describeSource(source)}: ${message}`, { cause: error, data: { source } });
  }
  return new ImageDecodeError(`${describeSource(source)}: cannot decode image: ${message}`, { cause: error, data: { source } });
}

/** Converts gray / RGB / RGBA pixels to RGB. */
export function rawPixelsToRgb(input: RawPixelsInput, options: ImageLoadOptions = {}): RgbImage {
  const { width, height } = input;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new InvalidImageInputError(`raw pixels: size must be positive integers, got ${width}x${height}`);
  }
  const { maxPixels } = limits(options);
  if (width * height > maxPixels) {
    throw new ImageTooLargeError(`raw pixels: ${width}x${height} is over the limit of ${maxPixels} pixels`, { data: { width, height, maxPixels } });
  }
  const pixels = width * height;
  const channels = input.channels ?? input.data.length / pixels;
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new InvalidImageInputError(`raw pixels: ${input.data.length} bytes for ${width}x${height} is not 1, 3 or 4 channels`);
  }
  if (input.data.length !== pixels * channels) {
    throw new InvalidImageInputError(`raw pixels: ${width}x${height}x${channels} needs ${pixels * channels} bytes, got ${input.data.length}`);
  }
  const source = 'pixels';
  if (channels === 3) {
    return createRgbImage(new Uint8Array(input.data.buffer, input.data.byteOffset, input.data.byteLength), width, height, source);
  }
  const rgb = new Uint8Array(pixels * 3);
  for (let pixel = 0; pixel < pixels; pixel++) {
    if (channels === 1) {
      const value = input.data[pixel]!;
      rgb[pixel * 3] = value;
      rgb[pixel * 3 + 1] = value;
      rgb[pixel * 3 + 2] = value;
    } else {
      rgb[pixel * 3] = input.data[pixel * 4]!;
      rgb[pixel * 3 + 1] = input.data[pixel * 4 + 1]!;
      rgb[pixel * 3 + 2] = input.data[pixel * 4 + 2]!;
    }
  }
  return createRgbImage(rgb, width, height, source);
}

/** Decodes `data:[mime][;base64],payload`. */
export function parseDataUrl(url: string, maxBytes: number): Uint8Array {
  const comma = url.indexOf(',');
  if (comma < 0) throw new InvalidImageInputError('data URL without a comma');
  const meta = url.slice(5, comma);
  const payload = url.slice(comma + 1);
  const base64 = /;base64$/i.test(meta);
  // Estimated before decoding, so an oversized URL is refused without allocating its bytes.
  const estimated = base64 ? Math.floor((payload.length * 3) / 4) : payload.length;
  if (estimated > maxBytes + 3) {
    throw new ImageTooLargeError(`data URL of about ${estimated} bytes is over the limit of ${maxBytes}`, { data: { bytes: estimated, maxBytes } });
  }
  if (base64) return new Uint8Array(Buffer.from(payload, 'base64'));
  try {
    return new Uint8Array(Buffer.from(decodeURIComponent(payload), 'latin1'));
  } catch (error) {
    throw new InvalidImageInputError('data URL with a malformed percent-encoded payload', { cause: error });
  }
}

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

async function readImageFile(filePath: string, options: ImageLoadOptions): Promise<{ bytes: Uint8Array; source: string }> {
  const { maxBytes } = limits(options);
  let resolved: string;
  if (options.allowedRoot !== undefined) {
    const root = await fs.realpath(path.resolve(options.allowedRoot)).catch((error: unknown) => {
      throw new InvalidImageInputError(`allowed root ${options.allowedRoot} cannot be read`, { cause: error });
    });
    const lexical = path.resolve(root, filePath);
    if (!isInside(root, lexical)) {
      throw new ImageSourceNotAllowedError(`${filePath} is outside the allowed root`, { data: { path: filePath } });
    }
    try {
      resolved = await fs.realpath(lexical);
    } catch (error) {
      throw fileError(filePath, error);
    }
    // Symlinks are followed before the check, so a link inside the root cannot point outside it.
    if (!isInside(root, resolved)) {
      throw new ImageSourceNotAllowedError(`${filePath} resolves outside the allowed root`, { data: { path: filePath } });
    }
  } else {
    resolved = path.resolve(filePath);
  }
  let stat;
  try {
    stat = await fs.stat(resolved);
  } catch (error) {
    throw fileError(filePath, error);
  }
  if (!stat.isFile()) throw new InvalidImageInputError(`${filePath} is not a file`, { data: { path: filePath } });
  if (stat.size > maxBytes) {
    throw new ImageTooLargeError(`${filePath}: ${stat.size} bytes is over the limit of ${maxBytes}`, {
      data: { source: filePath, bytes: stat.size, maxBytes },
    });
  }
  try {
    return { bytes: new Uint8Array(await fs.readFile(resolved, { signal: options.signal })), source: filePath };
  } catch (error) {
    throwIfAborted(options.signal);
    throw fileError(filePath, error);
  }
}

function fileError(filePath: string, error: unknown): T2IRewardError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : 'cannot be read';
  return new InvalidImageInputError(`${filePath}: ${reason}`, { cause: error, data: { path: filePath, reason: code ?? 'unknown' } });
}

/** True when `url` is admitted by one of the allow-list entries (an origin, or a URL prefix ending at a path boundary). */
export function isUrlAllowed(url: URL, allowUrls: readonly string[] | undefined): boolean {
  for (const entry of allowUrls ?? []) {
    let allowed: URL;
    try {
      allowed = new URL(entry);
    } catch {
      continue;
    }
    if (allowed.origin !== url.origin) continue;
    const originOnly = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]+\/?$/i.test(entry.trim());
    if (originOnly) return true;
    const prefix = allowed.href;
    if (!url.href.startsWith(prefix)) continue;
    const next = url.href.charAt(prefix.length);
    if (prefix.endsWith('/') || next === '' || next === '/' || next === '?' || next === '#') return true;
  }
  return false;
}

async function fetchImage(url: string, options: ImageLoadOptions): Promise<Uint8Array> {
  const timeoutMs = options.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
  // A timer of its own: a silent host fails this image, not the caller's whole request at its deadline.
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  try {
    return await fetchWithin(url, options, signal);
  } catch (error) {
    throwIfAborted(options.signal);
    if (timeout.aborted) {
      throw new InvalidImageInputError(`${url}: no complete answer within ${timeoutMs} ms (fetch timeout)`, { cause: error, data: { url, timeoutMs } });
    }
    throw error;
  }
}

async function fetchWithin(url: string, options: ImageLoadOptions, signal: AbortSignal): Promise<Uint8Array> {
  const { maxBytes } = limits(options);
  const doFetch = options.fetch ?? globalThis.fetch;
  let current = new URL(url);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    if (!isUrlAllowed(current, options.allowUrls)) {
      throw new ImageSourceNotAllowedError(
        hop === 0
          ? `${current.href} is not on the URL allow-list (pass allowUrls / --allow-url to fetch images)`
          : `${url} redirects to ${current.href}, which is not on the URL allow-list`,
        { data: { url: current.href } },
      );
    }
    let response: Response;
    try {
      // Redirects are followed by hand so that each hop is checked against the allow-list.
      response = await doFetch(current, { redirect: 'manual', signal });
    } catch (error) {
      throwIfAborted(signal);
      throw new InvalidImageInputError(`${current.href}: fetch failed: ${(error as Error).message}`, { cause: error, data: { url: current.href } });
    }
    if (response.status >= 300 && response.status < 400 && response.headers.get('location')) {
      await response.body?.cancel();
      current = new URL(response.headers.get('location')!, current);
      continue;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new InvalidImageInputError(`${current.href}: HTTP ${response.status}`, { data: { url: current.href, status: response.status } });
    }
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (declared > maxBytes) {
      await response.body?.cancel();
      throw new ImageTooLargeError(`${current.href}: ${declared} bytes is over the limit of ${maxBytes}`, {
        data: { url: current.href, bytes: declared, maxBytes },
      });
    }
    return readLimited(response, maxBytes, current.href, signal);
  }
  throw new InvalidImageInputError(`${url}: more than ${MAX_REDIRECTS} redirects`, { data: { url } });
}

async function readLimited(response: Response, maxBytes: number, url: string, signal: AbortSignal | undefined): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array(await response.arrayBuffer());
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel();
        throw new ImageTooLargeError(`${url}: more than ${maxBytes} bytes`, { data: { url, maxBytes } });
      }
      chunks.push(value);
    }
  } catch (error) {
    throwIfAborted(signal);
    if (T2IRewardError.isInstance(error)) throw error;
    throw new InvalidImageInputError(`${url}: download failed: ${(error as Error).message}`, { cause: error, data: { url } });
  }
  return new Uint8Array(Buffer.concat(chunks));
}

/**
 * Decodes one input to 8-bit RGB (EXIF orientation applied, alpha dropped, gray expanded), within the byte and
 * pixel limits. Throws typed errors: ImageDecodeError (truncated, empty, not an image), ImageTooLargeError,
 * ImageSourceNotAllowedError (URL not allowed, path outside the root), InvalidImageInputError (missing file,
 * unknown input shape).
 */
export async function loadImage(input: ImageInput, options: ImageLoadOptions = {}): Promise<RgbImage> {
  throwIfAborted(options.signal);
  if (typeof input === 'string') {
    const trimmed = input.trim();
    if (/^data:/i.test(trimmed)) {
      return decodeImageBytes(parseDataUrl(trimmed, limits(options).maxBytes), 'data-url', options);
    }
    if (/^https?:\/\//i.test(trimmed)) {
      return decodeImageBytes(await fetchImage(trimmed, options), trimmed, options);
    }
    if (/^file:\/\//i.test(trimmed)) {
      const { bytes, source } = await readImageFile(fileURLToPath(trimmed), options);
      return decodeImageBytes(bytes, source, options);
    }
    // Any other scheme ("ftp:", "s3:"); one-letter ones are Windows drive letters.
    if (/^[a-z][a-z0-9+.-]+:/i.test(trimmed) && !/^[a-z]:[\\/]/i.test(trimmed)) {
      throw new ImageSourceNotAllowedError(`unsupported image URL scheme: ${trimmed.slice(0, 40)}`);
    }
    if (trimmed.length === 0) throw new InvalidImageInputError('empty image path');
    const { bytes, source } = await readImageFile(input, options);
    return decodeImageBytes(bytes, source, options);
  }
  if (input instanceof ArrayBuffer) return decodeImageBytes(new Uint8Array(input), 'bytes', options);
  if (input instanceof Uint8Array) return decodeImageBytes(input, 'bytes', options);
  if (typeof input === 'object' && input !== null) {
    if (isRgbImage(input)) {
      if (input.data.length !== input.width * input.height * 3) {
        throw new InvalidImageInputError(
          `RgbImage of ${input.width}x${input.height} has ${input.data.length} bytes, expected ${input.width * input.height * 3}`,
        );
      }
      return input;
    }
    if (isRawPixels(input)) return rawPixelsToRgb(input, options);
  }
  throw new InvalidImageInputError(`unsupported image input: ${describeInput(input)}`);
}

function describeInput(input: unknown): string {
  if (input === null) return 'null';
  if (typeof input !== 'object') return typeof input;
  const keys = Object.keys(input).slice(0, 5);
  return `object with keys [${keys.join(', ')}] (expected a path, data URL, bytes, {data,width,height} or an RgbImage)`;
}

/** Turns anything thrown while loading into a typed error (typed ones pass through). */
function toImageError(error: unknown): T2IRewardError {
  if (T2IRewardError.isInstance(error)) return error;
  return new ImageDecodeError(`cannot load image: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}

/**
 * Loads many inputs, a few at a time; each slot holds the image or the typed error of that one input, so one
 * bad file never fails the rest. Only an abort rejects the whole call.
 */
export async function loadImages(inputs: readonly ImageInput[], options: ImageLoadOptions = {}): Promise<(RgbImage | T2IRewardError)[]> {
  const results = new Array<RgbImage | T2IRewardError>(inputs.length);
  const concurrency = Math.max(1, Math.min(options.concurrency ?? Math.min(8, os.availableParallelism()), inputs.length));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < inputs.length) {
      const index = next++;
      throwIfAborted(options.signal);
      try {
        results[index] = await loadImage(inputs[index]!, options);
      } catch (error) {
        throwIfAborted(options.signal);
        results[index] = toImageError(error);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { ImageDecodeError, ImageSourceNotAllowedError, ImageTooLargeError, InvalidImageInputError, RewardAbortedError, T2IRewardError } from '../errors.js';
import { EXAMPLE_IMAGES } from '../examples.js';
import { rejectionOf } from '../test/index.js';
import { createRgbImage, createRgbImageAsync, encodeImage, hashPixels, hashPixelsAsync, isUrlAllowed, loadImage, loadImages } from './load.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 't2ir-images-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** A 2x1 image: red on the left, blue on the right. */
const twoPixels = new Uint8Array([255, 0, 0, 0, 0, 255]);
const pngOf = (data: Uint8Array, width: number, height: number, channels: 1 | 3 | 4 = 3) => sharp(data, { raw: { width, height, channels } }).png().toBuffer();

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, body: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), body]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

/** A valid PNG header declaring width x height RGB pixels, with a tiny (incomplete) IDAT: a decompression bomb's header. */
function pngDeclaring(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('loadImage: sources', () => {
  it('decodes a JPEG file path to RGB with its hash', async () => {
    const example = EXAMPLE_IMAGES[0]!;
    const image = await loadImage(example.path);
    const metadata = await sharp(example.path).metadata();
    expect([image.width, image.height]).toEqual([metadata.width, metadata.height]);
    expect(image.data.length).toBe(image.width * image.height * 3);
    expect(image.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(image.source).toBe(example.path);
    expect((await loadImage(example.path)).hash).toBe(image.hash);
  });

  it('gives equal hashes for equal pixels whatever the encoding, different ones otherwise', async () => {
    const png = await pngOf(twoPixels, 2, 1);
    const webp = await sharp(twoPixels, { raw: { width: 2, height: 1, channels: 3 } })
      .webp({ lossless: true })
      .toBuffer();
    const fromPng = await loadImage(png);
    const fromWebp = await loadImage(webp);
    const fromArrayBuffer = await loadImage(png.buffer.slice(png.byteOffset, png.byteOffset + png.byteLength));
    const fromRaw = await loadImage({ data: twoPixels, width: 2, height: 1 });
    const fromDataUrl = await loadImage(`data:image/png;base64,${png.toString('base64')}`);
    expect([...fromPng.data]).toEqual([...twoPixels]);
    for (const image of [fromWebp, fromArrayBuffer, fromRaw, fromDataUrl]) expect(image.hash).toBe(fromPng.hash);
    expect(fromDataUrl.source).toBe('data-url');
    const transposed = await loadImage({ data: twoPixels, width: 1, height: 2 });
    expect(transposed.hash).not.toBe(fromPng.hash);
  });

  it('decodes JPEG bytes and passes an RgbImage through', async () => {
    const jpeg = await sharp({ create: { width: 8, height: 6, channels: 3, background: { r: 200, g: 100, b: 50 } } })
      .jpeg()
      .toBuffer();
    const image = await loadImage(jpeg);
    expect([image.width, image.height]).toEqual([8, 6]);
    expect(Math.abs(image.data[0]! - 200)).toBeLessThan(4);
    expect(await loadImage(image)).toBe(image);
  });

  it('expands gray and drops alpha (no compositing, as PIL convert("RGB"))', async () => {
    const gray = await loadImage({ data: new Uint8Array([7, 9]), width: 2, height: 1 });
    expect([...gray.data]).toEqual([7, 7, 7, 9, 9, 9]);
    const rgba = await loadImage({ data: new Uint8Array([10, 20, 30, 0, 40, 50, 60, 128]), width: 2, height: 1, channels: 4 });
    expect([...rgba.data]).toEqual([10, 20, 30, 40, 50, 60]);
    const rgbaPng = await pngOf(new Uint8Array([10, 20, 30, 0, 40, 50, 60, 128]), 2, 1, 4);
    expect([...(await loadImage(rgbaPng)).data]).toEqual([10, 20, 30, 40, 50, 60]);
    const grayPng = await sharp(new Uint8Array([7, 9]), { raw: { width: 2, height: 1, channels: 1 } })
      .png()
      .toBuffer();
    expect([...(await loadImage(grayPng)).data]).toEqual([7, 7, 7, 9, 9, 9]);
    const png16 = await sharp(twoPixels, { raw: { width: 2, height: 1, channels: 3 } })
      .toColourspace('rgb16')
      .png()
      .toBuffer();
    expect((await sharp(png16).metadata()).depth).toBe('ushort');
    expect([...(await loadImage(png16)).data]).toEqual([...twoPixels]);
  });

  it('honours EXIF orientation', async () => {
    // Orientation 6: the stored 16x8 picture (red left half, blue right half) is shown rotated 90° clockwise,
    // i.e. 8x16 with red on top.
    const pixels = new Uint8Array(16 * 8 * 3);
    for (let index = 0; index < 16 * 8; index++) pixels[index * 3 + (index % 16 < 8 ? 0 : 2)] = 255;
    const jpeg = await sharp(pixels, { raw: { width: 16, height: 8, channels: 3 } })
      .jpeg({ quality: 100 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const image = await loadImage(jpeg);
    expect([image.width, image.height]).toEqual([8, 16]);
    const last = image.data.length - 3;
    expect([image.data[0]! > 200, image.data[2]! < 50]).toEqual([true, true]); // top-left red
    expect([image.data[last]! < 50, image.data[last + 2]! > 200]).toEqual([true, true]); // bottom-right blue
  });

  it('resolves file: URLs and refuses other schemes', async () => {
    const file = path.join(dir, 'url.png');
    await fs.writeFile(file, await pngOf(twoPixels, 2, 1));
    expect((await loadImage(new URL(`file://${file}`).href)).width).toBe(2);
    expect(ImageSourceNotAllowedError.isInstance(await rejectionOf(loadImage('ftp://example.com/a.png')))).toBe(true);
  });

  it('encodes back losslessly to PNG', async () => {
    const image = createRgbImage(twoPixels, 2, 1);
    const decoded = await loadImage(await encodeImage(image, 'png'));
    expect(decoded.hash).toBe(image.hash);
    expect((await sharp(await encodeImage(image, 'jpeg')).metadata()).format).toBe('jpeg');
  });
});

describe('loadImage: bad inputs give typed errors', () => {
  it('truncated JPEG', async () => {
    const jpeg = await fs.readFile(EXAMPLE_IMAGES[0]!.path);
    const file = path.join(dir, 'truncated.jpg');
    await fs.writeFile(file, jpeg.subarray(0, Math.floor(jpeg.length / 2)));
    const error = await rejectionOf(loadImage(file));
    expect(ImageDecodeError.isInstance(error)).toBe(true);
    expect(error.message).toContain('truncated.jpg');
  });

  it('zero-byte file', async () => {
    const file = path.join(dir, 'empty.png');
    await fs.writeFile(file, Buffer.alloc(0));
    const error = await rejectionOf(loadImage(file));
    expect(ImageDecodeError.isInstance(error)).toBe(true);
    expect(error.message).toContain('0 bytes');
  });

  it('PNG declaring 100k x 100k pixels is refused from its header', async () => {
    const bomb = pngDeclaring(100_000, 100_000);
    expect(bomb.length).toBeLessThan(100);
    const error = await rejectionOf(loadImage(bomb));
    expect(ImageTooLargeError.isInstance(error)).toBe(true);
    expect(error.data).toMatchObject({ width: 100_000, height: 100_000 });
  });

  it('pixel limit below the default', async () => {
    const png = await pngOf(new Uint8Array(10 * 10 * 3), 10, 10);
    expect(ImageTooLargeError.isInstance(await rejectionOf(loadImage(png, { maxPixels: 99 })))).toBe(true);
    expect(ImageTooLargeError.isInstance(await rejectionOf(loadImage({ data: new Uint8Array(300), width: 10, height: 10 }, { maxPixels: 99 })))).toBe(true);
    expect((await loadImage(png, { maxPixels: 100 })).width).toBe(10);
  });

  it('byte limit on files, bytes and data URLs', async () => {
    const png = await pngOf(new Uint8Array(10 * 10 * 3), 10, 10);
    const file = path.join(dir, 'small.png');
    await fs.writeFile(file, png);
    for (const input of [file, png, `data:image/png;base64,${png.toString('base64')}`]) {
      expect(ImageTooLargeError.isInstance(await rejectionOf(loadImage(input, { maxBytes: 20 })))).toBe(true);
    }
  });

  it('a non-image file', async () => {
    const file = path.join(dir, 'notes.png');
    await fs.writeFile(file, 'these are notes, not pixels\n'.repeat(10));
    const error = await rejectionOf(loadImage(file));
    expect(ImageDecodeError.isInstance(error)).toBe(true);
    expect(error.message).toMatch(/unsupported image format/);
  });

  it('an SVG is not decoded', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>');
    const error = await rejectionOf(loadImage(svg));
    expect(ImageDecodeError.isInstance(error)).toBe(true);
    expect(error.message).toContain("'svg'");
  });

  it('a missing file, a directory and a bad input shape', async () => {
    const missing = await rejectionOf(loadImage(path.join(dir, 'nope.jpg')));
    expect(InvalidImageInputError.isInstance(missing)).toBe(true);
    expect(missing.data).toMatchObject({ reason: 'ENOENT' });
    expect(InvalidImageInputError.isInstance(await rejectionOf(loadImage(dir)))).toBe(true);
    expect(InvalidImageInputError.isInstance(await rejectionOf(loadImage({ width: 2 } as never)))).toBe(true);
    expect(InvalidImageInputError.isInstance(await rejectionOf(loadImage({ data: new Uint8Array(5), width: 2, height: 1 })))).toBe(true);
  });

  it('an already aborted signal', async () => {
    const error = await rejectionOf(loadImage(twoPixels, { signal: AbortSignal.abort() }));
    expect(RewardAbortedError.isInstance(error)).toBe(true);
  });
});

describe('loadImage: URLs', () => {
  let server: http.Server;
  let origin: string;
  let png: Buffer;
  let requests = 0;
  beforeAll(async () => {
    png = await pngOf(twoPixels, 2, 1);
    server = http.createServer((request, response) => {
      requests++;
      if (request.url === '/images/a.png') response.writeHead(200, { 'content-type': 'image/png' }).end(png);
      else if (request.url === '/images/away') response.writeHead(302, { location: 'http://localhost:1/elsewhere.png' }).end();
      else if (request.url === '/images/here') response.writeHead(302, { location: '/images/a.png' }).end();
      else if (request.url === '/images/silent')
        response.writeHead(200, { 'content-type': 'image/png' }).write(png.subarray(0, 8)); // never ends
      else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('refuses http(s) URLs without an allow-list, before any request', async () => {
    const before = requests;
    const error = await rejectionOf(loadImage(`${origin}/images/a.png`));
    expect(ImageSourceNotAllowedError.isInstance(error)).toBe(true);
    expect(error.message).toContain('allow-list');
    expect(ImageSourceNotAllowedError.isInstance(await rejectionOf(loadImage('https://example.com/a.png')))).toBe(true);
    expect(requests).toBe(before);
  });

  it('fetches allowed URLs, following redirects only within the allow-list', async () => {
    const image = await loadImage(`${origin}/images/a.png`, { allowUrls: [origin] });
    expect([...image.data]).toEqual([...twoPixels]);
    expect((await loadImage(`${origin}/images/here`, { allowUrls: [`${origin}/images/`] })).width).toBe(2);
    expect(ImageSourceNotAllowedError.isInstance(await rejectionOf(loadImage(`${origin}/images/away`, { allowUrls: [origin] })))).toBe(true);
    expect(InvalidImageInputError.isInstance(await rejectionOf(loadImage(`${origin}/images/missing.png`, { allowUrls: [origin] })))).toBe(true);
    expect(ImageTooLargeError.isInstance(await rejectionOf(loadImage(`${origin}/images/a.png`, { allowUrls: [origin], maxBytes: 10 })))).toBe(true);
  });

  it("a silent host fails the image at fetchTimeoutMs, not at the caller's deadline", async () => {
    const caller = new AbortController();
    const started = performance.now();
    const error = await rejectionOf(loadImage(`${origin}/images/silent`, { allowUrls: [origin], fetchTimeoutMs: 150, signal: caller.signal }));
    expect(InvalidImageInputError.isInstance(error)).toBe(true);
    expect(error.message).toContain('within 150 ms');
    expect(error.data).toMatchObject({ timeoutMs: 150 });
    expect(caller.signal.aborted).toBe(false);
    expect(performance.now() - started).toBeLessThan(10_000);
    // The caller's own abort still reads as an abort.
    const aborted = rejectionOf(loadImage(`${origin}/images/silent`, { allowUrls: [origin], fetchTimeoutMs: 60_000, signal: caller.signal }));
    setTimeout(() => caller.abort(), 50);
    expect(RewardAbortedError.isInstance(await aborted)).toBe(true);
  });

  it('beforeDecode sees the header size first and decoding waits for it', async () => {
    const seen: string[] = [];
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const loading = loadImage(await pngOf(twoPixels, 2, 1), {
      beforeDecode: async ({ width, height, format }) => {
        seen.push(`${width}x${height} ${format}`);
        await gate;
        seen.push('opened');
      },
    }).then((image) => {
      seen.push('decoded');
      return image;
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(seen).toEqual(['2x1 png']);
    open();
    expect((await loading).width).toBe(2);
    expect(seen).toEqual(['2x1 png', 'opened', 'decoded']);
  });

  it('matches origins and path prefixes, not look-alike hosts', () => {
    const allowed = (url: string, list: string[]) => isUrlAllowed(new URL(url), list);
    expect(allowed('https://img.example.com/x.png', ['https://img.example.com'])).toBe(true);
    expect(allowed('https://img.example.com.evil.net/x.png', ['https://img.example.com'])).toBe(false);
    expect(allowed('http://img.example.com/x.png', ['https://img.example.com'])).toBe(false);
    expect(allowed('https://example.com/gallery/x.png', ['https://example.com/gallery'])).toBe(true);
    expect(allowed('https://example.com/gallery-private/x.png', ['https://example.com/gallery'])).toBe(false);
    expect(allowed('https://example.com/other/x.png', ['https://example.com/gallery/'])).toBe(false);
  });
});

describe('loadImage: allowedRoot', () => {
  it('confines paths, symlinks resolved', async () => {
    const root = path.join(dir, 'root');
    await fs.mkdir(root, { recursive: true });
    await fs.writeFile(path.join(root, 'in.png'), await pngOf(twoPixels, 2, 1));
    await fs.writeFile(path.join(dir, 'secret.png'), await pngOf(twoPixels, 2, 1));
    await fs.symlink(path.join(dir, 'secret.png'), path.join(root, 'link.png'));
    expect((await loadImage('in.png', { allowedRoot: root })).width).toBe(2);
    expect((await loadImage(path.join(root, 'in.png'), { allowedRoot: root })).width).toBe(2);
    for (const escape of ['../secret.png', path.join(dir, 'secret.png'), 'link.png']) {
      expect(ImageSourceNotAllowedError.isInstance(await rejectionOf(loadImage(escape, { allowedRoot: root })))).toBe(true);
    }
    expect(InvalidImageInputError.isInstance(await rejectionOf(loadImage('missing.png', { allowedRoot: root })))).toBe(true);
  });
});

describe('loadImages', () => {
  it('fails only the bad items', async () => {
    const good = await pngOf(twoPixels, 2, 1);
    const results = await loadImages([good, Buffer.from('not an image'), EXAMPLE_IMAGES[1]!.path, path.join(dir, 'nope.png')]);
    expect(results.map((result) => (T2IRewardError.isInstance(result) ? result.code : 'ok'))).toEqual(['ok', 'IMAGE_DECODE', 'ok', 'INVALID_IMAGE_INPUT']);
  });

  it('rejects as a whole only when aborted', async () => {
    await expect(loadImages([twoPixels], { signal: AbortSignal.abort() })).rejects.toSatisfy(RewardAbortedError.isInstance);
  });
});

describe('hashPixelsAsync (issue 21: a large image is hashed without holding the event loop)', () => {
  it('gives the same hash as hashPixels, sliced or not, and differs when one byte or the size differs', async () => {
    const data = new Uint8Array(30 * 20 * 3).map((_, index) => (index * 31) % 256);
    const whole = hashPixels(data, 30, 20);
    expect(await hashPixelsAsync(data, 30, 20)).toBe(whole);
    for (const slice of [1, 7, 64, 1799, 1800, 5000]) expect(await hashPixelsAsync(data, 30, 20, slice)).toBe(whole);
    expect(await hashPixelsAsync(data, 20, 30, 64)).not.toBe(whole);
    const changed = data.slice();
    changed[1234] = changed[1234]! ^ 1;
    expect(await hashPixelsAsync(changed, 30, 20, 64)).not.toBe(whole);
    expect((await createRgbImageAsync(data, 30, 20, 'x')).hash).toBe(createRgbImage(data, 30, 20).hash);
  });

  it('yields to the event loop between slices', async () => {
    const data = new Uint8Array(64 * 64 * 3);
    let ranBetween = false;
    setImmediate(() => (ranBetween = true));
    const hashing = hashPixelsAsync(data, 64, 64, 1024);
    expect(ranBetween).toBe(false);
    await hashing;
    expect(ranBetween).toBe(true);
    // Below one slice it is hashed at once, without yielding.
    let ranSmall = false;
    setImmediate(() => (ranSmall = true));
    await hashPixelsAsync(data, 64, 64);
    expect(ranSmall).toBe(false);
  });

  it('checks the size like createRgbImage', async () => {
    await expect(createRgbImageAsync(new Uint8Array(5), 1, 2)).rejects.toBeInstanceOf(InvalidImageInputError);
    await expect(createRgbImageAsync(new Uint8Array(0), 0, 0)).rejects.toBeInstanceOf(InvalidImageInputError);
  });
});

import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import Tesseract from 'tesseract.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExpertFailedError, InvalidConfigError, ModelDisposedError, ModelLoadError, RewardAbortedError, type RgbImage } from '@t2i-reward/core';
import { createTestImage } from '@t2i-reward/core/test';
import { renderText } from '../test/render.js';
import { bundledLanguageDir, createOcrReward, encodePpm, type TesseractModule, type TesseractPage, type TesseractWorker } from './index.js';

const ppmWidth = (bytes: Uint8Array): number => Number(new TextDecoder().decode(bytes.subarray(0, 20)).split(/\s+/)[1]);

/** Real tesseract.js, counting the workers it starts. */
function countingTesseract(): TesseractModule & { started: number } {
  const counting = {
    started: 0,
    async createWorker(...args: Parameters<TesseractModule['createWorker']>) {
      counting.started++;
      return (Tesseract.createWorker as unknown as TesseractModule['createWorker'])(...args);
    },
  };
  return counting;
}

/**
 * A FAKE tesseract for pool plumbing only (failures, waiting, abort, dispose): `recognize` answers the image
 * width as text after `delayMs`, throws for 13-pixel-wide images and never answers for 17-pixel-wide ones.
 */
function fakeTesseract(delayMs = 20) {
  const fake = {
    started: 0,
    terminated: 0,
    inFlight: 0,
    maxInFlight: 0,
    async createWorker(): Promise<TesseractWorker> {
      fake.started++;
      return {
        setParameters: async () => ({}),
        terminate: async () => {
          fake.terminated++;
          return {};
        },
        recognize: async (image: Uint8Array) => {
          const width = ppmWidth(image);
          fake.inFlight++;
          fake.maxInFlight = Math.max(fake.maxInFlight, fake.inFlight);
          try {
            if (width === 17) await new Promise(() => undefined);
            await new Promise((resolve) => setTimeout(resolve, delayMs));
            if (width === 13) throw new Error('Error attempting to read image.');
            const page: TesseractPage = {
              text: `w${width}`,
              confidence: 90,
              blocks: [
                {
                  paragraphs: [
                    { lines: [{ text: `w${width}`, confidence: 90, words: [{ text: `w${width}`, confidence: 90, bbox: { x0: 0, y0: 0, x1: 1, y1: 1 } }] }] },
                  ],
                },
              ],
            };
            return { data: page };
          } finally {
            fake.inFlight--;
          }
        },
      };
    },
  };
  return fake;
}

const image = (width: number): RgbImage => createTestImage(width, 8, [255, 255, 255]);

describe('worker pool (real tesseract)', () => {
  const tesseract = countingTesseract();
  const reward = createOcrReward({ workers: 2, tesseract });
  let sign: RgbImage;
  beforeAll(async () => {
    sign = await renderText('Open Late', { size: 40 });
  });
  afterAll(async () => {
    await reward.dispose();
  });

  it('starts at most `workers` workers and reuses them across calls', async () => {
    for (let call = 0; call < 3; call++) {
      const results = await reward.doScore([0, 1, 2].map(() => ({ image: sign, prompt: 'a sign "Open Late"' })));
      expect(results.map((r) => r.score)).toEqual([1, 1, 1]);
    }
    expect(tesseract.started).toBe(2);
    expect(reward.pool.workerCount).toBe(2);
    expect(reward.pool.recognizeCalls).toBe(9);
  });
});

describe('a read tesseract itself rejects (real tesseract)', () => {
  it('fails only that item and does not crash the process; the worker is replaced', async () => {
    // Real workers; for 13-pixel-wide images the bytes handed over are not an image at all.
    const tesseract = countingTesseract();
    const corrupting: TesseractModule = {
      async createWorker(...args) {
        const worker = await tesseract.createWorker(...args);
        return {
          ...worker,
          setParameters: (params) => worker.setParameters(params),
          terminate: () => worker.terminate(),
          recognize: (bytes, ...rest) => worker.recognize(ppmWidth(bytes) === 13 ? new Uint8Array([1, 2, 3, 4]) : bytes, ...rest),
        };
      },
    };
    const reward = createOcrReward({ workers: 1, tesseract: corrupting });
    const sign = await renderText('Open', { size: 40, width: 200, height: 100 });
    const results = await reward.doScore([
      { image: sign, prompt: 'a "Open"' },
      { image: image(13), prompt: 'a "Open"' },
      { image: sign, prompt: 'a "Open"' },
    ]);
    expect(results[0]?.score).toBe(1);
    expect(ExpertFailedError.isInstance(results[1]?.error)).toBe(true);
    expect(results[1]?.error?.message).toMatch(/tesseract could not read the image/);
    expect(results[2]?.score).toBe(1);
    expect(tesseract.started).toBe(2);
    await reward.dispose();
  });
});

describe('languages', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 't2ir-ocr-lang-test-'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('a language with no data is a ModelLoadError naming the package to install', async () => {
    const reward = createOcrReward({ languages: ['xyz'], tesseract: fakeTesseract() });
    const error = await reward.doScore([{ image: image(8), prompt: 'a "b"' }]).catch((e: unknown) => e);
    expect(ModelLoadError.isInstance(error)).toBe(true);
    expect(String((error as Error).message)).toMatch(/@tesseract\.js-data\/xyz/);
    await reward.dispose();
  });

  it('langPath must be a local folder (nothing is downloaded)', () => {
    expect(() => createOcrReward({ langPath: 'https://cdn.example/tessdata' })).toThrow(InvalidConfigError);
  });

  it('several languages from one langPath, gzipped or not (real tesseract, eng + a renamed copy)', async () => {
    const gz = await fs.readFile(path.join(bundledLanguageDir('eng'), 'eng.traineddata.gz'));
    await fs.writeFile(path.join(dir, 'eng.traineddata.gz'), gz);
    await fs.writeFile(path.join(dir, 'engcopy.traineddata'), gunzipSync(gz));
    const reward = createOcrReward({ languages: ['eng', 'engcopy'], langPath: dir, workers: 1 });
    expect(reward.modelId).toBe('ocr/tesseract/eng+engcopy');
    const [result] = await reward.doScore([{ image: await renderText('Fresh Coffee', { size: 40 }), prompt: 'a sign "Fresh Coffee"' }]);
    expect(result?.score).toBe(1);
    await reward.dispose();
  });
});

describe('pool plumbing (fake tesseract)', () => {
  it('never runs more reads at once than workers', async () => {
    const fake = fakeTesseract();
    const reward = createOcrReward({ workers: 3, tesseract: fake });
    const results = await reward.doScore(Array.from({ length: 10 }, (_, i) => ({ image: image(20 + i), prompt: `a "w${20 + i}"` })));
    expect(results.map((r) => r.score)).toEqual(Array(10).fill(1));
    expect(fake.maxInFlight).toBe(3);
    expect(fake.started).toBe(3);
    await reward.dispose();
    expect(fake.terminated).toBe(3);
  });

  it('a worker that cannot start fails the call, queued jobs included, and the next call retries', async () => {
    const fake = fakeTesseract();
    // The first worker starts; after a read fails it is replaced, and that start fails.
    let starts = 0;
    const flaky: TesseractModule = {
      createWorker: async () => {
        if (++starts === 2) throw new Error('wasm core missing');
        return fake.createWorker();
      },
    };
    const reward = createOcrReward({ workers: 1, tesseract: flaky });
    const samples = [image(40), image(41), image(42)].map((img) => ({ image: img, prompt: `a "w${img.width}"` }));
    await expect(reward.doScore([{ image: image(13), prompt: 'a "x"' }, ...samples])).rejects.toSatisfy(ModelLoadError.isInstance);
    expect((await reward.doScore(samples)).map((r) => r.score)).toEqual([1, 1, 1]);
    // Jobs of the failed call did not linger in the queue to run later.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(reward.pool.recognizeCalls).toBe(3);
    await reward.dispose();
  });

  it('an image tesseract cannot read fails alone; its worker is replaced', async () => {
    const fake = fakeTesseract();
    const reward = createOcrReward({ workers: 1, tesseract: fake });
    const results = await reward.doScore([image(12), image(13), image(14)].map((img) => ({ image: img, prompt: `a "w${img.width}"` })));
    expect(results[0]?.score).toBe(1);
    expect(ExpertFailedError.isInstance(results[1]?.error)).toBe(true);
    expect(results[1]?.score).toBeNull();
    expect(results[2]?.score).toBe(1);
    expect(fake.started).toBe(2);
    expect(reward.pool.workerCount).toBe(1);
    await reward.dispose();
  });

  it('abort while waiting for a worker rejects with RewardAbortedError', async () => {
    const reward = createOcrReward({ workers: 1, tesseract: fakeTesseract(200) });
    const controller = new AbortController();
    const pending = reward.doScore(
      [image(30), image(31), image(32)].map((img) => ({ image: img, prompt: 'a "x"' })),
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(new Error('stop')), 50);
    await expect(pending).rejects.toSatisfy(RewardAbortedError.isInstance);
    await reward.dispose();
  });

  it('dispose while reading rejects the call instead of hanging', async () => {
    const reward = createOcrReward({ workers: 1, tesseract: fakeTesseract() });
    const pending = reward.doScore([{ image: image(17), prompt: 'a "x"' }]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await reward.dispose();
    await expect(pending).rejects.toSatisfy(ModelDisposedError.isInstance);
  });
});

it('encodes a binary PPM (P6) header followed by the RGB bytes', () => {
  const img = createTestImage(3, 2, [1, 2, 3]);
  const ppm = encodePpm(img);
  expect(new TextDecoder().decode(ppm.subarray(0, 11))).toBe('P6\n3 2\n255\n');
  expect([...ppm.subarray(11)]).toEqual([...img.data]);
});

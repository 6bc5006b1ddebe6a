import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelLoadError, createRgbImage } from '@t2i-reward/core';
import { createDetectorReward } from '../reward.js';
import { TransformersDetectorBackend, canvasToImage } from './transformers.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'models');

interface Reference {
  queries: string[];
  input_ids: number[][];
  image: { width: number; height: number; pixels: number[] };
  detections: { label: string; score: number; box: [number, number, number, number] }[];
}

describe.each(['tiny-owlvit', 'tiny-owlv2'])('transformers.js backend on %s (random weights, published layout)', (name) => {
  const folder = path.join(fixtures, name);
  const reference = JSON.parse(fs.readFileSync(path.join(folder, 'reference.json'), 'utf8')) as Reference;
  const image = createRgbImage(Uint8Array.from(reference.image.pixels), reference.image.width, reference.image.height);
  const backend = new TransformersDetectorBackend({ model: folder });
  afterAll(async () => {
    await backend.dispose();
  });

  it('loads from a local folder and tokenizes the queries as the torch reference does', async () => {
    const loaded = await backend.load();
    expect(loaded.architecture).toBe(name === 'tiny-owlvit' ? 'owlvit' : 'owlv2');
    const encoded = loaded.processor.tokenizer(reference.queries, { padding: true, truncation: true });
    const ids = (encoded.input_ids as unknown as { tolist(): bigint[][] }).tolist().map((row) => row.map(Number));
    expect(ids).toEqual(reference.input_ids);
  });

  it('returns the torch reference detections (best query per box, sigmoid score, image pixels)', async () => {
    const [detections] = await backend.detect([image], [reference.queries]);
    const expected = [...reference.detections].sort((a, b) => b.score - a.score);
    expect(detections).toHaveLength(expected.length);
    detections?.forEach((detection, i) => {
      const want = expected[i];
      expect(detection.label).toBe(want?.label);
      expect(detection.score).toBeCloseTo(want?.score as number, 5);
      want?.box.forEach((v, k) => expect(detection.box[k]).toBeCloseTo(Math.min(32, Math.max(0, v)), 3));
    });
  });

  it('scores existence through the reward with query labels (open vocabulary: nothing is unnameable)', async () => {
    const reward = createDetectorReward({ detector: backend, boxThreshold: 0.6 });
    const [result] = await reward.doScore([{ image, prompt: 'x', spec: { objects: reference.queries.map((q) => ({ name: q })), relations: [] } }]);
    const exists = reference.queries.map((q) => reference.detections.some((d) => d.label === q && d.score >= 0.6));
    expect(result?.score).toBeCloseTo(exists.filter(Boolean).length / exists.length, 10);
    expect(result?.warnings).toEqual([]);
    expect(result?.details?.model).toBe(`transformers/${name}`);
  });
});

describe('transformers.js backend on a GroundingDINO I/O stand-in (its files, inputs and outputs; not its architecture)', () => {
  const folder = path.join(fixtures, 'tiny-grounding-dino-io');
  const reference = JSON.parse(fs.readFileSync(path.join(folder, 'reference.json'), 'utf8')) as {
    queries: string[];
    input_ids: number[];
    image: Reference['image'];
    detections: { label: string; score: number; query_score: number; box: [number, number, number, number] }[];
  };
  const image = createRgbImage(Uint8Array.from(reference.image.pixels), reference.image.width, reference.image.height);
  // A text threshold between the reference's query scores, so that some boxes lose their label and are dropped.
  const queryScores = reference.detections.map((d) => d.query_score).sort((a, b) => a - b);
  const textThreshold = ((queryScores[2] as number) + (queryScores[3] as number)) / 2;
  const backend = new TransformersDetectorBackend({ model: folder, textThreshold, boxThreshold: 0.1 });
  afterAll(async () => {
    await backend.dispose();
  });

  it('builds "[CLS] q1 . q2 . [SEP]" with WordPiece as the reference does', async () => {
    const { architecture, processor } = await backend.load();
    expect(architecture).toBe('grounding-dino');
    const ids = [2, ...reference.queries.flatMap((q) => [...processor.tokenizer.encode(q, { add_special_tokens: false }), 5]), 3];
    expect(ids).toEqual(reference.input_ids);
  });

  it('labels each box with its best query, applies the box and text thresholds, maps boxes to image pixels', async () => {
    const [detections] = await backend.detect([image], [reference.queries]);
    const expected = reference.detections.filter((d) => d.score > 0.1 && d.query_score > textThreshold).sort((a, b) => b.score - a.score);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(reference.detections.length);
    expect(detections).toHaveLength(expected.length);
    detections?.forEach((detection, i) => {
      expect(detection.label).toBe(expected[i]?.label);
      expect(detection.score).toBeCloseTo(expected[i]?.score as number, 5);
      expected[i]?.box.forEach((v, k) => expect(detection.box[k]).toBeCloseTo(Math.min(64, Math.max(0, v)), 3));
    });
  });
});

describe('canvasToImage', () => {
  it('undoes a centre crop (OWL-ViT: shortest edge then crop)', () => {
    // 64×32 image, resized to 64×32, centre crop 32×32 at x = 16
    const map = canvasToImage({ canvasWidth: 32, canvasHeight: 32, resizedWidth: 64, resizedHeight: 32, offsetX: 16, offsetY: 0 }, { width: 64, height: 32 });
    expect(map([0.5, 0.5, 0.5, 0.5], 0)).toEqual([24, 8, 40, 24]);
  });

  it('undoes padding and resizing (image in the top-left of a square canvas)', () => {
    // 64×32 image resized to 32×16 inside a 32×32 canvas: canvas px × 2 on both axes
    const map = canvasToImage({ canvasWidth: 32, canvasHeight: 32, resizedWidth: 32, resizedHeight: 16, offsetX: 0, offsetY: 0 }, { width: 64, height: 32 });
    expect(map([0.5, 0.25, 0.25, 0.25], 0)).toEqual([24, 8, 40, 24]);
    // boxes reaching into the padding are clamped to the image
    expect(map([0.5, 0.9, 0.25, 0.2], 0)).toEqual([24, 32, 40, 32]);
  });
});

describe('transformers backend errors', () => {
  it('a hub id offline or a missing folder is a model load error for the whole call', async () => {
    const reward = createDetectorReward({ backend: { type: 'transformers', model: 'IDEA-Research/grounding-dino-tiny-not-here' } });
    await expect(reward.doScore([{ image: createRgbImage(new Uint8Array(12), 2, 2), prompt: 'a dog' }])).rejects.toSatisfy((e) => ModelLoadError.isInstance(e));
    await reward.dispose();
  });
});

describe('transformers.js backend downloads', () => {
  it('asks for local files only unless the expert opted in, whatever the process-wide setting says', async () => {
    const calls: { model: string; options: Record<string, unknown> }[] = [];
    const refuse = (model: string, options: Record<string, unknown>) => {
      calls.push({ model, options });
      return Promise.reject(new Error('offline'));
    };
    const fake = {
      env: { allowRemoteModels: true },
      AutoProcessor: { from_pretrained: refuse },
      AutoTokenizer: { from_pretrained: refuse },
      AutoModelForZeroShotObjectDetection: { from_pretrained: refuse },
    } as unknown as ConstructorParameters<typeof TransformersDetectorBackend>[0]['transformers'];
    for (const allowRemoteModels of [false, true]) {
      calls.length = 0;
      const backend = new TransformersDetectorBackend({ model: 'org/some-detector', transformers: fake, allowRemoteModels, cacheDir: '/cache' });
      await expect(backend.load()).rejects.toSatisfy(ModelLoadError.isInstance);
      expect(calls.length).toBeGreaterThan(0);
      for (const { options } of calls) expect(options).toMatchObject({ local_files_only: !allowRemoteModels, cache_dir: '/cache' });
    }
  });
});

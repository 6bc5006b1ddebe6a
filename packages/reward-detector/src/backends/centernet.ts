import { existsSync, statSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import {
  didYouMean,
  isModelPath,
  ModelLoadError,
  type RgbImage,
  type TfjsBackendChoice,
  type TfjsModule,
  loadTfjs,
  memoizeAsync,
  throwIfAborted,
} from '@t2i-reward/core';
import type { GraphModel, Tensor } from '@tensorflow/tfjs';
import type { Detection } from '../scoring/boxes.js';
import { COCO_CLASSES } from '../coco.js';
import { cocoVocabulary } from '../vocabulary.js';
import type { DetectorBackend } from './types.js';

/** CenterNet (MobileNetV3 backbone, COCO-80) as shipped by @vladmandic/human: fixed input [1, 512, 512, 3]. */
export const CENTERNET_INPUT_SIZE = 512;
const DETECTIONS_OUTPUT = 'tower_0/detections';

/**
 * Path of the CenterNet graph model inside the installed @vladmandic/human package, found along Node's module
 * search path (the package's `exports` map exposes neither package.json nor the models folder).
 */
export function centernetModelPath(): string {
  const require = createRequire(import.meta.url);
  for (const dir of require.resolve.paths('@vladmandic/human') ?? []) {
    const candidate = path.join(dir, '@vladmandic', 'human', 'models', 'centernet.json');
    if (existsSync(candidate)) return candidate;
  }
  throw new ModelLoadError('the CenterNet weights come with @vladmandic/human, which is not installed (npm install @vladmandic/human)');
}

export interface CenterNetBackendOptions {
  /** 'centernet' (the bundled weights) or the path of a TF.js graph model.json with the same outputs. */
  model?: string;
  /** TF.js backend: 'auto' (default: tfjs-node-gpu when installed, else wasm, else cpu). */
  runtime?: TfjsBackendChoice;
  /** Extra noun → COCO class synonyms. */
  synonyms?: Record<string, string>;
  /** Injected TF.js module (tests, custom builds); otherwise loaded lazily. */
  tf?: TfjsModule;
}

/** The built-in TF.js detector models, by name. */
export const BUILTIN_TFJS_MODELS = ['centernet'] as const;

/**
 * A `model` that is not a built-in name must be an existing TF.js model.json: checked before TF.js loads, one line
 * saying what is wrong; a name close to a built-in one ("centrenet") is answered with the known names.
 */
export function checkTfjsModelPath(model: string): string {
  const modelPath = path.resolve(model);
  if (existsSync(modelPath) && statSync(modelPath).isFile()) return modelPath;
  const isName = !isModelPath(model) && !model.includes('/') && !model.includes('\\') && !model.endsWith('.json');
  if (isName) {
    throw new ModelLoadError(
      `unknown TF.js detector model '${model}'${didYouMean(model, BUILTIN_TFJS_MODELS)}: give a built-in model (${BUILTIN_TFJS_MODELS.join(', ')}) or the path of a TF.js graph model.json`,
      { data: { model, known: [...BUILTIN_TFJS_MODELS] } },
    );
  }
  if (!existsSync(modelPath))
    throw new ModelLoadError(`TF.js detector model ${modelPath} does not exist (give a graph model.json, or 'centernet')`, { data: { model: modelPath } });
  throw new ModelLoadError(`TF.js detector model ${modelPath} is a folder: give its model.json`, { data: { model: modelPath } });
}

/** Reads a graph model.json and its weight shards from disk (plain @tensorflow/tfjs has no file:// handler). */
export async function loadGraphModelFromFile(tf: TfjsModule, modelJsonPath: string): Promise<GraphModel> {
  let json: unknown;
  try {
    json = JSON.parse(await fs.readFile(modelJsonPath, 'utf8'));
  } catch (error) {
    throw new ModelLoadError(`cannot read TF.js model ${modelJsonPath}`, { cause: error });
  }
  const dir = path.dirname(modelJsonPath);
  const handler = {
    load: () =>
      tf.io.getModelArtifactsForJSON(json as Parameters<TfjsModule['io']['getModelArtifactsForJSON']>[0], async (manifest) => {
        const shards = await Promise.all(manifest.flatMap((group) => group.paths.map((p) => fs.readFile(path.join(dir, p)))));
        const all = Buffer.concat(shards);
        const weights = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
        return [manifest.flatMap((group) => group.weights), weights];
      }),
  };
  try {
    return await tf.loadGraphModel(handler);
  } catch (error) {
    throw new ModelLoadError(`cannot load TF.js graph model ${modelJsonPath}`, { cause: error });
  }
}

/** Where an image sits in the 512×512 input: scaled to fit, centred (offsets dx, dy), zeros around. */
export function letterbox(image: { width: number; height: number }): { scale: number; width: number; height: number; dx: number; dy: number } {
  const scale = CENTERNET_INPUT_SIZE / Math.max(image.width, image.height);
  const width = Math.min(CENTERNET_INPUT_SIZE, Math.max(1, Math.round(image.width * scale)));
  const height = Math.min(CENTERNET_INPUT_SIZE, Math.max(1, Math.round(image.height * scale)));
  return { scale, width, height, dx: Math.floor((CENTERNET_INPUT_SIZE - width) / 2), dy: Math.floor((CENTERNET_INPUT_SIZE - height) / 2) };
}

/**
 * The CenterNet COCO-80 detector on TF.js. Images are letterboxed into 512×512 (aspect kept, centred, black
 * borders) as float RGB 0..255, the preprocessing of the model's own inference code; output rows are
 * x1, y1, x2, y2 (input pixels), score, 0-based COCO class, mapped back to image pixels.
 */
export class CenterNetBackend implements DetectorBackend {
  readonly id: string;
  readonly vocabulary;
  readonly #options: CenterNetBackendOptions;
  readonly #loaded = memoizeAsync(() => this.#load());

  constructor(options: CenterNetBackendOptions = {}) {
    this.#options = options;
    this.id = `tfjs/${options.model && options.model !== 'centernet' ? path.basename(options.model, '.json') : 'centernet'}`;
    this.vocabulary = cocoVocabulary(options.synonyms);
  }

  /** Loads TF.js and the graph model (idempotent; concurrent callers share one load). */
  load(): Promise<{ tf: TfjsModule; model: GraphModel }> {
    return this.#loaded();
  }

  async #load(): Promise<{ tf: TfjsModule; model: GraphModel }> {
    // The model's location first (one line naming what is wrong), then TF.js.
    const modelPath = !this.#options.model || this.#options.model === 'centernet' ? centernetModelPath() : checkTfjsModelPath(this.#options.model);
    const tf = this.#options.tf ?? (await loadTfjs({ backend: this.#options.runtime ?? 'auto' })).tf;
    const model = await loadGraphModelFromFile(tf, modelPath);
    if (!model.outputs.some((o) => o.name === DETECTIONS_OUTPUT)) {
      model.dispose();
      throw new ModelLoadError(`${modelPath} has no '${DETECTIONS_OUTPUT}' output: not a CenterNet graph model`);
    }
    return { tf, model };
  }

  /**
   * The model input for one image: [1, 512, 512, 3] float 0..255, the image scaled to fit (aspect kept) and
   * centred on black, as the model's own inference code feeds it (610265158/mobilenetv3_centernet). Caller disposes.
   */
  preprocess(tf: TfjsModule, image: RgbImage): Tensor {
    const { width, height, dx, dy } = letterbox(image);
    return tf.tidy(() => {
      const pixels = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
      const resized = tf.image.resizeBilinear(pixels, [height, width]);
      const padded = tf.pad(resized, [
        [dy, CENTERNET_INPUT_SIZE - height - dy],
        [dx, CENTERNET_INPUT_SIZE - width - dx],
        [0, 0],
      ]);
      return padded.expandDims(0);
    });
  }

  /** Raw model call on a preprocessed input: the [1, 100, 6] detections tensor (caller disposes). */
  execute(model: GraphModel, input: Tensor): Tensor {
    return model.execute(input, DETECTIONS_OUTPUT) as Tensor;
  }

  /** Detection rows (input pixels) to image-pixel detections. */
  postprocess(rows: Float32Array | Int32Array | Uint8Array, image: RgbImage): Detection[] {
    const { scale, dx, dy } = letterbox(image);
    const detections: Detection[] = [];
    for (let i = 0; i + 6 <= rows.length; i += 6) {
      const label = COCO_CLASSES[rows[i + 5] as number];
      const score = rows[i + 4] as number;
      if (label === undefined || !(score > 0)) continue;
      const clampX = (v: number) => Math.min(image.width, Math.max(0, (v - dx) / scale));
      const clampY = (v: number) => Math.min(image.height, Math.max(0, (v - dy) / scale));
      detections.push({
        label,
        score,
        box: [clampX(rows[i] as number), clampY(rows[i + 1] as number), clampX(rows[i + 2] as number), clampY(rows[i + 3] as number)],
      });
    }
    return detections;
  }

  async detect(images: readonly RgbImage[], _queries: readonly (readonly string[])[], signal?: AbortSignal): Promise<Detection[][]> {
    const { tf, model } = await this.load();
    // The graph has a fixed batch of 1: run the images one after another, read all outputs at the end.
    const outputs: Tensor[] = [];
    try {
      for (const image of images) {
        throwIfAborted(signal);
        const input = this.preprocess(tf, image);
        try {
          outputs.push(this.execute(model, input));
        } finally {
          input.dispose();
        }
      }
      const rows = await Promise.all(outputs.map((o) => o.data()));
      return rows.map((r, i) => this.postprocess(r as Float32Array, images[i] as RgbImage));
    } finally {
      for (const o of outputs) o.dispose();
    }
  }

  async dispose(): Promise<void> {
    const loaded = await this.#loaded.clear()?.catch(() => undefined);
    loaded?.model.dispose();
  }
}

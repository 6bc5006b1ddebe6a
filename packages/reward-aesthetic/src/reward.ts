import path from 'node:path';
import {
  BaseReward,
  InvalidImageInputError,
  ModelDisposedError,
  ModelLoadError,
  type RewardItemResult,
  type RewardSample,
  type RgbImage,
  type TransformersModule,
  checkModelLocation,
  failedResult,
  loadTransformers,
  pretrainedLoadOptions,
  rgbImageProblem,
  throwIfAborted,
  toRawImage,
} from '@t2i-reward/core';
import { AESTHETIC_HEAD_FILE, type AestheticHead, loadAestheticHead } from './head.js';
import { type ClipPreprocessing, clipResizeCrop, normaliseCrop, readClipPreprocessing } from './preprocess.js';
import { type AestheticRewardOptions, validateAestheticRewardOptions } from './options.js';
import { VERSION } from './version.js';

/** The predictor's range: it regresses AVA-style ratings from 1 to 10. */
export const AESTHETIC_RANGE: readonly [number, number] = [1, 10];

/** `details` of an aesthetic result (JSON). */
export interface AestheticDetails {
  /** The predictor's rating (= raw), on its ~1–10 scale. */
  aesthetic: number;
  /** L2 norm of the CLIP image embedding before normalisation. */
  embeddingNorm: number;
}

/** The normalised score: (raw − 1) / 9, clamped to [0, 1]. */
export function normaliseAesthetic(raw: number): number {
  const [low, high] = AESTHETIC_RANGE;
  return Math.min(1, Math.max(0, (raw - low) / (high - low)));
}

type AnyModel = Awaited<ReturnType<TransformersModule['PreTrainedModel']['from_pretrained']>>;
interface Loaded {
  runtime: TransformersModule;
  processor: Awaited<ReturnType<TransformersModule['AutoImageProcessor']['from_pretrained']>>;
  vision: AnyModel;
  head: AestheticHead;
  /** The CLIP preprocessing done here (PIL-like resize); undefined: transformers.js' processor does it. */
  steps: ClipPreprocessing | undefined;
}

/**
 * The LAION improved aesthetic predictor (christophschuhmann/improved-aesthetic-predictor; DDPO's and Flow-GRPO's
 * aesthetic reward): the CLIP ViT-L/14 image embedding (HF `get_image_features`), L2-normalised, through the
 * predictor's MLP (768 → 1024 → 128 → 64 → 16 → 1, no activations). raw = the rating (~1–10), score =
 * (raw − 1) / 9 clamped to [0, 1]. The prompt is not used. The image tower runs on transformers.js (onnxruntime).
 */
export class AestheticReward extends BaseReward {
  readonly model: string;
  readonly headFile: string;
  /** Where the CLIP image tower is read from (`options.clip`, else `model`). */
  readonly clip: string;
  #loaded: Loaded | undefined;

  constructor(options: AestheticRewardOptions) {
    const head = options.head ?? path.join(options.model, AESTHETIC_HEAD_FILE);
    const clip = options.clip !== undefined && options.clip !== options.model ? `+${path.basename(options.clip)}` : '';
    super({ kind: 'aesthetic', modelId: `aesthetic/laion-improved/${path.basename(options.model)}${clip}`, version: VERSION });
    this.model = options.model;
    this.headFile = head;
    this.clip = options.clip ?? options.model;
  }

  /** Loads the image processor, the vision tower and the head (idempotent). */
  load(): Promise<Loaded> {
    return this.loadOnce(async () => {
      const source = checkModelLocation(this.clip, 'CLIP model', ['config.json', 'preprocessor_config.json', 'onnx/vision_model.onnx']);
      const head = await loadAestheticHead(this.headFile);
      const runtime = await loadTransformers();
      const pretrained = pretrainedLoadOptions({}, true);
      let loaded: Loaded;
      try {
        const [processor, vision, steps] = await Promise.all([
          runtime.AutoImageProcessor.from_pretrained(source.location, pretrained),
          runtime.CLIPVisionModelWithProjection.from_pretrained(source.location, { ...pretrained, dtype: 'fp32' } as Parameters<
            TransformersModule['PreTrainedModel']['from_pretrained']
          >[1]),
          readClipPreprocessing(source.location),
        ]);
        loaded = { runtime, processor, vision, head, steps };
      } catch (error) {
        throw new ModelLoadError(`cannot load the CLIP image tower from ${source.location}: ${(error as Error).message}`, { cause: error });
      }
      if (this.disposed) {
        await loaded.vision.dispose();
        throw new ModelDisposedError(`${this.modelId} was disposed while loading`);
      }
      this.#loaded = loaded;
      return loaded;
    });
  }

  protected override async onDispose(): Promise<void> {
    await this.#loaded?.vision.dispose();
    this.#loaded = undefined;
  }

  /** The CLIP image embeddings (not normalised), one row per image. */
  async embed(images: readonly RgbImage[]): Promise<Float32Array[]> {
    const { runtime, processor, vision, steps } = await this.load();
    let pixel_values: unknown;
    if (steps) {
      // HF CLIPImageProcessor's steps with PIL's antialiased bicubic (transformers.js point-samples when it shrinks).
      const plane = steps.cropHeight * steps.cropWidth;
      const data = new Float32Array(images.length * 3 * plane);
      const crops = await Promise.all(images.map((image) => clipResizeCrop(image, steps)));
      crops.forEach((crop, i) => normaliseCrop(crop, steps, data, i * 3 * plane));
      pixel_values = new runtime.Tensor('float32', data, [images.length, 3, steps.cropHeight, steps.cropWidth]);
    } else {
      pixel_values = ((await processor(images.map((image) => toRawImage(runtime.RawImage, image)))) as { pixel_values: unknown }).pixel_values;
    }
    const output = (await vision({ pixel_values })) as Record<string, { data: Float32Array; dims: number[] } | undefined>;
    const embeds = output['image_embeds'];
    if (!embeds) throw new ModelLoadError(`${this.clip}: the vision model has no image_embeds output`);
    const width = embeds.dims[1]!;
    return images.map((_, i) => embeds.data.slice(i * width, (i + 1) * width));
  }

  protected async scoreBatch(samples: readonly RewardSample[], signal: AbortSignal | undefined): Promise<RewardItemResult[]> {
    const results: (RewardItemResult | undefined)[] = samples.map((sample, index) => {
      const problem = rgbImageProblem(sample.image);
      return problem ? failedResult(new InvalidImageInputError(problem, { data: { index } })) : undefined;
    });
    const todo = samples.map((_, i) => i).filter((i) => results[i] === undefined);
    if (todo.length > 0) {
      const { head } = await this.load();
      throwIfAborted(signal);
      const embeddings = await this.embed(todo.map((i) => samples[i]!.image));
      throwIfAborted(signal);
      todo.forEach((index, k) => {
        const embedding = embeddings[k]!;
        // As the predictor: embedding / ‖embedding‖ (a zero vector stays zero, as numpy's `normalized` leaves it).
        const norm = Math.hypot(...embedding);
        const normalised = Array.from(embedding, (v) => (norm === 0 ? v : v / norm));
        const raw = head.apply(normalised);
        const details: AestheticDetails = { aesthetic: raw, embeddingNorm: norm };
        results[index] = { score: normaliseAesthetic(raw), raw, details: { ...details }, warnings: [] };
      });
    }
    return results.map((result) => result!);
  }
}

/** Creates the aesthetic reward from a CLIP ViT-L/14 folder holding (or next to) the predictor's head. */
export function createAestheticReward(options: AestheticRewardOptions): AestheticReward {
  validateAestheticRewardOptions(options);
  return new AestheticReward(options);
}

/** One line on why an aesthetic result scored what it did, for tables and reports. */
export function explainAesthetic(details: Record<string, unknown> | undefined): string {
  if (!details || typeof details.aesthetic !== 'number') return '';
  return `LAION aesthetic ${details.aesthetic.toFixed(2)} on its 1–10 scale`;
}

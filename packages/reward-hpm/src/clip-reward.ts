import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  BaseReward,
  InvalidImageInputError,
  ModelDisposedError,
  ModelLoadError,
  T2IRewardError,
  pretrainedLoadOptions,
  checkModelLocation,
  throwIfAborted,
} from '@t2i-reward/core';
import type { RewardItemResult, RewardSample, RgbImage } from '@t2i-reward/core';
import { LRUCache } from 'lru-cache';
import { letterbox } from './letterbox.js';
import { dtypeLabel, onnxFileName, toOrtSessionOptions, type HpmRewardOptions } from './options.js';
import { transformersRuntime, type TransformersModule } from './runtime.js';
import { cosineSimilarity, scoreVariant, type ClipVariant } from './scoring.js';
import { padRows, truncateIds } from './tokens.js';
import { VERSION } from './version.js';

/** The CLIP scorer's settings: the factory options (documented on HpmRewardOptions) with the variant and model resolved. */
export type ClipRewardInit = Pick<
  HpmRewardOptions,
  | 'layout'
  | 'logitScale'
  | 'pickscoreNormalization'
  | 'textCacheSize'
  | 'maxImageBatch'
  | 'allowRemoteModels'
  | 'cacheDir'
  | 'device'
  | 'dtype'
  | 'session'
  | 'imageResize'
> & {
  variant: ClipVariant;
  /** Local folder (HF layout) or hub id. */
  model: string;
  /** Folder that relative model paths are resolved against (a config file's folder). */
  baseDir?: string;
};

/** Counters behind the batching / caching guarantees (tests assert on them; the bench reports them). */
export interface ClipRewardStats {
  /** Text-encoder session calls. */
  textEncoderCalls: number;
  /** Prompts run through the text encoder (distinct per call, cache misses only). */
  textsEncoded: number;
  /** Prompts served from the cross-call LRU. */
  textCacheHits: number;
  /** Image-encoder session calls. */
  imageEncoderCalls: number;
  imagesEncoded: number;
}

interface TextEntry {
  embedding: Float32Array;
  tokenCount: number;
  truncatedFrom: number | undefined;
}

type AnyModel = Awaited<ReturnType<TransformersModule['PreTrainedModel']['from_pretrained']>>;

interface LoadedClip {
  runtime: TransformersModule;
  tokenizer: Awaited<ReturnType<TransformersModule['AutoTokenizer']['from_pretrained']>>;
  imageProcessor: Awaited<ReturnType<TransformersModule['AutoImageProcessor']['from_pretrained']>>;
  /** split layout: two towers; combined: one CLIPModel. */
  textModel?: AnyModel;
  visionModel?: AnyModel;
  combinedModel?: AnyModel;
  maxLength: number;
  padId: number;
  eosId: number;
  inputSize: number;
  /** Text inputs the text session takes besides input_ids (attention_mask in some exports). */
  wantsAttentionMask: boolean;
  /** exp(logit_scale) written by our export scripts into config.json (`t2i_reward.logit_scale`), if any. */
  configLogitScale: number | undefined;
  family: ClipFamily;
  /** Direct path for images the processor would not resize or crop; undefined when its config does more than that. */
  fastNormalize: FastNormalize | undefined;
}

/** What differs between the CLIP and SigLIP families for the split layout. */
interface ClipFamily {
  name: 'clip' | 'siglip';
  /** Output holding the projected embedding of the text / vision tower. */
  textOutput: string;
  imageOutput: string;
  /** SigLIP pools the text at the last position, so it must be padded to max_length as in training. */
  padToMaxLength: boolean;
}

const FAMILIES: Record<'clip' | 'siglip', ClipFamily> = {
  clip: { name: 'clip', textOutput: 'text_embeds', imageOutput: 'image_embeds', padToMaxLength: false },
  siglip: { name: 'siglip', textOutput: 'pooler_output', imageOutput: 'pooler_output', padToMaxLength: true },
};

const DEFAULT_TEXT_CACHE = 1024;
const DEFAULT_MAX_IMAGE_BATCH = 32;
const DEFAULT_LOGIT_SCALE = 100;

/**
 * CLIP-family preference / alignment scorer (HPS v2 / v2.1, PickScore, CLIPScore, raw cosine) on transformers.js,
 * for CLIP and SigLIP checkpoints (config.json model_type 'clip' | 'siglip').
 * Per batch: each distinct prompt is encoded once (and cached across calls), images go through the vision tower in
 * one session call (chunks of `maxImageBatch`), the score is the cosine of the L2-normalised embeddings mapped by
 * the variant's formula (see scoring.ts).
 */
export class ClipReward extends BaseReward {
  readonly variant: ClipVariant;
  readonly stats: ClipRewardStats = { textEncoderCalls: 0, textsEncoded: 0, textCacheHits: 0, imageEncoderCalls: 0, imagesEncoded: 0 };
  readonly #init: ClipRewardInit;
  readonly #textCache: LRUCache<string, TextEntry> | undefined;
  readonly #imageResize: 'letterbox' | 'processor';
  #loaded: LoadedClip | undefined;

  constructor(init: ClipRewardInit) {
    super({ kind: 'hpm', modelId: clipModelId(init), version: VERSION });
    this.variant = init.variant;
    this.#init = init;
    const cacheSize = init.textCacheSize ?? DEFAULT_TEXT_CACHE;
    this.#textCache = cacheSize > 0 ? new LRUCache<string, TextEntry>({ max: cacheSize }) : undefined;
    this.#imageResize = init.imageResize ?? (init.variant === 'hps-v2' || init.variant === 'hps-v2.1' ? 'letterbox' : 'processor');
  }

  /** Loads tokenizer, image processor and sessions (once; concurrent callers share the load). */
  load(): Promise<LoadedClip> {
    return this.loadOnce(async () => {
      const loaded = await this.#load();
      if (this.disposed) {
        await disposeModels(loaded);
        throw new ModelDisposedError(`${this.modelId} was disposed while loading`);
      }
      this.#loaded = loaded;
      return loaded;
    });
  }

  async #load(): Promise<LoadedClip> {
    // A folder (not a hub name) is checked before any runtime loads: one line naming what is missing.
    const source = checkModelLocation(this.#init.model, 'CLIP model', ['config.json'], this.#init.baseDir);
    const runtime = await transformersRuntime(this.#init.allowRemoteModels ?? false);
    const pretrained = pretrainedLoadOptions(this.#init, source.local);
    const modelOptions = {
      ...pretrained,
      ...(this.#init.device ? { device: this.#init.device } : {}),
      ...(this.#init.dtype ? { dtype: transformersDtype(this.#init.dtype) } : {}),
      session_options: toOrtSessionOptions(this.#init.session),
    } as Parameters<TransformersModule['PreTrainedModel']['from_pretrained']>[1];
    const layout = this.#resolveLayout(source.location, source.local);
    try {
      const config = (await runtime.AutoConfig.from_pretrained(source.location, pretrained)) as unknown as { model_type?: string };
      if (config.model_type !== 'clip' && config.model_type !== 'siglip') {
        throw new ModelLoadError(`${source.location}: model_type '${String(config.model_type)}' is not a CLIP or SigLIP model`);
      }
      const family = FAMILIES[config.model_type];
      const classes =
        family.name === 'clip'
          ? { text: runtime.CLIPTextModelWithProjection, vision: runtime.CLIPVisionModelWithProjection, combined: runtime.CLIPModel }
          : { text: runtime.SiglipTextModel, vision: runtime.SiglipVisionModel, combined: runtime.SiglipModel };
      const [tokenizer, imageProcessor] = await Promise.all([
        runtime.AutoTokenizer.from_pretrained(source.location, pretrained),
        runtime.AutoImageProcessor.from_pretrained(source.location, pretrained),
      ]);
      let textModel: AnyModel | undefined;
      let visionModel: AnyModel | undefined;
      let combinedModel: AnyModel | undefined;
      if (layout === 'split') {
        [textModel, visionModel] = await Promise.all([
          classes.text.from_pretrained(source.location, modelOptions),
          classes.vision.from_pretrained(source.location, modelOptions),
        ]);
      } else {
        combinedModel = await classes.combined.from_pretrained(source.location, modelOptions);
      }
      const textSession = (textModel ?? combinedModel)?.sessions['model'] as { inputNames: string[] } | undefined;
      const eosId = (tokenizer.eos_token_id as number | undefined) ?? undefined;
      const padId = (tokenizer.pad_token_id as number | undefined) ?? eosId;
      if (eosId === undefined || padId === undefined) throw new Error('tokenizer has no <|endoftext|> / pad token');
      const processorConfig = imageProcessor.config as unknown as { crop_size?: { height?: number }; size?: { shortest_edge?: number; height?: number } };
      const inputSize = processorConfig.crop_size?.height ?? processorConfig.size?.shortest_edge ?? processorConfig.size?.height ?? 224;
      const maxLength = Number.isFinite(tokenizer.model_max_length) ? tokenizer.model_max_length : 77;
      const exported = ((textModel ?? combinedModel)?.config as { t2i_reward?: { logit_scale?: unknown } } | undefined)?.t2i_reward;
      const configLogitScale = typeof exported?.logit_scale === 'number' && exported.logit_scale > 0 ? exported.logit_scale : undefined;
      return {
        runtime,
        tokenizer,
        imageProcessor,
        textModel,
        visionModel,
        combinedModel,
        maxLength,
        padId,
        eosId,
        inputSize,
        wantsAttentionMask: textSession?.inputNames.includes('attention_mask') ?? false,
        configLogitScale,
        family,
        fastNormalize: fastNormalizer(runtime, imageProcessor),
      };
    } catch (cause) {
      if (T2IRewardError.isInstance(cause)) throw cause;
      throw new ModelLoadError(`cannot load CLIP model from ${source.location}: ${(cause as Error).message}`, { cause });
    }
  }

  #resolveLayout(location: string, local: boolean): 'split' | 'combined' {
    const layout = this.#init.layout ?? 'auto';
    if (layout !== 'auto') return layout;
    if (!local) return 'split'; // hub CLIP exports (Xenova/*) ship text_model.onnx + vision_model.onnx
    const [text, vision, combined] = ['text_model', 'vision_model', 'model'].map((session) => join('onnx', onnxFileName(session, this.#init.dtype)));
    if (existsSync(join(location, text!)) && existsSync(join(location, vision!))) return 'split';
    if (existsSync(join(location, combined!))) return 'combined';
    throw new ModelLoadError(
      `${location} has neither ${text} + ${vision} nor ${combined}${combined!.endsWith('_quantized.onnx') ? ' (q8 files: scripts/quantize_onnx.py on the folder)' : ''}`,
    );
  }

  /** Token ids of one prompt, truncated CLIP-style to the context length (last token forced to <|endoftext|>). */
  #tokenize(loaded: LoadedClip, prompt: string): { ids: number[]; truncatedFrom: number | undefined } {
    return truncateIds(loaded.tokenizer.encode(prompt) as number[], loaded.maxLength, loaded.eosId);
  }

  /** int64 [n, longest] padded with the pad id; CLIP's causal text tower makes right padding invisible at EOS. */
  #textFeeds(loaded: LoadedClip, rows: number[][]): Record<string, unknown> {
    const { Tensor } = loaded.runtime;
    const width = loaded.family.padToMaxLength ? loaded.maxLength : Math.max(...rows.map((r) => r.length));
    const { ids, mask } = padRows(rows, width, loaded.padId);
    const feeds: Record<string, unknown> = { input_ids: new Tensor('int64', ids, [rows.length, width]) };
    if (loaded.wantsAttentionMask) feeds.attention_mask = new Tensor('int64', mask, [rows.length, width]);
    return feeds;
  }

  async #pixelValues(loaded: LoadedClip, images: readonly RgbImage[]): Promise<unknown> {
    const { RawImage, Tensor } = loaded.runtime;
    if (this.#imageResize === 'letterbox') images = await Promise.all(images.map((image) => letterbox(image, loaded.inputSize)));
    const toRaw = (image: RgbImage) =>
      new RawImage(new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.byteLength), image.width, image.height, 3);
    const fast = loaded.fastNormalize;
    const direct = fast ? images.map((image) => fast.accepts(image)) : images.map(() => false);
    if (!direct.some(Boolean)) {
      const { pixel_values } = (await loaded.imageProcessor(images.map(toRaw))) as { pixel_values: unknown };
      return pixel_values;
    }
    // Images already at the model's input size: the processor's resize and crop are no-ops for them, so rescale +
    // normalise + HWC→CHW run as one loop straight into the batch tensor (same float32 arithmetic as transformers.js).
    const { height, width } = fast!;
    const plane = height * width;
    const data = new Float32Array(images.length * 3 * plane);
    const others = images.map((_, i) => i).filter((i) => !direct[i]);
    if (others.length > 0) {
      const { pixel_values } = (await loaded.imageProcessor(others.map((i) => toRaw(images[i]!)))) as { pixel_values: { data: Float32Array } };
      others.forEach((i, k) => data.set(pixel_values.data.subarray(k * 3 * plane, (k + 1) * 3 * plane), i * 3 * plane));
    }
    images.forEach((image, i) => {
      if (direct[i]) fast!.write(image, data, i * 3 * plane);
    });
    return new Tensor('float32', data, [images.length, 3, height, width]);
  }

  /** Text embeddings of the distinct prompts, from the LRU or one text-encoder call for the misses. */
  async #textEmbeddings(loaded: LoadedClip, prompts: readonly string[]): Promise<Map<string, TextEntry>> {
    const result = new Map<string, TextEntry>();
    const missing: string[] = [];
    for (const prompt of prompts) {
      const cached = this.#textCache?.get(prompt);
      if (cached) {
        this.stats.textCacheHits++;
        result.set(prompt, cached);
      } else missing.push(prompt);
    }
    if (missing.length === 0 || !loaded.textModel) return result;
    const tokenized = missing.map((prompt) => this.#tokenize(loaded, prompt));
    this.stats.textEncoderCalls++;
    this.stats.textsEncoded += missing.length;
    const output = (await loaded.textModel(
      this.#textFeeds(
        loaded,
        tokenized.map((t) => t.ids),
      ),
    )) as Record<string, { data: Float32Array; dims: number[] }>;
    const embeds = output[loaded.family.textOutput];
    if (!embeds) throw new ModelLoadError(`text model has no ${loaded.family.textOutput} output`);
    const dim = embeds.dims[1] as number;
    missing.forEach((prompt, i) => {
      const entry: TextEntry = {
        embedding: embeds.data.slice(i * dim, (i + 1) * dim),
        tokenCount: tokenized[i]!.ids.length,
        truncatedFrom: tokenized[i]!.truncatedFrom,
      };
      this.#textCache?.set(prompt, entry);
      result.set(prompt, entry);
    });
    return result;
  }

  protected async scoreBatch(samples: readonly RewardSample[], signal: AbortSignal | undefined): Promise<RewardItemResult[]> {
    const loaded = await this.load();
    throwIfAborted(signal);
    const results: (RewardItemResult | undefined)[] = samples.map((sample) => {
      const { width, height, data } = sample.image;
      if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || data.length !== width * height * 3) {
        return {
          score: null,
          raw: null,
          warnings: [],
          error: new InvalidImageInputError(`image must be RGB with data.length = width·height·3 (got ${data.length} for ${width}×${height})`),
        };
      }
      return undefined;
    });
    const todo = samples.map((_, i) => i).filter((i) => results[i] === undefined);
    const prompts = [...new Set(todo.map((i) => samples[i]!.prompt))];
    const maxBatch = this.#init.maxImageBatch ?? DEFAULT_MAX_IMAGE_BATCH;
    let texts: Map<string, TextEntry>;
    const imageEmbeddings: Float32Array[] = [];
    if (loaded.combinedModel) {
      texts = new Map();
      for (let start = 0; start < todo.length; start += maxBatch) {
        throwIfAborted(signal);
        const chunk = todo.slice(start, start + maxBatch);
        const chunkPrompts = [...new Set(chunk.map((i) => samples[i]!.prompt))];
        const { text, images } = await this.#runCombined(
          loaded,
          chunkPrompts,
          chunk.map((i) => samples[i]!.image),
        );
        chunkPrompts.forEach((prompt, k) => texts.set(prompt, text[k]!));
        imageEmbeddings.push(...images);
      }
    } else {
      // Image preprocessing (JS) overlaps the text-encoder run (ORT threads), and chunk k+1's preprocessing
      // overlaps chunk k's vision run. The no-op catches keep a rejection that lands while we await something
      // else from counting as unhandled; the awaits below still throw it.
      const pending = settleLater(this.#textEmbeddings(loaded, prompts));
      const chunks: RgbImage[][] = [];
      for (let start = 0; start < todo.length; start += maxBatch) chunks.push(todo.slice(start, start + maxBatch).map((i) => samples[i]!.image));
      let nextPixels = chunks[0] ? settleLater(this.#pixelValues(loaded, chunks[0])) : undefined;
      for (let k = 0; k < chunks.length; k++) {
        const pixels = await nextPixels!;
        throwIfAborted(signal);
        nextPixels = chunks[k + 1] ? settleLater(this.#pixelValues(loaded, chunks[k + 1]!)) : undefined;
        imageEmbeddings.push(...(await this.#encodeImages(loaded, pixels, chunks[k]!.length)));
      }
      texts = await pending;
    }
    const scoring = {
      logitScale: this.#init.logitScale ?? loaded.configLogitScale ?? DEFAULT_LOGIT_SCALE,
      pickscoreNormalization: this.#init.pickscoreNormalization ?? 'divide-26',
    };
    todo.forEach((index, k) => {
      const sample = samples[index]!;
      const text = texts.get(sample.prompt)!;
      const cosine = cosineSimilarity(imageEmbeddings[k]!, text.embedding);
      const warnings: string[] = [];
      if (sample.prompt.trim() === '') warnings.push('empty prompt: scored against the empty text');
      if (text.truncatedFrom !== undefined) {
        warnings.push(`prompt truncated to ${loaded.maxLength} tokens (it has ${text.truncatedFrom}): CLIP's text context is ${loaded.maxLength} tokens`);
      }
      const { width, height } = sample.image;
      if (Math.min(width, height) < loaded.inputSize / 4) {
        warnings.push(`image is ${width}×${height}, upscaled to the model's ${loaded.inputSize}px input: the score says little`);
      }
      const { raw, score } = scoreVariant(this.variant, cosine, scoring);
      results[index] = { score, raw, warnings, details: { variant: this.variant, cosine, promptTokens: text.tokenCount, imageResize: this.#imageResize } };
    });
    return results as RewardItemResult[];
  }

  async #encodeImages(loaded: LoadedClip, pixelValues: unknown, count: number): Promise<Float32Array[]> {
    this.stats.imageEncoderCalls++;
    this.stats.imagesEncoded += count;
    const output = (await loaded.visionModel!({ pixel_values: pixelValues })) as Record<string, { data: Float32Array; dims: number[] }>;
    const embeds = output[loaded.family.imageOutput];
    if (!embeds) throw new ModelLoadError(`vision model has no ${loaded.family.imageOutput} output`);
    const dim = embeds.dims[1] as number;
    return Array.from({ length: count }, (_, i) => embeds.data.slice(i * dim, (i + 1) * dim));
  }

  /** Combined layout (onnx/model.onnx): one call runs both towers; no text cache (the graph needs the text anyway). */
  async #runCombined(loaded: LoadedClip, prompts: readonly string[], images: readonly RgbImage[]): Promise<{ text: TextEntry[]; images: Float32Array[] }> {
    const tokenized = prompts.map((prompt) => this.#tokenize(loaded, prompt));
    const pixelValues = await this.#pixelValues(loaded, images);
    this.stats.textEncoderCalls++;
    this.stats.textsEncoded += prompts.length;
    this.stats.imageEncoderCalls++;
    this.stats.imagesEncoded += images.length;
    const output = (await loaded.combinedModel!({
      ...this.#textFeeds(
        loaded,
        tokenized.map((t) => t.ids),
      ),
      pixel_values: pixelValues,
    })) as Record<string, { data: Float32Array; dims: number[] }>;
    const textEmbeds = output['text_embeds'];
    const imageEmbeds = output['image_embeds'];
    if (!textEmbeds || !imageEmbeds) throw new ModelLoadError('CLIP model has no text_embeds / image_embeds outputs');
    const dim = textEmbeds.dims[1] as number;
    return {
      text: prompts.map((_, i) => ({
        embedding: textEmbeds.data.slice(i * dim, (i + 1) * dim),
        tokenCount: tokenized[i]!.ids.length,
        truncatedFrom: tokenized[i]!.truncatedFrom,
      })),
      images: images.map((_, i) => imageEmbeds.data.slice(i * dim, (i + 1) * dim)),
    };
  }

  /**
   * The L2-normalised embeddings the cosine is computed from, for zero-shot classification with prompt ensembles
   * (e.g. GenEval's colour classifier). Texts go through the same cache as scoring; images through the same
   * preprocessing. The combined layout (one graph for both towers) needs at least one image.
   */
  async embed(images: readonly RgbImage[], texts: readonly string[], signal?: AbortSignal): Promise<{ images: Float32Array[]; texts: Float32Array[] }> {
    const loaded = await this.load();
    throwIfAborted(signal);
    const unique = [...new Set(texts)];
    let textByPrompt: Map<string, TextEntry>;
    let imageEmbeddings: Float32Array[] = [];
    if (loaded.combinedModel) {
      if (images.length === 0 && texts.length > 0) throw new RangeError('the combined CLIP layout embeds texts only together with an image');
      const run = images.length === 0 ? { text: [], images: [] } : await this.#runCombined(loaded, unique, images);
      textByPrompt = new Map(unique.map((prompt, k) => [prompt, run.text[k]!]));
      imageEmbeddings = run.images;
    } else {
      textByPrompt = unique.length > 0 ? await this.#textEmbeddings(loaded, unique) : new Map();
      const maxBatch = this.#init.maxImageBatch ?? DEFAULT_MAX_IMAGE_BATCH;
      for (let start = 0; start < images.length; start += maxBatch) {
        throwIfAborted(signal);
        const chunk = images.slice(start, start + maxBatch);
        imageEmbeddings.push(...(await this.#encodeImages(loaded, await this.#pixelValues(loaded, chunk), chunk.length)));
      }
    }
    return { images: imageEmbeddings.map(l2Normalized), texts: texts.map((text) => l2Normalized(textByPrompt.get(text)!.embedding)) };
  }

  protected override async onDispose(): Promise<void> {
    const loaded = this.#loaded;
    this.#loaded = undefined;
    this.#textCache?.clear();
    if (loaded) await disposeModels(loaded);
  }
}

/** hpm/transformers/<variant>[/<pickscore normalisation>][/scale=<logit scale>][/<non-default resize>]/<model>. */
function clipModelId(init: ClipRewardInit): string {
  const parts = ['hpm', 'transformers', init.variant];
  if (init.variant === 'pickscore') {
    parts.push(init.pickscoreNormalization ?? 'divide-26');
    if (init.logitScale !== undefined) parts.push(`scale=${init.logitScale}`);
  }
  const defaultResize = init.variant === 'hps-v2' || init.variant === 'hps-v2.1' ? 'letterbox' : 'processor';
  if (init.imageResize && init.imageResize !== defaultResize) parts.push(init.imageResize);
  const dtype = dtypeLabel(init.dtype);
  if (dtype !== 'fp32') parts.push(dtype);
  return [...parts, init.model].join('/');
}

/** transformers.js' dtype: a per-session record names every CLIP session file (unnamed ones fp32, no fallback warning). */
function transformersDtype(dtype: NonNullable<ClipRewardInit['dtype']>): string | Record<string, string> {
  if (typeof dtype === 'string') return dtype;
  return {
    text_model: 'fp32',
    vision_model: 'fp32',
    model: 'fp32',
    ...(Object.fromEntries(Object.entries(dtype).filter(([, v]) => v !== undefined)) as Record<string, string>),
  };
}

interface FastNormalize {
  height: number;
  width: number;
  /** True when the processor's resize and centre crop leave this image as it is. */
  accepts(image: RgbImage): boolean;
  /** Writes the image's normalised CHW float32 values at `offset`. */
  write(image: RgbImage, out: Float32Array, offset: number): void;
}

interface ProcessorConfigView {
  do_resize?: boolean;
  do_center_crop?: boolean;
  do_rescale?: boolean;
  do_normalize?: boolean;
  do_pad?: boolean;
  do_thumbnail?: boolean;
  do_crop_margin?: boolean;
  do_flip_channel_order?: boolean;
  do_convert_grayscale?: boolean;
  size_divisibility?: number;
  rescale_factor?: number;
  image_mean?: number | number[];
  image_std?: number | number[];
  crop_size?: number | { width: number; height: number };
  size?: unknown;
  get_resize_output_image_size(image: { size: [number, number] }, size: unknown): [number, number];
}

/**
 * The direct path of #pixelValues, only for a plain transformers.js ImageProcessor (CLIP, SigLIP: no subclass
 * override) whose steps past resize / crop are rescale and normalise. The processor itself decides the geometry:
 * an image is accepted when its own get_resize_output_image_size keeps the size and the crop (if any) is that size.
 * Arithmetic matches ImageProcessor.preprocess: float32(x · rescale_factor), then float32((v − mean) / std).
 */
export function fastNormalizer(runtime: TransformersModule, processor: unknown): FastNormalize | undefined {
  const base = (runtime as unknown as { ImageProcessor?: { prototype: { preprocess: unknown } } }).ImageProcessor;
  const config = processor as ProcessorConfigView & { preprocess?: unknown };
  if (!base || config.preprocess !== base.prototype.preprocess) return undefined;
  if (config.do_pad || config.do_thumbnail || config.do_crop_margin || config.do_flip_channel_order || config.do_convert_grayscale) return undefined;
  if (config.size_divisibility !== undefined || typeof config.get_resize_output_image_size !== 'function') return undefined;
  const crop = config.do_center_crop
    ? typeof config.crop_size === 'number'
      ? { width: config.crop_size, height: config.crop_size }
      : config.crop_size
    : undefined;
  if (config.do_center_crop && (!crop || !Number.isInteger(crop.width) || !Number.isInteger(crop.height))) return undefined;
  const sizeOf = (width: number, height: number): [number, number] =>
    config.do_resize ? config.get_resize_output_image_size({ size: [width, height] }, config.size) : [width, height];
  // The model input size: what a crop yields, else what resize yields for a square (fixed-size processors only).
  let height: number;
  let width: number;
  if (crop) ({ height, width } = crop);
  else {
    try {
      [width, height] = sizeOf(1000, 1000);
    } catch {
      return undefined;
    }
    const [w2, h2] = sizeOf(500, 700);
    if (w2 !== width || h2 !== height) return undefined; // output size depends on the input: not a fixed-size processor
  }
  const channels = (value: number | number[] | undefined, fallback: number) => (Array.isArray(value) ? value : Array<number>(3).fill(value ?? fallback));
  const mean = channels(config.image_mean, 0);
  const std = channels(config.image_std, 1);
  if (mean.length !== 3 || std.length !== 3) return undefined;
  const rescale = config.do_rescale ? (config.rescale_factor ?? 1 / 255) : undefined;
  const normalize = config.do_normalize ?? false;
  const plane = height * width;
  return {
    height,
    width,
    accepts(image) {
      if (image.width !== width || image.height !== height) return false;
      try {
        const [w, h] = sizeOf(image.width, image.height);
        return w === width && h === height;
      } catch {
        return false;
      }
    },
    write(image, out, offset) {
      const { data } = image;
      for (let c = 0; c < 3; c++) {
        const m = mean[c]!;
        const s = std[c]!;
        const target = offset + c * plane;
        for (let i = 0; i < plane; i++) {
          let v = data[i * 3 + c]!;
          if (rescale !== undefined) v = Math.fround(rescale * v);
          out[target + i] = normalize ? (v - m) / s : v;
        }
      }
    },
  };
}

/** Marks a promise as handled now (it is awaited later), so an early rejection is not reported as unhandled. */
function settleLater<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

async function disposeModels(loaded: LoadedClip): Promise<void> {
  await Promise.all([loaded.textModel, loaded.visionModel, loaded.combinedModel].map((model) => model?.dispose()));
}

function l2Normalized(vector: Float32Array): Float32Array {
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm);
  return norm > 0 ? vector.map((value) => value / norm) : vector.slice();
}

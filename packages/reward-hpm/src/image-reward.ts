import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BaseReward, InvalidImageInputError, ModelDisposedError, ModelLoadError, T2IRewardError, resolveModelLocation, throwIfAborted } from '@t2i-reward/core';
import type { RewardItemResult, RewardSample, RgbImage } from '@t2i-reward/core';
import type { InferenceSession } from 'onnxruntime-node';
import { dtypeLabel, onnxFileName, toOrtSessionOptions, type HpmRewardOptions, type HpmSessionOptions } from './options.js';
import { onnxRuntime, transformersRuntime, type OnnxRuntimeModule, type TransformersModule } from './runtime.js';
import { padRows, truncateIds } from './tokens.js';
import { VERSION } from './version.js';

/** Published normalisation of ImageReward v1.0 (THUDM/ImageReward, ImageReward.py: `self.mean`, `self.std`). */
export const IMAGE_REWARD_MEAN = 0.16717362830052426;
export const IMAGE_REWARD_STD = 1.0333394966054072;
/** ImageReward tokenises with padding='max_length', truncation=True, max_length=35. */
export const IMAGE_REWARD_MAX_TEXT_LENGTH = 35;

export interface ImageRewardInit {
  /** Folder written by scripts/export_imagereward.py (or the tiny fixture). */
  model: string;
  baseDir?: string;
  maxImageBatch?: number;
  session?: HpmSessionOptions;
  /** Which onnx/<session><suffix>.onnx files: 'q8' loads vision_model_quantized.onnx + text_model_quantized.onnx. Default fp32. */
  dtype?: HpmRewardOptions['dtype'];
}

export interface ImageRewardStats {
  visionCalls: number;
  textCalls: number;
  imagesEncoded: number;
}

interface ImageRewardConfig {
  reward_mean?: number;
  reward_std?: number;
  max_text_length?: number;
}

interface LoadedImageReward {
  ort: OnnxRuntimeModule;
  transformers: TransformersModule;
  tokenizer: Awaited<ReturnType<TransformersModule['AutoTokenizer']['from_pretrained']>>;
  imageProcessor: Awaited<ReturnType<TransformersModule['AutoImageProcessor']['from_pretrained']>>;
  vision: InferenceSession;
  text: InferenceSession;
  mean: number;
  std: number;
  maxLength: number;
  padId: number;
  sepId: number;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/**
 * ImageReward (Xu et al. 2023; BLIP ViT-L/16 + BERT with cross-attention + MLP head) on raw onnxruntime-node.
 * raw = ImageReward's published score (head output − mean) / std, a z-score (≈ −2…2 on real images);
 * score = sigmoid(raw) ∈ (0, 1), monotone in raw and 0.5 at the training-set mean.
 * The text tower cross-attends to each image, so there is no text-only embedding to cache: tokenisation is
 * shared per distinct prompt, images run through the vision session in one call per chunk, and image-text pairs
 * through the text session in one call per chunk.
 */
export class ImageRewardModel extends BaseReward {
  readonly stats: ImageRewardStats = { visionCalls: 0, textCalls: 0, imagesEncoded: 0 };
  readonly #init: ImageRewardInit;
  #loaded: LoadedImageReward | undefined;

  constructor(init: ImageRewardInit) {
    const dtype = dtypeLabel(init.dtype);
    super({ kind: 'hpm', modelId: `hpm/onnx/image-reward/${dtype === 'fp32' ? '' : `${dtype}/`}${init.model}`, version: VERSION });
    this.#init = init;
  }

  load(): Promise<LoadedImageReward> {
    return this.loadOnce(async () => {
      const loaded = await this.#load();
      if (this.disposed) {
        await Promise.all([loaded.vision.release(), loaded.text.release()]);
        throw new ModelDisposedError(`${this.modelId} was disposed while loading`);
      }
      this.#loaded = loaded;
      return loaded;
    });
  }

  async #load(): Promise<LoadedImageReward> {
    const source = resolveModelLocation(this.#init.model, this.#init.baseDir);
    const dir = source.location;
    const visionFile = join('onnx', onnxFileName('vision_model', this.#init.dtype));
    const textFile = join('onnx', onnxFileName('text_model', this.#init.dtype));
    const files = ['config.json', 'tokenizer.json', 'preprocessor_config.json', visionFile, textFile];
    // Checked before any runtime loads: a folder that does not exist is named as such, else the files it lacks.
    if (!existsSync(dir)) throw new ModelLoadError(`ImageReward needs a local folder from scripts/export_imagereward.py; model folder ${dir} does not exist`);
    const missing = source.local ? files.filter((file) => !existsSync(join(dir, file))) : files;
    if (missing.length > 0) {
      const hint = missing.some((file) => file.endsWith('_quantized.onnx')) ? ' (q8 files: scripts/quantize_onnx.py on the folder)' : '';
      throw new ModelLoadError(`ImageReward needs a local folder from scripts/export_imagereward.py; ${dir} lacks ${missing.join(', ')}${hint}`);
    }
    const [ort, transformers] = await Promise.all([onnxRuntime(), transformersRuntime(false)]);
    try {
      const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as ImageRewardConfig;
      const sessionOptions = toOrtSessionOptions(this.#init.session) as InferenceSession.SessionOptions;
      const [tokenizer, imageProcessor, vision, text] = await Promise.all([
        transformers.AutoTokenizer.from_pretrained(dir, { local_files_only: true }),
        transformers.AutoImageProcessor.from_pretrained(dir, { local_files_only: true }),
        ort.InferenceSession.create(join(dir, visionFile), sessionOptions),
        ort.InferenceSession.create(join(dir, textFile), sessionOptions),
      ]);
      for (const name of ['input_ids', 'attention_mask', 'image_embeds']) {
        if (!text.inputNames.includes(name)) throw new Error(`${textFile} has no input ${name} (inputs: ${text.inputNames.join(', ')})`);
      }
      const padId = tokenizer.pad_token_id as number | undefined;
      const sepId = tokenizer.sep_token_id as number | undefined;
      if (padId === undefined || sepId === undefined) throw new Error('tokenizer has no [PAD] / [SEP] token');
      return {
        ort,
        transformers,
        tokenizer,
        imageProcessor,
        vision,
        text,
        mean: config.reward_mean ?? IMAGE_REWARD_MEAN,
        std: config.reward_std ?? IMAGE_REWARD_STD,
        maxLength: config.max_text_length ?? IMAGE_REWARD_MAX_TEXT_LENGTH,
        padId,
        sepId,
      };
    } catch (cause) {
      if (T2IRewardError.isInstance(cause)) throw cause;
      throw new ModelLoadError(`cannot load ImageReward from ${dir}: ${(cause as Error).message}`, { cause });
    }
  }

  /** [CLS] … [SEP] truncated BERT-style to max_length, right-padded with [PAD] to max_length (as ImageReward). */
  #tokenize(loaded: LoadedImageReward, prompt: string): { ids: number[]; truncatedFrom: number | undefined } {
    return truncateIds(loaded.tokenizer.encode(prompt) as number[], loaded.maxLength, loaded.sepId);
  }

  protected async scoreBatch(samples: readonly RewardSample[], signal: AbortSignal | undefined): Promise<RewardItemResult[]> {
    const loaded = await this.load();
    throwIfAborted(signal);
    const results: (RewardItemResult | undefined)[] = samples.map(({ image }) =>
      image.data.length === image.width * image.height * 3 && image.width >= 1 && image.height >= 1
        ? undefined
        : {
            score: null,
            raw: null,
            warnings: [],
            error: new InvalidImageInputError(
              `image must be RGB with data.length = width·height·3 (got ${image.data.length} for ${image.width}×${image.height})`,
            ),
          },
    );
    const todo = samples.map((_, i) => i).filter((i) => results[i] === undefined);
    const tokens = new Map<string, { ids: number[]; truncatedFrom: number | undefined }>();
    for (const i of todo) {
      const prompt = samples[i]!.prompt;
      if (!tokens.has(prompt)) tokens.set(prompt, this.#tokenize(loaded, prompt));
    }
    const maxBatch = this.#init.maxImageBatch ?? 32;
    for (let start = 0; start < todo.length; start += maxBatch) {
      throwIfAborted(signal);
      const chunk = todo.slice(start, start + maxBatch);
      const heads = await this.#run(
        loaded,
        chunk.map((i) => samples[i]!.image),
        chunk.map((i) => tokens.get(samples[i]!.prompt)!.ids),
      );
      chunk.forEach((index, k) => {
        const sample = samples[index]!;
        const head = heads[k]!;
        const raw = (head - loaded.mean) / loaded.std;
        const warnings: string[] = [];
        if (sample.prompt.trim() === '') warnings.push('empty prompt: scored against the empty text');
        const truncatedFrom = tokens.get(sample.prompt)!.truncatedFrom;
        if (truncatedFrom !== undefined)
          warnings.push(`prompt truncated to ${loaded.maxLength} tokens (it has ${truncatedFrom}): ImageReward's text length is ${loaded.maxLength}`);
        if (Math.min(sample.image.width, sample.image.height) < 16)
          warnings.push(`image is ${sample.image.width}×${sample.image.height}, upscaled to the model input: the score says little`);
        results[index] = { score: sigmoid(raw), raw, warnings, details: { variant: 'image-reward', headOutput: head, mean: loaded.mean, std: loaded.std } };
      });
    }
    return results as RewardItemResult[];
  }

  async #run(loaded: LoadedImageReward, images: readonly RgbImage[], rows: number[][]): Promise<Float32Array> {
    const { ort, transformers } = loaded;
    const raw = images.map(
      (image) =>
        new transformers.RawImage(new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.byteLength), image.width, image.height, 3),
    );
    const { pixel_values } = (await loaded.imageProcessor(raw)) as { pixel_values: { data: Float32Array; dims: number[] } };
    this.stats.visionCalls++;
    this.stats.imagesEncoded += images.length;
    const visionOut = await loaded.vision.run({ pixel_values: new ort.Tensor('float32', pixel_values.data, pixel_values.dims) });
    const imageEmbeds = visionOut['image_embeds'] ?? visionOut[loaded.vision.outputNames[0]!];
    const width = loaded.maxLength;
    const { ids, mask } = padRows(rows, width, loaded.padId);
    this.stats.textCalls++;
    const textOut = await loaded.text.run({
      input_ids: new ort.Tensor('int64', ids, [rows.length, width]),
      attention_mask: new ort.Tensor('int64', mask, [rows.length, width]),
      image_embeds: imageEmbeds!,
    });
    const reward = textOut['reward'] ?? textOut[loaded.text.outputNames[0]!];
    return reward!.data as Float32Array;
  }

  protected override async onDispose(): Promise<void> {
    const loaded = this.#loaded;
    this.#loaded = undefined;
    if (loaded) await Promise.all([loaded.vision.release(), loaded.text.release()]);
  }
}

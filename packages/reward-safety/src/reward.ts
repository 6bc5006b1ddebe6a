import {
  BaseReward,
  InvalidImageInputError,
  type RewardItemResult,
  type RewardSample,
  type RgbImage,
  type TfjsModule,
  T2IRewardError,
  failedResult,
  loadTfjs,
  rgbImageProblem,
  throwIfAborted,
  toRewardError,
} from '@t2i-reward/core';
import { DEFAULT_UNSAFE_CLASSES, type LoadedNsfwModel, NSFW_CLASS_NAMES, type NsfwClass, type NsfwModelName, loadNsfwModel } from './models.js';
import { type SafetyRewardOptions, validateSafetyRewardOptions } from './options.js';
import { VERSION } from './version.js';

/** `details` of a safety result (JSON). */
export interface SafetyDetails {
  model: NsfwModelName;
  /** The classifier's probability for each of its five classes (they sum to 1). */
  probabilities: Record<NsfwClass, number>;
  /** The most probable class. */
  top: NsfwClass;
  unsafeClasses: NsfwClass[];
  /** Sum of the unsafe classes' probabilities (= raw; score = 1 − unsafe). */
  unsafe: number;
}

/** Whole-call failures: everything else fails only its own item. */
const WHOLE_CALL_CODES = ['ABORTED', 'MODEL_DISPOSED', 'MODEL_LOAD', 'RUNTIME_UNAVAILABLE'];

/**
 * The safety expert: the nsfwjs classifier (MobileNetV2 by default; weights in the nsfwjs npm package, offline)
 * on TF.js. Each image goes through nsfwjs' own preprocessing — RGB / 255, bilinear resize (align corners) to
 * the model's square input — and the five class probabilities come out; score = 1 − P(unsafe classes),
 * raw = P(unsafe classes). The prompt is not used. TF.js computes on the calling thread: config files run it in
 * core's worker pool by default (backend 'tfjs').
 */
export class SafetyReward extends BaseReward {
  readonly modelName: NsfwModelName;
  readonly unsafeClasses: NsfwClass[];
  readonly #options: SafetyRewardOptions;
  #model: { tf: TfjsModule; model: LoadedNsfwModel } | undefined;

  constructor(options: SafetyRewardOptions = {}) {
    const modelName = options.model ?? 'mobilenet_v2';
    // Kept in the order of the classifier's outputs, so the same set gives the same modelId.
    const unsafeClasses = NSFW_CLASS_NAMES.filter((name) => (options.unsafeClasses ?? DEFAULT_UNSAFE_CLASSES).includes(name));
    const custom =
      options.unsafeClasses !== undefined && unsafeClasses.join(',') !== NSFW_CLASS_NAMES.filter((n) => DEFAULT_UNSAFE_CLASSES.includes(n)).join(',');
    super({ kind: 'safety', modelId: `safety/nsfwjs/${modelName}${custom ? `?unsafe=${unsafeClasses.join('+')}` : ''}`, version: VERSION });
    this.modelName = modelName;
    this.unsafeClasses = unsafeClasses;
    this.#options = options;
  }

  /** Loads TF.js and the model (idempotent). */
  load(): Promise<{ tf: TfjsModule; model: LoadedNsfwModel }> {
    return this.loadOnce(async () => {
      const tf = this.#options.tf ?? (await loadTfjs({ backend: this.#options.runtime ?? 'auto' })).tf;
      this.#model = { tf, model: await loadNsfwModel(tf, this.modelName) };
      return this.#model;
    });
  }

  protected override async onDispose(): Promise<void> {
    this.#model?.model.dispose();
    this.#model = undefined;
  }

  /** The five class probabilities for one image, in NSFW_CLASS_NAMES order. */
  async classify(image: RgbImage): Promise<Float32Array> {
    const { tf, model } = await this.load();
    const output = tf.tidy(() => {
      const pixels = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32').toFloat().div(255);
      // nsfwjs' infer(): resize only when the image is not already the input size, bilinear with align corners.
      const resized =
        image.width === model.size && image.height === model.size ? pixels : tf.image.resizeBilinear(pixels as never, [model.size, model.size], true);
      return model.predict(resized.reshape([1, model.size, model.size, 3]));
    });
    try {
      return (await output.data()) as Float32Array;
    } finally {
      output.dispose();
    }
  }

  protected async scoreBatch(samples: readonly RewardSample[], signal: AbortSignal | undefined): Promise<RewardItemResult[]> {
    const results: RewardItemResult[] = [];
    const valid = samples.some((sample) => rgbImageProblem(sample.image) === undefined);
    if (valid) await this.load();
    // One image at a time: TF.js (wasm / cpu) runs on this thread anyway; the pool spreads images over threads.
    for (const [index, sample] of samples.entries()) {
      throwIfAborted(signal);
      const problem = rgbImageProblem(sample.image);
      if (problem) {
        results.push(failedResult(new InvalidImageInputError(problem, { data: { index } })));
        continue;
      }
      try {
        const output = await this.classify(sample.image);
        const probabilities = Object.fromEntries(NSFW_CLASS_NAMES.map((name, i) => [name, output[i]!])) as Record<NsfwClass, number>;
        const unsafe = Math.min(
          1,
          this.unsafeClasses.reduce((sum, name) => sum + probabilities[name], 0),
        );
        const top = NSFW_CLASS_NAMES.reduce((best, name) => (probabilities[name] > probabilities[best] ? name : best));
        const details: SafetyDetails = { model: this.modelName, probabilities, top, unsafeClasses: [...this.unsafeClasses], unsafe };
        results.push({ score: 1 - unsafe, raw: unsafe, details: { ...details }, warnings: [] });
      } catch (error) {
        if (T2IRewardError.isInstance(error) && WHOLE_CALL_CODES.includes(error.code)) throw error;
        results.push(failedResult(toRewardError(error, `${this.modelId} failed`)));
      }
    }
    return results;
  }
}

/** Creates the safety reward (nsfwjs MobileNetV2 by default, offline). */
export function createSafetyReward(options: SafetyRewardOptions = {}): SafetyReward {
  validateSafetyRewardOptions(options);
  return new SafetyReward(options);
}

/** One line on why a safety result scored what it did, for tables and reports. */
export function explainSafety(details: Record<string, unknown> | undefined): string {
  if (!details || typeof details.unsafe !== 'number' || typeof details.probabilities !== 'object' || details.probabilities === null) return '';
  const probabilities = details.probabilities as Record<string, number>;
  const unsafeClasses = Array.isArray(details.unsafeClasses) ? (details.unsafeClasses as string[]) : [];
  const top = typeof details.top === 'string' ? details.top : '?';
  const parts = unsafeClasses.map((name) => `${name} ${(probabilities[name] ?? 0).toFixed(3)}`).join(', ');
  return `${top} ${(probabilities[top] ?? 0).toFixed(2)}; P(unsafe) ${details.unsafe.toFixed(3)} (${parts})`;
}

import { BACKEND_DEFAULT_THRESHOLDS } from './thresholds.js';
import {
  BaseReward,
  ExpertFailedError,
  InvalidImageInputError,
  type PromptSpec,
  type RewardItemResult,
  type RewardSample,
  type RgbImage,
  createFromBackendTable,
  createRgbImage,
  failedResult,
  resolveSpec,
  rgbImageProblem,
  toRewardError,
} from '@t2i-reward/core';
import { DETECTOR_BACKENDS } from './backends/table.js';
import type { DetectorBackend } from './backends/types.js';
import { type DetectorRewardOptions, validateDetectorRewardOptions } from './options.js';
import type { Box, Detection } from './scoring/boxes.js';
import { DEFAULT_SCORING_OPTIONS, type ScoringFormula, type ScoringOptions } from './scoring/common.js';
import { GENEVAL_COLORS } from './scoring/geneval.js';
import { referenceRow, scoreDetections } from './scoring/index.js';
import { VERSION } from './version.js';
import { genevalColorCrop } from './geneval-crop.js';

const SCORING_KEYS = Object.keys(DEFAULT_SCORING_OPTIONS) as (keyof ScoringOptions)[];

/**
 * The detector expert: detects the prompt's objects and scores existence, counts and spatial relations with
 * the chosen formula. The model loads lazily on the first batch; `dispose()` frees it.
 */
export class DetectorReward extends BaseReward {
  readonly formula: ScoringFormula;
  readonly scoringOptions: ScoringOptions;
  readonly backend: DetectorBackend;
  readonly #options: DetectorRewardOptions;

  constructor(options: DetectorRewardOptions, backend: DetectorBackend) {
    const formula = options.formula ?? 't2i-r1';
    // A built-in backend brings its own thresholds (one source, shared with `t2ir bench`); an injected detector
    // keeps the formula defaults.
    const backendDefaults = options.detector ? {} : BACKEND_DEFAULT_THRESHOLDS[options.backend?.type ?? 'tfjs'];
    const defaults: ScoringOptions = { ...DEFAULT_SCORING_OPTIONS, ...backendDefaults };
    const scoringOptions: ScoringOptions = { ...defaults };
    for (const key of SCORING_KEYS) {
      const value = options[key];
      if (value !== undefined) (scoringOptions as unknown as Record<string, unknown>)[key] = value;
    }
    // The model id names every option given that differs from the formula defaults (score caches key on it); the
    // backend's own thresholds are implied by the backend id it starts with.
    const changed = SCORING_KEYS.filter((key) => options[key] !== undefined && scoringOptions[key] !== DEFAULT_SCORING_OPTIONS[key]).map(
      (key) => `${key}=${String(scoringOptions[key])}`,
    );
    // An explicit GroundingDINO scoring changes the boxes the formula sees: part of the cache key too.
    if (options.backend?.type === 'transformers' && options.backend.groundingDinoScoring !== undefined)
      changed.push(`groundingDinoScoring=${options.backend.groundingDinoScoring}`);
    super({ kind: 'detector', modelId: `detector/${backend.id}/${formula}${changed.length > 0 ? `?${changed.join('&')}` : ''}`, version: VERSION });
    this.formula = formula;
    this.scoringOptions = scoringOptions;
    this.backend = backend;
    this.#options = options;
  }

  protected override async onDispose(): Promise<void> {
    await this.backend.dispose();
  }

  protected async scoreBatch(samples: readonly RewardSample[], signal: AbortSignal | undefined): Promise<RewardItemResult[]> {
    const results: (RewardItemResult | undefined)[] = samples.map(() => undefined);
    const jobs: { index: number; spec: PromptSpec; image: RgbImage; warnings: string[] }[] = [];
    samples.forEach((sample, index) => {
      const imageProblem = rgbImageProblem(sample.image);
      if (imageProblem) {
        results[index] = failedResult(new InvalidImageInputError(imageProblem, { data: { index } }));
        return;
      }
      const warnings: string[] = [];
      if (!sample.spec && (typeof sample.prompt !== 'string' || sample.prompt.trim() === '')) warnings.push('empty prompt: nothing to detect');
      try {
        jobs.push({ index, spec: resolveSpec(sample), image: sample.image, warnings });
      } catch (error) {
        results[index] = failedResult(toRewardError(error, 'cannot read the prompt'));
      }
    });

    if (jobs.length > 0) {
      const vocabulary = this.backend.vocabulary;
      const resolveLabel = vocabulary === 'open' ? (noun: string) => noun.toLowerCase().trim() || undefined : (noun: string) => vocabulary.resolve(noun);
      const queries = jobs.map((job) => this.#queries(job.spec, resolveLabel));
      // Images whose prompt names nothing this detector can find skip the model: their score does not depend on it.
      const toDetect = jobs.filter((_, j) => (queries[j]?.length ?? 0) > 0);
      const found = new Map<(typeof jobs)[number], Detection[]>();
      if (toDetect.length > 0) {
        // loadOnce: concurrent first batches share one model load; a failed load is retried next time.
        await this.loadOnce(async () => this.backend.load?.());
        const lists = await this.backend.detect(
          toDetect.map((job) => job.image),
          toDetect.map((job) => (vocabulary === 'open' ? (queries[jobs.indexOf(job)] ?? []) : [])),
          signal,
        );
        if (lists.length !== toDetect.length) throw new ExpertFailedError(`detector returned ${lists.length} lists for ${toDetect.length} images`);
        toDetect.forEach((job, j) => found.set(job, lists[j] ?? []));
      }
      for (const job of jobs) {
        const detections = found.get(job) ?? [];
        try {
          const colorOf = await this.#colorsFor(job.spec, job.image, detections, resolveLabel);
          const outcome = scoreDetections(
            { spec: job.spec, detections, image: job.image, resolveLabel, ...(colorOf ? { colorOf } : {}) },
            this.formula,
            this.scoringOptions,
          );
          results[job.index] = {
            score: outcome.score,
            raw: outcome.score,
            details: { model: this.backend.id, ...outcome.details },
            warnings: [...job.warnings, ...outcome.warnings],
          };
        } catch (error) {
          results[job.index] = failedResult(toRewardError(error, `${this.modelId} failed`), job.warnings);
        }
      }
    }
    return results.map((r) => r ?? failedResult(new ExpertFailedError('no result')));
  }

  /**
   * What an open-vocabulary detector is asked for. Reference mode (`t2i-r1-code` + `reproduceBugs`): the row's
   * nouns in order, duplicates kept — the released code's caption; otherwise every distinct name of the spec.
   */
  #queries(spec: PromptSpec, resolveLabel: (noun: string) => string | undefined): string[] {
    if (this.formula === 't2i-r1-code' && this.scoringOptions.reproduceBugs) {
      return referenceRow(spec)
        .nouns.map((noun) => resolveLabel(noun))
        .filter((name): name is string => name !== undefined);
    }
    return queryNames(spec).filter((name) => resolveLabel(name) !== undefined);
  }

  /** GenEval colour rule: classifies the crops of the boxes the rule will look at, when a classifier is set. */
  async #colorsFor(spec: PromptSpec, image: RgbImage, detections: readonly Detection[], resolveLabel: (noun: string) => string | undefined) {
    const classify = this.#options.colorClassifier;
    if (this.formula !== 'geneval' || !classify) return undefined;
    // Detector label → the class name GenEval puts in its colour prompts ("a photo of a red {class}").
    const classNames = new Map<string, string>();
    for (const object of spec.objects) {
      const label = object.attributes?.some((a) => GENEVAL_COLORS.includes(a.toLowerCase())) ? resolveLabel(object.name) : undefined;
      if (label !== undefined && !classNames.has(label)) classNames.set(label, object.name);
    }
    if (classNames.size === 0) return undefined;
    const colors = new Map<Detection, string>();
    const minScore = Math.min(this.scoringOptions.genevalThreshold, this.scoringOptions.genevalCountingThreshold);
    for (const detection of detections) {
      const className = classNames.get(detection.label);
      if (className === undefined || detection.score <= minScore) continue;
      colors.set(detection, await classify(genevalColorCrop(image, detection.box), GENEVAL_COLORS, { className }));
    }
    return (detection: Detection) => colors.get(detection);
  }
}

/** Names an open-vocabulary detector is asked to find: objects, relation arguments, exclusions. */
function queryNames(spec: PromptSpec): string[] {
  const names = [...spec.objects.map((o) => o.name), ...spec.relations.flatMap((r) => [r.subject, r.object]), ...(spec.exclude ?? []).map((e) => e.name)];
  return [...new Set(names.map((n) => n.toLowerCase().trim()).filter((n) => n.length > 0))];
}

/** The pixels inside `box` (at least 1×1), as an RgbImage. */
export function cropImage(image: RgbImage, box: Box): RgbImage {
  const x1 = Math.min(image.width - 1, Math.max(0, Math.floor(box[0])));
  const y1 = Math.min(image.height - 1, Math.max(0, Math.floor(box[1])));
  const x2 = Math.max(x1 + 1, Math.min(image.width, Math.ceil(box[2])));
  const y2 = Math.max(y1 + 1, Math.min(image.height, Math.ceil(box[3])));
  const width = x2 - x1;
  const data = new Uint8Array(width * (y2 - y1) * 3);
  for (let y = y1; y < y2; y++) data.set(image.data.subarray((y * image.width + x1) * 3, (y * image.width + x2) * 3), (y - y1) * width * 3);
  return createRgbImage(data, width, y2 - y1, image.source);
}

/** Creates the detector reward (default: CenterNet COCO-80 on TF.js, the T2I-R1 paper formula). */
export function createDetectorReward(options: DetectorRewardOptions = {}, context: { baseDir?: string } = {}): DetectorReward {
  validateDetectorRewardOptions(options);
  return new DetectorReward(options, options.detector ?? createBackend(options, context.baseDir));
}

function createBackend(options: DetectorRewardOptions, baseDir?: string): DetectorBackend {
  return createFromBackendTable(DETECTOR_BACKENDS, options.backend, {
    ...(options.boxThreshold !== undefined ? { boxThreshold: options.boxThreshold } : {}),
    ...(options.synonyms ? { synonyms: options.synonyms } : {}),
    ...(baseDir !== undefined ? { baseDir } : {}),
    ...(options.formula !== undefined ? { formula: options.formula } : {}),
  });
}

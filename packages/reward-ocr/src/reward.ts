import {
  BaseReward,
  ExpertFailedError,
  InvalidImageInputError,
  type RewardItemResult,
  type RewardSample,
  type RgbImage,
  T2IRewardError,
  failedResult,
  rgbImageProblem,
  toRewardError,
} from '@t2i-reward/core';
import { type OcrWord, TesseractPool } from './engine.js';
import { type OcrRewardOptions, validateOcrRewardOptions } from './options.js';
import { type OcrMatchMode, matchTarget, recognizedString, targetOf } from './scoring.js';
import { VERSION } from './version.js';

/** `details` of an OCR result (JSON). */
export interface OcrDetails {
  /** The quoted text of the prompt, as written; null when the prompt has none. */
  target: string | null;
  /** What is compared: spaces removed, lower-cased. */
  normalizedTarget?: string;
  /** Tesseract's text, one line per recognised line. */
  recognizedText?: string;
  /** The recognised words above `minWordConfidence`, concatenated, spaces removed, lower-cased. */
  compared?: string;
  /** Tesseract's mean confidence for the page, 0–100. */
  confidence?: number;
  /** 'contains' (distance 0), 'levenshtein' (match 'flow-grpo') or 'substring' (match 'substring'). */
  rule?: 'contains' | 'levenshtein' | 'substring';
  /** The distance in the reward (= raw): 0 when contained, else min(Levenshtein, length). */
  distance?: number;
  /** The distance before the cap. */
  levenshtein?: number;
  /** Target length in code points. */
  length?: number;
  words?: OcrWord[];
}

/** Whole-call failures: everything else fails only its own item. */
const WHOLE_CALL_CODES = ['ABORTED', 'MODEL_DISPOSED', 'MODEL_LOAD', 'RUNTIME_UNAVAILABLE'];

/**
 * The OCR expert: reads the image with tesseract (LSTM, bundled English weights, offline) and scores how well
 * it shows the prompt's quoted text, as Flow-GRPO's OCR reward does: score = 1 − distance / length, raw =
 * distance. Workers start lazily on the first image and are reused; `dispose()` terminates them.
 */
export class OcrReward extends BaseReward {
  readonly pool: TesseractPool;
  readonly minWordConfidence: number;
  readonly match: OcrMatchMode;
  readonly unreadable: 'fail' | 'score-zero';

  constructor(options: OcrRewardOptions = {}) {
    const pool = new TesseractPool(options);
    const minWordConfidence = options.minWordConfidence ?? 0;
    const match = options.match ?? 'flow-grpo';
    const extras = [
      ...(match !== 'flow-grpo' ? [`match=${match}`] : []),
      ...(pool.pageSegMode !== undefined ? [`psm=${pool.pageSegMode}`] : []),
      ...(minWordConfidence !== 0 ? [`minWordConfidence=${minWordConfidence}`] : []),
      ...(options.unreadable === 'score-zero' ? ['unreadable=score-zero'] : []),
    ];
    super({ kind: 'ocr', modelId: `ocr/tesseract/${pool.languages.join('+')}${extras.length > 0 ? `?${extras.join('&')}` : ''}`, version: VERSION });
    this.pool = pool;
    this.minWordConfidence = minWordConfidence;
    this.match = match;
    this.unreadable = options.unreadable ?? 'fail';
  }

  protected override async onDispose(): Promise<void> {
    await this.pool.dispose();
  }

  protected async scoreBatch(samples: readonly RewardSample[], signal: AbortSignal | undefined): Promise<RewardItemResult[]> {
    const results: (RewardItemResult | undefined)[] = samples.map(() => undefined);
    const jobs: { index: number; image: RgbImage; target: { text: string; normalized: string }; warnings: string[] }[] = [];
    samples.forEach((sample, index) => {
      const problem = rgbImageProblem(sample.image);
      if (problem) {
        results[index] = failedResult(new InvalidImageInputError(problem, { data: { index } }));
        return;
      }
      const { target, warnings } = targetOf(sample);
      // No quoted text: nothing to read, so the image is not read either.
      if (!target) results[index] = { score: null, raw: null, details: { target: null } satisfies OcrDetails, warnings };
      else jobs.push({ index, image: sample.image, target, warnings });
    });
    if (jobs.length > 0) {
      await this.loadOnce(() => this.pool.load());
      await Promise.all(
        jobs.map(async (job) => {
          try {
            const reading = await this.pool.recognize(job.image, signal);
            const compared = recognizedString(reading.words, this.minWordConfidence);
            const match = matchTarget(job.target.normalized, compared, this.match);
            const details: OcrDetails = {
              target: job.target.text,
              normalizedTarget: job.target.normalized,
              recognizedText: reading.text,
              compared,
              confidence: reading.confidence,
              rule: match.rule,
              distance: match.distance,
              ...(match.levenshtein !== undefined ? { levenshtein: match.levenshtein } : {}),
              length: match.length,
              words: reading.words,
            };
            results[job.index] = { score: match.reward, raw: match.distance, details: { ...details }, warnings: job.warnings };
          } catch (error) {
            if (T2IRewardError.isInstance(error) && WHOLE_CALL_CODES.includes(error.code)) throw error;
            const unreadable = ExpertFailedError.isInstance(error) && (error.data as { stage?: string } | undefined)?.stage === 'recognize';
            if (unreadable && this.unreadable === 'score-zero') {
              // Flow-GRPO's reward catches a failed OCR call and takes distance = length (reward 0).
              const length = [...job.target.normalized].length;
              const details: OcrDetails = {
                target: job.target.text,
                normalizedTarget: job.target.normalized,
                recognizedText: '',
                compared: '',
                rule: 'levenshtein',
                distance: length,
                length,
              };
              results[job.index] = {
                score: 0,
                raw: length,
                details: { ...details },
                warnings: [...job.warnings, `${error.message}: scored 0 (distance = length), as Flow-GRPO's reward does`],
              };
              return;
            }
            results[job.index] = failedResult(toRewardError(error, `${this.modelId} failed`), job.warnings);
          }
        }),
      );
    }
    return results.map((r) => r ?? failedResult(new ExpertFailedError('no result')));
  }
}

/** Creates the OCR reward (tesseract LSTM, English by default, offline). */
export function createOcrReward(options: OcrRewardOptions = {}): OcrReward {
  validateOcrRewardOptions(options);
  return new OcrReward(options);
}

/** One line on why an OCR result scored what it did, for tables and reports. */
export function explainOcr(details: Record<string, unknown> | undefined): string {
  if (!details) return '';
  if (details.target === null) return 'no quoted text in the prompt';
  if (typeof details.target !== 'string') return '';
  const read = typeof details.compared === 'string' ? details.compared : '';
  const shown = read.length > 40 ? `${read.slice(0, 40)}…` : read;
  if (details.rule === 'contains') return `read "${shown}": contains "${String(details.normalizedTarget)}"`;
  return `read "${shown}" for "${String(details.normalizedTarget)}": distance ${String(details.distance)}/${String(details.length)}`;
}

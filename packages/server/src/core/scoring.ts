import {
  ImageSourceNotAllowedError,
  T2IRewardError,
  toRewardError,
  validatePromptSpec,
  type Ensemble,
  type EnsembleItemResult,
  type PromptSpec,
  type RewardSample,
} from '@t2i-reward/core';
import { BatcherRefusedError, DynamicBatcher, type BatchTicket } from '../batcher.js';
import { HttpError } from '../http.js';
import { classifyImageReference, loadClassifiedImage, type ClassifiedReference, type ImagePolicy } from '../images.js';
import type { ServerMetrics } from '../metrics.js';
import { AdmissionRefusedError, type Admission } from './admission.js';
import { PixelGate } from './pixel-gate.js';
import { nextTurn } from './turns.js';

/** An item of any protocol before decoding. */
export interface RawItem {
  image: unknown;
  prompt: string;
  spec?: unknown;
  metadata?: Record<string, unknown>;
}

export interface ScorerOptions {
  ensemble: Ensemble;
  metrics: ServerMetrics;
  policy: ImagePolicy;
  admission: Admission;
  maxBatch: number;
  maxWaitMs: number;
  concurrency: number;
  retryAfter: string;
  /** Longest prompt (and spec.prompt) accepted, in characters; longer refuses the request with 413. */
  maxPromptChars: number;
}

export interface Scorer {
  /** Admits, decodes, batches and scores; per-item failures come back in the results. */
  scoreItems(items: readonly RawItem[], signal: AbortSignal): Promise<EnsembleItemResult[]>;
  readonly batcher: DynamicBatcher<RewardSample, EnsembleItemResult>;
  /** Items admitted and not yet in a running batch (decoding, waiting). */
  queueDepth(): number;
}

/** ImageSourceNotAllowedError's code: a refused source refuses the request (403). */
const NOT_ALLOWED = new ImageSourceNotAllowedError('').code;

function failedItem(error: T2IRewardError): EnsembleItemResult {
  return { reward: null, experts: {}, warnings: [], error };
}

/**
 * What decoding one pixel costs, in pixels of budget (one pixel of budget = the 3 bytes of decoded RGB), by
 * format: libvips' peak RSS per decoded pixel at 8192×8192 (sharp 0.35, issue 21) is 1.08× the RGB output for
 * PNG and JPEG and 1.11× for TIFF (streamed into the output), but 2.70× for WebP and 2.44× for GIF (the whole
 * frame is first decoded to RGBA). AVIF / HEIF (libheif, also a full RGBA frame) are charged like WebP.
 */
export const DECODE_COST: Readonly<Record<string, number>> = { png: 1, jpeg: 1, tiff: 1, webp: 2.75, gif: 2.5, avif: 2.75, heif: 2.75 };

/**
 * Budget pixels charged per column of an image's width on top of DECODE_COST, for the decoder's row buffers:
 * libvips' peak over the RGB output grows with the width, not the height (measured for PNG, sharp 0.35, issue
 * 21: 16384×1024 +24.5 MB, 8192×8192 and 8192×2048 +14.4 MB, 4096² +7.2 MB, 2048×8192 +3.6 MB, 1024×16384
 * +1.3 MB: ~1.8 KB per column). 640 pixels of budget = 1.9 KB.
 */
export const DECODE_COST_PER_COLUMN = 640;

/** Budget pixels a width × height image of `format` is charged: its pixels at the format's cost plus its decoder's rows. */
export function chargedPixels(width: number, height: number, format: string): number {
  return Math.ceil(width * height * (DECODE_COST[format] ?? 2.75) + width * DECODE_COST_PER_COLUMN);
}

/** Maps an intake refusal to its HTTP answer (413 never fits; 429 with Retry-After, try again). */
export function admissionHttpError(error: AdmissionRefusedError, retryAfter: string): HttpError {
  const code = error.reason.replace(/-/g, '_');
  return error.status === 429 ? new HttpError(429, code, error.message, { 'retry-after': retryAfter }) : new HttpError(413, code, error.message);
}

/**
 * The scoring core every protocol shares: intake admission (items, then decoded pixels), decoding under the
 * image policy, and dynamic batching into ensemble calls.
 */
export function createScorer(options: ScorerOptions): Scorer {
  const { metrics, policy, admission, retryAfter, maxPromptChars } = options;
  const batcher = new DynamicBatcher<RewardSample, EnsembleItemResult>(
    // The admission bounds the items; the batcher's own bound can never be the tighter one.
    { maxBatch: options.maxBatch, maxWaitMs: options.maxWaitMs, maxQueue: admission.options.maxItems, concurrency: options.concurrency },
    async (items, info) => {
      metrics.batchSize.observe(info.size);
      metrics.queueWait.observe(info.waitedSeconds);
      metrics.runningBatches.inc();
      const stopTimer = metrics.batchDuration.startTimer();
      try {
        // No abort signal: once a batch starts it finishes (graceful shutdown relies on it). Raw scores: a batch
        // mixes requests, so each request is normalised on its own afterwards (normalize.ts).
        return await options.ensemble.scoreSamples(items, { normalize: false });
      } catch (error) {
        metrics.error('batch', toRewardError(error).code);
        throw error;
      } finally {
        stopTimer();
        metrics.runningBatches.dec();
      }
    },
  );

  function refuse(error: unknown): never {
    // Counted once, by its HTTP code, where the answer is sent.
    if (error instanceof AdmissionRefusedError) {
      throw admissionHttpError(error, retryAfter);
    }
    throw error;
  }

  /** Prompts are sentences: a longer one is refused before it is parsed, cached or held by a batch. */
  function checkPrompts(items: readonly RawItem[]): void {
    items.forEach((item, index) => {
      const specPrompt = typeof item.spec === 'object' && item.spec !== null ? (item.spec as { prompt?: unknown }).prompt : undefined;
      for (const [what, text] of [
        ['prompt', item.prompt],
        ['spec.prompt', specPrompt],
      ] as const) {
        if (typeof text === 'string' && text.length > maxPromptChars) {
          throw new HttpError(
            413,
            'prompt_too_long',
            `item ${index}: ${what} of ${text.length} characters is over the limit of ${maxPromptChars} (--max-prompt-chars)`,
            {},
            { index, length: text.length, maxPromptChars },
          );
        }
      }
    });
  }

  async function scoreItems(items: readonly RawItem[], signal: AbortSignal): Promise<EnsembleItemResult[]> {
    checkPrompts(items);
    // Items count toward the queue from here, before anything is decoded: too many is refused at once.
    let itemsLease;
    try {
      itemsLease = admission.reserveItems(items.length);
    } catch (error) {
      refuse(error);
    }
    // Announced to the batcher so that a batch about to start waits (up to maxWaitMs) for these items.
    const announced = batcher.admit(items.length);
    const gate = new PixelGate(items.length, admission, signal);
    try {
      // Policy first, for every item, before anything is read or fetched: one refused source refuses the request.
      const classified = items.map((item, index) => {
        try {
          return classifyImageReference(item.image, policy);
        } catch (error) {
          const typed = toRewardError(error);
          metrics.error('image', typed.code);
          throw new HttpError(typed.code === NOT_ALLOWED ? 403 : 400, typed.code, `item ${index}: ${typed.message}`, {}, { index });
        }
      });
      const specs = items.map((item, index): PromptSpec | undefined => {
        if (item.spec === undefined || item.spec === null) return undefined;
        try {
          return validatePromptSpec(item.spec, { stopEarly: true });
        } catch (error) {
          throw new HttpError(400, 'invalid_spec', `item ${index}: ${(error as Error).message}`, {}, { index });
        }
      });
      return await decodeAndScore(items, classified, specs, signal, gate, announced);
    } finally {
      announced();
      gate.release();
      itemsLease.release();
    }
  }

  async function decodeAndScore(
    items: readonly RawItem[],
    classified: ClassifiedReference[],
    specs: (PromptSpec | undefined)[],
    signal: AbortSignal,
    gate: PixelGate,
    announced: () => void,
  ): Promise<EnsembleItemResult[]> {
    const decoded = await Promise.all(
      classified.map((reference, index) =>
        loadClassifiedImage(reference, policy, signal, async ({ width, height, format }) => {
          await gate.report(index, chargedPixels(width, height, format));
          // The decode starts in its turn (core/turns.ts).
          await nextTurn();
        }).catch((error: unknown) => {
          gate.skip(index);
          if (signal.aborted || gate.error !== undefined) return undefined;
          const typed = toRewardError(error);
          // Core re-checks the root after resolving symlinks: a refusal there is still a refusal.
          if (typed.code === NOT_ALLOWED) throw new HttpError(403, typed.code, typed.message);
          metrics.error('image', typed.code);
          return typed;
        }),
      ),
    );
    if (signal.aborted) throw signal.reason;
    if (gate.error !== undefined) refuse(gate.error);
    const toScore: RewardSample[] = [];
    const slots: number[] = [];
    decoded.forEach((image, index) => {
      if (image === undefined || T2IRewardError.isInstance(image)) return;
      const item = items[index]!;
      const spec = specs[index];
      toScore.push({ image, prompt: item.prompt, ...(spec ? { spec } : {}), ...(item.metadata ? { metadata: item.metadata } : {}) });
      slots.push(index);
    });
    // Undecodable items are answered as failed; the others are filled in from their batch below.
    const answers: (EnsembleItemResult | undefined)[] = decoded.map((image) => (T2IRewardError.isInstance(image) ? failedItem(image) : undefined));
    if (toScore.length > 0) {
      let ticket: BatchTicket<EnsembleItemResult>;
      try {
        ticket = batcher.submit(toScore);
        announced();
      } catch (error) {
        if (error instanceof BatcherRefusedError) {
          if (error.reason === 'closing') throw new HttpError(503, 'shutting_down', error.message, { 'retry-after': retryAfter });
          throw new HttpError(error.reason === 'queue-full' ? 429 : 413, error.reason.replace(/-/g, '_'), error.message, { 'retry-after': retryAfter });
        }
        throw error;
      }
      const onAbort = () => ticket.cancel(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        const scored = await Promise.all(ticket.results);
        scored.forEach((result, position) => {
          answers[slots[position]!] = result;
        });
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    }
    const results = answers as EnsembleItemResult[];
    let failures = 0;
    for (const result of results) {
      if (result.error || result.reward === null) failures++;
      for (const [name, outcome] of Object.entries(result.experts)) if (outcome.error) metrics.error('expert', `${name}:${outcome.error.code}`);
    }
    metrics.items.inc({ outcome: 'scored' }, results.length - failures);
    if (failures) metrics.items.inc({ outcome: 'failed' }, failures);
    return results;
  }

  return {
    scoreItems,
    batcher,
    queueDepth: () => admission.queued,
  };
}

/**
 * What crosses the thread boundary between a RewardPool and its workers: samples with their pixels in
 * transferable buffers, results, and typed errors as plain objects that turn back into the same classes.
 */
import * as errors from '../errors.js';
import { T2IRewardError } from '../errors.js';
import type { RewardItemResult, RewardSample, RgbImage } from '../spec.js';

/** A T2IRewardError (or any thrown value) as structured-clone-safe data. */
export interface WireError {
  name: string;
  code: string;
  message: string;
  data?: Record<string, unknown>;
  cause?: WireError;
  stack?: string;
  /** True when it was a T2IRewardError (rebuilt as one, with its code). */
  reward?: boolean;
}

export interface WireSample {
  image: { data: Uint8Array; width: number; height: number; hash: string; source?: string };
  prompt: string;
  spec?: RewardSample['spec'];
  metadata?: Record<string, unknown>;
}

export interface WireResult {
  score: number | null;
  raw: number | null;
  details?: Record<string, unknown>;
  warnings: string[];
  error?: WireError;
}

/** Data survives the boundary only when it is plain JSON; anything else (functions, sockets) is left out. */
function plainData(data: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (data === undefined) return undefined;
  try {
    return JSON.parse(JSON.stringify(data)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export function errorToWire(error: unknown, depth = 0): WireError {
  if (T2IRewardError.isInstance(error)) {
    const data = plainData(error.data);
    const cause = error.cause !== undefined && depth < 4 ? errorToWire(error.cause, depth + 1) : undefined;
    return {
      reward: true,
      name: error.name,
      code: error.code,
      message: error.message,
      ...(data ? { data } : {}),
      ...(cause ? { cause } : {}),
      ...(error.stack ? { stack: error.stack } : {}),
    };
  }
  if (error instanceof Error) {
    const code = typeof (error as { code?: unknown }).code === 'string' ? (error as unknown as { code: string }).code : '';
    const cause = error.cause !== undefined && depth < 4 ? errorToWire(error.cause, depth + 1) : undefined;
    return { name: error.name, code, message: error.message, ...(cause ? { cause } : {}), ...(error.stack ? { stack: error.stack } : {}) };
  }
  return { name: 'Error', code: '', message: String(error) };
}

type ErrorClass = (new (message: string, options?: errors.T2IRewardErrorOptions) => T2IRewardError) & { isInstance(error: unknown): boolean };

/** Core's error classes by name (every subclass of T2IRewardError that errors.ts exports). */
const ERROR_CLASSES: ReadonlyMap<string, ErrorClass> = new Map(
  Object.entries(errors)
    .filter(
      ([name, value]) => typeof value === 'function' && name !== 'T2IRewardError' && (value as { prototype?: unknown }).prototype instanceof T2IRewardError,
    )
    .map(([name, value]) => [name, value as ErrorClass]),
);

/**
 * The error a WireError describes: core's own class when the name is one (so `ImageDecodeError.isInstance`
 * holds on the calling thread), else a T2IRewardError with the same name and code; a plain Error for
 * non-reward causes. The worker's stack is kept.
 */
export function errorFromWire(wire: WireError): Error {
  const cause = wire.cause ? errorFromWire(wire.cause) : undefined;
  const options: errors.T2IRewardErrorOptions = { ...(cause ? { cause } : {}), ...(wire.data ? { data: wire.data } : {}) };
  let error: Error;
  const Known = ERROR_CLASSES.get(wire.name);
  if (Known) error = new Known(wire.message, options);
  else if (wire.reward) {
    error = new T2IRewardError(wire.code, wire.message, options);
    error.name = wire.name;
  } else {
    error = new Error(wire.message, cause ? { cause } : undefined);
    error.name = wire.name;
  }
  if (wire.stack) error.stack = wire.stack;
  return error;
}

/** A T2IRewardError from a WireError that came from a reward (the fallback is ExpertFailedError). */
export function rewardErrorFromWire(wire: WireError): T2IRewardError {
  const error = errorFromWire(wire);
  return T2IRewardError.isInstance(error) ? error : errors.toRewardError(error);
}

/**
 * Copies each image's pixels into a buffer of its own, listed for transfer: the caller keeps its images
 * (other experts may be reading them), and the worker gets the pixels without a second copy.
 */
export function samplesToWire(samples: readonly RewardSample[]): { samples: WireSample[]; transferList: ArrayBuffer[] } {
  const transferList: ArrayBuffer[] = [];
  const wire = samples.map((sample): WireSample => {
    const image = sample.image;
    const data = new Uint8Array(image.data.byteLength);
    data.set(image.data);
    transferList.push(data.buffer as ArrayBuffer);
    return {
      image: { data, width: image.width, height: image.height, hash: image.hash, ...(image.source !== undefined ? { source: image.source } : {}) },
      prompt: sample.prompt,
      ...(sample.spec !== undefined ? { spec: sample.spec } : {}),
      ...(sample.metadata !== undefined ? { metadata: sample.metadata } : {}),
    };
  });
  return { samples: wire, transferList };
}

export function samplesFromWire(samples: readonly WireSample[]): RewardSample[] {
  return samples.map((sample) => ({ ...sample, image: sample.image as RgbImage }));
}

export function resultToWire(result: RewardItemResult): WireResult {
  const { error, ...rest } = result;
  return error === undefined ? rest : { ...rest, error: errorToWire(error) };
}

export function resultFromWire(result: WireResult): RewardItemResult {
  const { error, ...rest } = result;
  return error === undefined ? rest : { ...rest, error: rewardErrorFromWire(error) };
}

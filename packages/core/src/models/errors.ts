import { T2IRewardError, type T2IRewardErrorOptions } from '../errors.js';

/** Why a pull failed: each reason has one message shape and one fix. */
export type ModelPullFailure =
  | 'unknown-model' // not in the catalog
  | 'not-pullable' // the catalog entry publishes no ONNX files (export it, or serve it)
  | 'unconfirmed' // the entry's repository / files could not be confirmed (refused unless allowed)
  | 'offline' // the endpoint cannot be reached (DNS, refused, reset before any byte)
  | 'not-found' // HTTP 404
  | 'unauthorized' // HTTP 401 / 403: gated or private repository
  | 'http' // any other HTTP status
  | 'interrupted' // the connection was cut mid-file more often than the retries allow (resumable)
  | 'checksum' // the bytes do not match the catalog's size / SHA-256 or the hub's ETag
  | 'aborted' // the caller's AbortSignal
  | 'busy'; // another live process is pulling the same model and revision into the same cache

const MARKER = Symbol.for('t2i-reward.error.ModelPullError');

/**
 * A `t2ir models pull` / `pullModel` failure, one line each: `data.reason` is a {@link ModelPullFailure}, `data.model`
 * the catalog name, and (where there is one) `data.file`, `data.url`, `data.status`.
 */
export class ModelPullError extends T2IRewardError {
  constructor(message: string, options: T2IRewardErrorOptions & { data: { reason: ModelPullFailure; model: string } & Record<string, unknown> }) {
    super('MODEL_PULL', message, options);
    this.name = 'ModelPullError';
    (this as unknown as Record<symbol, boolean>)[MARKER] = true;
  }

  get reason(): ModelPullFailure {
    return this.data!['reason'] as ModelPullFailure;
  }

  static override isInstance(error: unknown): error is ModelPullError {
    return T2IRewardError.isInstance(error) && (error as unknown as Record<symbol, unknown>)[MARKER] === true;
  }
}

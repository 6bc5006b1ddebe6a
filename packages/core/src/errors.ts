/**
 * Typed errors. Every error thrown or returned by t2i-reward packages extends {@link T2IRewardError}.
 * `isInstance` checks a `Symbol.for` marker rather than `instanceof`, so it works across duplicated
 * package copies (two versions of core in one node_modules tree) and across realms.
 */
const BASE_MARKER = Symbol.for('t2i-reward.error');

export interface T2IRewardErrorOptions {
  cause?: unknown;
  /** Extra machine-readable facts (e.g. the config path, the item index). */
  data?: Record<string, unknown>;
}

export class T2IRewardError extends Error {
  readonly [BASE_MARKER] = true;
  /** Stable machine-readable code, e.g. `IMAGE_DECODE`. */
  readonly code: string;
  readonly data: Record<string, unknown> | undefined;

  constructor(code: string, message: string, options: T2IRewardErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'T2IRewardError';
    this.code = code;
    this.data = options.data;
  }

  static isInstance(error: unknown): error is T2IRewardError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[BASE_MARKER] === true;
  }

  /** Plain JSON for logs, result files and HTTP responses. */
  toJSON(): { name: string; code: string; message: string; data?: Record<string, unknown> } {
    return { name: this.name, code: this.code, message: this.message, ...(this.data ? { data: this.data } : {}) };
  }
}

/** Marks errors that end a whole call instead of failing one item (see {@link isFatalRewardError}). */
const FATAL_MARKER = Symbol.for('t2i-reward.error.fatal');

/**
 * Declares a subclass with its own marker so `Sub.isInstance` only matches that subclass (and its children).
 * `fatal: true` declares the class fatal once, here, so no caller keeps a list of codes.
 */
function defineError(name: string, code: string, { fatal = false }: { fatal?: boolean } = {}) {
  const marker = Symbol.for(`t2i-reward.error.${name}`);
  const ErrorClass = class extends T2IRewardError {
    constructor(message: string, options: T2IRewardErrorOptions = {}) {
      super(code, message, options);
      this.name = name;
      (this as unknown as Record<symbol, boolean>)[marker] = true;
      if (fatal) (this as unknown as Record<symbol, boolean>)[FATAL_MARKER] = true;
    }
    static override isInstance(error: unknown): error is T2IRewardError {
      return T2IRewardError.isInstance(error) && (error as unknown as Record<symbol, unknown>)[marker] === true;
    }
  };
  Object.defineProperty(ErrorClass, 'name', { value: name });
  return ErrorClass;
}

/** Image bytes that sharp cannot decode: truncated, zero-byte, not an image. */
export class ImageDecodeError extends defineError('ImageDecodeError', 'IMAGE_DECODE') {}
/** Image over the byte or pixel limit (decompression bombs included). */
export class ImageTooLargeError extends defineError('ImageTooLargeError', 'IMAGE_TOO_LARGE') {}
/** Image source refused by policy: http(s) URL not on the allow-list, path outside the allowed root. */
export class ImageSourceNotAllowedError extends defineError('ImageSourceNotAllowedError', 'IMAGE_SOURCE_NOT_ALLOWED') {}
/** Image input of an unknown shape, or a file that cannot be read. */
export class InvalidImageInputError extends defineError('InvalidImageInputError', 'INVALID_IMAGE_INPUT') {}
/** A configuration (ensemble file, factory options) that does not validate; `data.path` names the bad key. */
export class InvalidConfigError extends defineError('InvalidConfigError', 'INVALID_CONFIG') {}
/** A PromptSpec that does not validate against the schema. */
export class InvalidPromptSpecError extends defineError('InvalidPromptSpecError', 'INVALID_PROMPT_SPEC') {}
/** A reward model implementing a specification version this core does not know. */
export class UnsupportedModelVersionError extends defineError('UnsupportedModelVersionError', 'UNSUPPORTED_MODEL_VERSION') {}
/** A model that could not be loaded (missing files, bad layout, unknown hub id offline). */
export class ModelLoadError extends defineError('ModelLoadError', 'MODEL_LOAD', { fatal: true }) {}
/** An optional runtime (onnxruntime-node, transformers.js, TF.js) that is not installed or cannot start. */
export class RuntimeUnavailableError extends defineError('RuntimeUnavailableError', 'RUNTIME_UNAVAILABLE', { fatal: true }) {}
/** Scoring aborted through an AbortSignal. */
export class RewardAbortedError extends defineError('RewardAbortedError', 'ABORTED', { fatal: true }) {}
/** Scoring or a remote call that ran past its deadline. */
export class RewardTimeoutError extends defineError('RewardTimeoutError', 'TIMEOUT') {}
/** A model used after `dispose()`. */
export class ModelDisposedError extends defineError('ModelDisposedError', 'MODEL_DISPOSED', { fatal: true }) {}
/** An expert that failed on one item (the `cause` holds the underlying error). */
export class ExpertFailedError extends defineError('ExpertFailedError', 'EXPERT_FAILED') {}
/** A remote backend (OpenAI-compatible, KServe v2) that answered with an error or unusable content. */
export class RemoteServiceError extends defineError('RemoteServiceError', 'REMOTE_SERVICE') {}
/** An input the expert cannot judge by construction (e.g. an unsupported relation); usually a warning + null score. */
export class UnsupportedInputError extends defineError('UnsupportedInputError', 'UNSUPPORTED_INPUT') {}

/**
 * True for errors that end the whole call instead of failing one item: the call was aborted, the model was
 * disposed, it could not be loaded, or its runtime is missing (`RewardAbortedError`, `ModelDisposedError`,
 * `ModelLoadError`, `RuntimeUnavailableError`). Retrying item by item or scoring the next batch cannot help.
 * A new error class declares itself fatal in `defineError`; callers never list codes.
 */
export function isFatalRewardError(error: unknown): error is T2IRewardError {
  return T2IRewardError.isInstance(error) && (error as unknown as Record<symbol, unknown>)[FATAL_MARKER] === true;
}

/** Wraps anything thrown into a T2IRewardError (keeps typed errors as they are). */
export function toRewardError(error: unknown, fallbackMessage = 'expert failed'): T2IRewardError {
  if (T2IRewardError.isInstance(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ExpertFailedError(`${fallbackMessage}: ${message}`, { cause: error });
}

/**
 * The distinct messages along an error's cause chain, outermost first. undici says only "fetch failed" and keeps the
 * reason (`connect ECONNREFUSED 127.0.0.1:8000`, or an AggregateError of one per address) under `cause`: that is
 * what a user needs to see. A message already contained in an earlier one is skipped; a system error code
 * (`ECONNREFUSED`) is added when no message names it.
 */
export function errorCauseChain(error: unknown, maxDepth = 8): string[] {
  if (!(error instanceof Error)) return [String(error)];
  const parts: string[] = [];
  const add = (text: string) => {
    if (text && !parts.some((part) => part.includes(text))) parts.push(text);
  };
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < maxDepth; depth++) {
    const code = (current as { code?: unknown }).code;
    add(current.message);
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) add(code);
    current = current.cause ?? (current instanceof AggregateError ? current.errors[0] : undefined);
  }
  return parts.length > 0 ? parts : [String(error)];
}

/** Throws RewardAbortedError when the signal is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new RewardAbortedError('scoring aborted', { cause: signal.reason });
  }
}

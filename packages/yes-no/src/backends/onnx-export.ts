import path from 'node:path';
import {
  checkModelFolder,
  ModelLoadError,
  UnsupportedInputError,
  loadOnnxRuntime,
  loadTransformers,
  resolveModelLocation,
  type OnnxRuntimeModule,
} from '@t2i-reward/core';
import type { InferenceSession } from 'onnxruntime-node';
import { stripSpecialTokens, type YesNoQuery } from '../backend.js';
import { LoadingYesNoBackend } from './loading.js';
import type { OnnxGitBackendOptions } from './schemas.js';

export type { OnnxGitBackendOptions } from './schemas.js';

export type ImageProcessor = (image: unknown) => Promise<{ pixel_values: { data: Float32Array; dims: number[] } }>;
export type RawImageClass = new (data: Uint8ClampedArray, width: number, height: number, channels: number) => unknown;

/** One ONNX file of an export: onnx/<file>.onnx must take `inputs` and give `output`. */
export interface SessionContract {
  file: string;
  inputs: readonly string[];
  output: string;
}

export interface OpenedExport<Tokenizer> {
  sessions: InferenceSession[];
  tokenizer: Tokenizer;
  imageProcessor: ImageProcessor;
  RawImage: RawImageClass;
}

/** onnxruntime-node and transformers.js (for the tokenizer and image processor only); failures stay RuntimeUnavailableError. */
export function loadExportRuntimes(): Promise<[OnnxRuntimeModule, unknown]> {
  return Promise.all([loadOnnxRuntime(), loadTransformers()]);
}

/**
 * Opens a GIT / BLIP-style export folder shared by the raw-onnxruntime backends: one session per contract entry
 * (in order), the tokenizer and image processor from its tokenizer.json / preprocessor_config.json, each session
 * checked against its contract. Throws plain errors; the backend wraps them in its ModelLoadError.
 */
export async function openOnnxExport<Tokenizer>(
  [ort, transformers]: [OnnxRuntimeModule, unknown],
  dir: string,
  options: OnnxGitBackendOptions,
  contract: readonly SessionContract[],
): Promise<OpenedExport<Tokenizer>> {
  const tf = transformers as {
    AutoTokenizer: { from_pretrained(id: string, options: { local_files_only: boolean }): Promise<Tokenizer> };
    AutoImageProcessor: { from_pretrained(id: string, options: { local_files_only: boolean }): Promise<ImageProcessor> };
    RawImage: RawImageClass;
  };
  const sessionOptions: InferenceSession.SessionOptions = {
    executionProviders: options.executionProviders ?? ['cpu'],
    ...(options.intraOpNumThreads ? { intraOpNumThreads: options.intraOpNumThreads } : {}),
    ...options.sessionOptions,
  };
  const [sessions, tokenizer, imageProcessor] = await Promise.all([
    Promise.all(contract.map(({ file }) => ort.InferenceSession.create(path.join(dir, 'onnx', `${file}.onnx`), sessionOptions))),
    // A local export folder: never the hub, whatever another expert allowed process-wide (as image-reward.ts).
    tf.AutoTokenizer.from_pretrained(dir, { local_files_only: true }),
    tf.AutoImageProcessor.from_pretrained(dir, { local_files_only: true }),
  ]);
  contract.forEach(({ file, inputs, output }, i) => {
    const session = sessions[i]!;
    const missing = inputs.filter((input) => !session.inputNames.includes(input));
    if (missing.length > 0 || !session.outputNames.includes(output)) {
      throw new Error(
        `onnx/${file}.onnx has inputs [${session.inputNames.join(', ')}] and outputs [${session.outputNames.join(', ')}]; expected inputs [${inputs.join(', ')}] and output ${output}`,
      );
    }
  });
  return { sessions, tokenizer, imageProcessor, RawImage: tf.RawImage };
}

/** The slice of a transformers.js tokenizer that framedQueryIds uses. */
export interface QueryTokenizer {
  all_special_tokens: string[];
  encode(text: string, options?: { add_special_tokens?: boolean }): number[];
}

/** The tokenizer of an ONNX export, as the GIT and BLIP backends read it (transformers.js's, from tokenizer.json). */
export interface ExportTokenizer extends QueryTokenizer {
  model_max_length: number;
  get_vocab(): Map<string, number> | Record<string, number>;
}

/** What every ONNX export backend holds once loaded: the runtime, the vision session, tokenizer and preprocessing. */
export interface LoadedExport<Tokenizer> {
  ort: OnnxRuntimeModule;
  vision: InferenceSession;
  tokenizer: Tokenizer;
  imageProcessor: ImageProcessor;
  RawImage: RawImageClass;
}

/** An export opened by {@link OnnxExportYesNoBackend}: the common loaded fields (vision = the first session) and all sessions in contract order. */
export interface OpenedSessions<Tokenizer> {
  common: LoadedExport<Tokenizer>;
  sessions: InferenceSession[];
}

/**
 * What the GIT and BLIP backends share: the id `onnx/<model>` and a load that resolves the export folder, hands it
 * to `fromExport` with a function opening the export against `contract`, and wraps any failure in a ModelLoadError
 * naming the export's `kind`.
 */
export abstract class OnnxExportYesNoBackend<Tokenizer, Loaded> extends LoadingYesNoBackend<OnnxGitBackendOptions, Loaded> {
  readonly #kind: string;
  readonly #contract: readonly SessionContract[];

  protected constructor(options: OnnxGitBackendOptions, kind: string, contract: readonly SessionContract[]) {
    super(`onnx/${options.model}`, options);
    this.#kind = kind;
    this.#contract = contract;
  }

  /** The loaded model from the export folder `dir`; `open()` opens its sessions, tokenizer and image processor. */
  protected abstract fromExport(open: () => Promise<OpenedSessions<Tokenizer>>, dir: string): Promise<Loaded>;

  protected async doLoad(): Promise<Loaded> {
    const dir = resolveModelLocation(this.options.model).location;
    // The folder and the files the export needs, checked before any runtime loads: one line naming what is missing.
    checkModelFolder(dir, `the ${this.#kind} ONNX export`, [
      ...this.#contract.map(({ file }) => `onnx/${file}.onnx`),
      'tokenizer.json',
      'tokenizer_config.json',
      'preprocessor_config.json',
    ]);
    const runtimes = await loadExportRuntimes();
    const open = async (): Promise<OpenedSessions<Tokenizer>> => {
      const { sessions, tokenizer, imageProcessor, RawImage } = await openOnnxExport<Tokenizer>(runtimes, dir, this.options, this.#contract);
      return { common: { ort: runtimes[0], vision: sessions[0]!, tokenizer, imageProcessor, RawImage }, sessions };
    };
    try {
      return await this.fromExport(open, dir);
    } catch (error) {
      throw new ModelLoadError(`cannot load the ${this.#kind} ONNX export in ${dir}: ${(error as Error).message}`, { cause: error, data: { model: dir } });
    }
  }
}

/**
 * Token ids of `before + tokens(prefix + body + suffix) + after` (the model's own special tokens around a
 * question), special-token text removed from the body and the body cut from its end when the whole is over `limit`.
 */
export function framedQueryIds(
  tokenizer: QueryTokenizer,
  query: YesNoQuery,
  limit: number,
  frame: { before: readonly number[]; after: readonly number[] },
): { ids: number[]; warnings: string[]; sent?: string } {
  const warnings: string[] = [];
  const cleaned = stripSpecialTokens(query.body, tokenizer.all_special_tokens);
  if (cleaned.warning) warnings.push(cleaned.warning);
  const encode = (text: string) => (text ? tokenizer.encode(text, { add_special_tokens: false }) : []);
  const framing = frame.before.length + frame.after.length;
  const text = `${query.prefix ?? ''}${cleaned.text}${query.suffix ?? ''}`;
  const full = encode(text);
  if (full.length + framing <= limit) return { ids: [...frame.before, ...full, ...frame.after], warnings, ...(cleaned.warning ? { sent: text } : {}) };
  const prefix = encode(query.prefix ?? '');
  const suffix = encode(query.suffix ?? '');
  const body = encode(cleaned.text);
  const room = limit - framing - prefix.length - suffix.length;
  if (room <= 0) throw new UnsupportedInputError(`the question template alone is over the model's limit of ${limit} tokens`);
  warnings.push(`prompt truncated from ${body.length} to ${room} tokens to fit the model limit of ${limit} tokens`);
  return { ids: [...frame.before, ...prefix, ...body.slice(0, room), ...suffix, ...frame.after], warnings };
}

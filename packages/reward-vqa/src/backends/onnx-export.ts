import path from 'node:path';
import { loadOnnxRuntime, loadTransformers, type OnnxRuntimeModule } from '@t2i-reward/core';
import type { InferenceSession } from 'onnxruntime-node';
import type { OnnxGitBackendOptions } from './onnx-git.js';

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
    AutoTokenizer: { from_pretrained(id: string): Promise<Tokenizer> };
    AutoImageProcessor: { from_pretrained(id: string): Promise<ImageProcessor> };
    RawImage: RawImageClass;
  };
  const sessionOptions: InferenceSession.SessionOptions = {
    executionProviders: options.executionProviders ?? ['cpu'],
    ...(options.intraOpNumThreads ? { intraOpNumThreads: options.intraOpNumThreads } : {}),
    ...options.sessionOptions,
  };
  const [sessions, tokenizer, imageProcessor] = await Promise.all([
    Promise.all(contract.map(({ file }) => ort.InferenceSession.create(path.join(dir, 'onnx', `${file}.onnx`), sessionOptions))),
    tf.AutoTokenizer.from_pretrained(dir),
    tf.AutoImageProcessor.from_pretrained(dir),
  ]);
  contract.forEach(({ file, inputs, output }, i) => {
    const session = sessions[i]!;
    const missing = inputs.filter((input) => !session.inputNames.includes(input));
    if (missing.length > 0 || !session.outputNames.includes(output)) {
      throw new Error(`onnx/${file}.onnx has inputs [${session.inputNames.join(', ')}] and outputs [${session.outputNames.join(', ')}]; expected inputs [${inputs.join(', ')}] and output ${output}`);
    }
  });
  return { sessions, tokenizer, imageProcessor, RawImage: tf.RawImage };
}

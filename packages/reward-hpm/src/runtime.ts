import { loadOnnxRuntime, loadTransformers, type OnnxRuntimeModule, type TransformersModule } from '@t2i-reward/core';

export type { OnnxRuntimeModule, TransformersModule };

/**
 * @huggingface/transformers through core's lazy loader (an injected runtime wins). Core sets transformers.js'
 * process-wide `env.allowRemoteModels` on each call: offline unless the caller opts in.
 */
export function transformersRuntime(allowRemoteModels: boolean): Promise<TransformersModule> {
  return loadTransformers({ allowRemoteModels });
}

/** onnxruntime-node through core's lazy loader. */
export function onnxRuntime(): Promise<OnnxRuntimeModule> {
  return loadOnnxRuntime();
}

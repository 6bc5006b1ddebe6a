import { loadOnnxRuntime, loadTransformers, type OnnxRuntimeModule, type TransformersModule } from '@t2i-reward/core';

export type { OnnxRuntimeModule, TransformersModule };

/**
 * @huggingface/transformers through core's lazy loader (an injected runtime wins): offline unless a caller opts in;
 * each load also passes `local_files_only` itself (core's `pretrainedLoadOptions`).
 */
export function transformersRuntime(allowRemoteModels: boolean): Promise<TransformersModule> {
  return loadTransformers({ allowRemoteModels });
}

/** onnxruntime-node through core's lazy loader. */
export function onnxRuntime(): Promise<OnnxRuntimeModule> {
  return loadOnnxRuntime();
}

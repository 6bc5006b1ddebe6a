import { backendEntry, backendSchema, backendTypes, createFromBackendTable, type BackendTable, type JSONSchema } from '@t2i-reward/core';
import { isYesNoBackend, type YesNoBackend } from '../backend.js';
import { OnnxYesNoBackend } from './onnx.js';
import { OpenAiYesNoBackend } from './openai.js';
import {
  onnxYesNoBackendSchema,
  openAiYesNoBackendSchema,
  transformersYesNoBackendSchema,
  type OnnxBackendOptions,
  type OpenAiBackendOptions,
  type TransformersBackendOptions,
} from './schemas.js';
import { TransformersYesNoBackend } from './transformers.js';

export type YesNoBackendConfig =
  ({ type: 'transformers' } & TransformersBackendOptions) | ({ type: 'onnx' } & OnnxBackendOptions) | ({ type: 'openai' } & OpenAiBackendOptions);

/**
 * The yes/no backends, declared once: `YES_NO_BACKEND_TYPES`, `yesNoBackendSchema` and `createYesNoBackend`
 * derive from this table (core's backend tables).
 */
export const YES_NO_BACKENDS: BackendTable<void, YesNoBackend> = {
  transformers: backendEntry<{ type: 'transformers' } & TransformersBackendOptions, void, YesNoBackend>({
    description: 'LLaVA-family VLMs through transformers.js (first-token logits)',
    schema: transformersYesNoBackendSchema,
    create: ({ type: _type, ...options }) => new TransformersYesNoBackend(options),
  }),
  onnx: backendEntry<{ type: 'onnx' } & OnnxBackendOptions, void, YesNoBackend>({
    description: 'GIT / BLIP VQA exports on raw onnxruntime-node',
    schema: onnxYesNoBackendSchema,
    create: ({ type: _type, ...options }) => new OnnxYesNoBackend(options),
  }),
  openai: backendEntry<{ type: 'openai' } & OpenAiBackendOptions, void, YesNoBackend>({
    description: 'an OpenAI-compatible server (vLLM, SGLang): top logprobs of one token',
    schema: openAiYesNoBackendSchema,
    create: ({ type: _type, ...options }) => new OpenAiYesNoBackend(options),
  }),
};

export const YES_NO_BACKEND_TYPES: readonly string[] = backendTypes(YES_NO_BACKENDS);

/** Creates the backend a config names; a ready YesNoBackend instance passes through. */
export function createYesNoBackend(config: YesNoBackendConfig | YesNoBackend): YesNoBackend {
  if (isYesNoBackend(config)) return config;
  return createFromBackendTable(YES_NO_BACKENDS, config, undefined);
}

/** JSON Schema of a backend config (shared by the VQA and ORM option schemas), from the table. */
export const yesNoBackendSchema: JSONSchema = backendSchema(YES_NO_BACKENDS);

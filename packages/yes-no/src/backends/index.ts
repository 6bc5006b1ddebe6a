import { backendEntry, backendSchema, backendTypes, createFromBackendTable, type BackendTable, type JSONSchema } from '@t2i-reward/core';
import { isYesNoBackend, type YesNoBackend } from '../backend.js';
import { OnnxYesNoBackend, type OnnxBackendOptions } from './onnx.js';
import { OpenAiYesNoBackend, type OpenAiBackendOptions } from './openai.js';
import { TransformersYesNoBackend, type TransformersBackendOptions } from './transformers.js';

export type YesNoBackendConfig =
  ({ type: 'transformers' } & TransformersBackendOptions) | ({ type: 'onnx' } & OnnxBackendOptions) | ({ type: 'openai' } & OpenAiBackendOptions);

const positiveInteger = { type: 'integer', minimum: 1 } as const;

/** The `backend` object of one type: `type`, then its own keys; `model` (a location or hub id) where `required` says. */
function backendObject(type: string, required: string[], properties: Record<string, unknown>): JSONSchema {
  return { additionalProperties: false, required, properties: { type: { const: type }, ...properties } };
}
const model = { type: 'string', minLength: 1 } as const;

/**
 * The yes/no backends, declared once: `YES_NO_BACKEND_TYPES`, `yesNoBackendSchema` and `createYesNoBackend`
 * derive from this table (core's backend tables).
 */
export const YES_NO_BACKENDS: BackendTable<void, YesNoBackend> = {
  transformers: backendEntry<{ type: 'transformers' } & TransformersBackendOptions, void, YesNoBackend>({
    description: 'LLaVA-family VLMs through transformers.js (first-token logits)',
    schema: backendObject('transformers', ['model'], {
      model,
      dtype: { enum: ['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'q4f16', 'bnb4'] },
      device: { type: 'string' },
      allowRemoteModels: { type: 'boolean' },
      cacheDir: { type: 'string' },
      maxInputTokens: positiveInteger,
      maxBatchQuestions: positiveInteger,
      sessionOptions: { type: 'object' },
    }),
    create: ({ type: _type, ...options }) => new TransformersYesNoBackend(options),
  }),
  onnx: backendEntry<{ type: 'onnx' } & OnnxBackendOptions, void, YesNoBackend>({
    description: 'GIT / BLIP VQA exports on raw onnxruntime-node',
    schema: backendObject('onnx', ['model'], {
      model,
      architecture: { enum: ['git', 'blip'] },
      executionProviders: { type: 'array', items: { type: 'string' } },
      intraOpNumThreads: positiveInteger,
      sessionOptions: { type: 'object' },
      maxInputTokens: positiveInteger,
    }),
    create: ({ type: _type, ...options }) => new OnnxYesNoBackend(options),
  }),
  openai: backendEntry<{ type: 'openai' } & OpenAiBackendOptions, void, YesNoBackend>({
    description: 'an OpenAI-compatible server (vLLM, SGLang): top logprobs of one token',
    schema: backendObject('openai', ['baseURL', 'model'], {
      baseURL: { type: 'string', pattern: '^https?://' },
      model,
      apiKey: { type: 'string' },
      apiKeyEnv: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
      timeoutMs: positiveInteger,
      concurrency: positiveInteger,
      maxRetries: { type: 'integer', minimum: 0 },
      retryBaseMs: { type: 'integer', minimum: 0 },
      imageFormat: { enum: ['png', 'jpeg'] },
      maxPromptChars: positiveInteger,
      topLogprobs: { type: 'integer', minimum: 1, maximum: 20 },
      headers: { type: 'object', additionalProperties: { type: 'string' } },
    }),
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

import type { JSONSchema } from '@t2i-reward/core';
import { isYesNoBackend, type YesNoBackend } from '../backend.js';
import { OnnxYesNoBackend, type OnnxBackendOptions } from './onnx.js';
import { OpenAiYesNoBackend, type OpenAiBackendOptions } from './openai.js';
import { TransformersYesNoBackend, type TransformersBackendOptions } from './transformers.js';

export type YesNoBackendConfig =
  | ({ type: 'transformers' } & TransformersBackendOptions)
  | ({ type: 'onnx' } & OnnxBackendOptions)
  | ({ type: 'openai' } & OpenAiBackendOptions);

export const YES_NO_BACKEND_TYPES = ['transformers', 'onnx', 'openai'] as const;

/** Creates the backend a config names; a ready YesNoBackend instance passes through. */
export function createYesNoBackend(config: YesNoBackendConfig | YesNoBackend): YesNoBackend {
  if (isYesNoBackend(config)) return config;
  const { type, ...options } = config;
  switch (type) {
    case 'transformers':
      return new TransformersYesNoBackend(options as TransformersBackendOptions);
    case 'onnx':
      return new OnnxYesNoBackend(options as OnnxBackendOptions);
    case 'openai':
      return new OpenAiYesNoBackend(options as OpenAiBackendOptions);
  }
}

const positiveInteger = { type: 'integer', minimum: 1 } as const;

/** JSON Schema of a backend config (shared by the VQA and ORM option schemas). */
export const yesNoBackendSchema: JSONSchema = {
  type: 'object',
  required: ['type'],
  properties: { type: { enum: [...YES_NO_BACKEND_TYPES] } },
  allOf: [
    {
      if: { properties: { type: { const: 'transformers' } } },
      then: {
        additionalProperties: false,
        required: ['model'],
        properties: {
          type: true,
          model: { type: 'string', minLength: 1 },
          dtype: { enum: ['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'q4f16', 'bnb4'] },
          device: { type: 'string' },
          allowRemoteModels: { type: 'boolean' },
          cacheDir: { type: 'string' },
          maxInputTokens: positiveInteger,
          maxBatchQuestions: positiveInteger,
          sessionOptions: { type: 'object' },
        },
      },
    },
    {
      if: { properties: { type: { const: 'onnx' } } },
      then: {
        additionalProperties: false,
        required: ['model'],
        properties: {
          type: true,
          model: { type: 'string', minLength: 1 },
          architecture: { enum: ['git', 'blip'] },
          executionProviders: { type: 'array', items: { type: 'string' } },
          intraOpNumThreads: positiveInteger,
          sessionOptions: { type: 'object' },
          maxInputTokens: positiveInteger,
        },
      },
    },
    {
      if: { properties: { type: { const: 'openai' } } },
      then: {
        additionalProperties: false,
        required: ['baseURL', 'model'],
        properties: {
          type: true,
          baseURL: { type: 'string', pattern: '^https?://' },
          model: { type: 'string', minLength: 1 },
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
        },
      },
    },
  ],
};

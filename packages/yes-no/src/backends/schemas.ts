import { Type, type Static } from '@sinclair/typebox';
import { Const, StringEnum } from '@t2i-reward/core';
import { openAiCompatibleConnectionProperties } from '../openai-compatible.js';

/*
 * The `backend` object of each yes/no backend, written once: the JSON Schema the table validates with
 * (`YES_NO_BACKENDS` in ./index.ts) and the backend classes' option types (`Static<>` without `type`). A module of
 * its own so the backend classes can import their types without importing the table that imports them.
 *
 * `type` is optional here because the table's schema (core's backendSchema) requires it and picks the branch by it
 * (the hand-written branches did not repeat it in `required` either); YesNoBackendConfig adds it back, required.
 */

const positiveInteger = () => Type.Integer({ minimum: 1 });
const openObject = () => Type.Unsafe<Record<string, unknown>>({ type: 'object' });

/** LLaVA-family VLMs through transformers.js. */
export const transformersYesNoBackendSchema = Type.Object(
  {
    type: Type.Optional(Const('transformers')),
    /** Hub id ("llava-hf/llava-1.5-7b-hf" style ONNX export) or local folder in the transformers.js layout. */
    model: Type.String({ minLength: 1 }),
    /** Weight precision of the ONNX files to load (default 'fp32': `onnx/<session>.onnx`). */
    dtype: Type.Optional(StringEnum(['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'q4f16', 'bnb4'])),
    /** transformers.js device (default 'cpu'). */
    device: Type.Optional(Type.String()),
    /** Let transformers.js download from the hub (default false: offline, local folders only). */
    allowRemoteModels: Type.Optional(Type.Boolean()),
    cacheDir: Type.Optional(Type.String()),
    /** Token limit of the language model; default the tokenizer's model_max_length, else max_position_embeddings. */
    maxInputTokens: Type.Optional(positiveInteger()),
    /** Questions per decoder forward pass (they share the image's features; default 4). */
    maxBatchQuestions: Type.Optional(positiveInteger()),
    /** onnxruntime session options passed to transformers.js (e.g. intraOpNumThreads, extra.session.allow_spinning). */
    sessionOptions: Type.Optional(openObject()),
  },
  { additionalProperties: false },
);

/** GIT- or BLIP-VQA-style exports on raw onnxruntime-node. */
export const onnxYesNoBackendSchema = Type.Object(
  {
    type: Type.Optional(Const('onnx')),
    /**
     * Local folder holding a GIT-style export (see the README's ONNX contract):
     * onnx/vision_encoder.onnx, onnx/decoder_model.onnx, tokenizer.json, tokenizer_config.json, preprocessor_config.json.
     */
    model: Type.String({ minLength: 1 }),
    /** Export layout; default: config.json `model_type` ('git' | 'blip'), else 'git'. */
    architecture: Type.Optional(StringEnum(['git', 'blip'])),
    /** onnxruntime execution providers (default ['cpu']). */
    executionProviders: Type.Optional(Type.Array(Type.String())),
    intraOpNumThreads: Type.Optional(positiveInteger()),
    /** Further onnxruntime session options (e.g. `{ extra: { session: { allow_spinning: '0' } } }`). */
    sessionOptions: Type.Optional(openObject()),
    /** Text positions of the decoder; default the tokenizer's model_max_length. */
    maxInputTokens: Type.Optional(positiveInteger()),
  },
  { additionalProperties: false },
);

/** An OpenAI-compatible server (vLLM, SGLang): top logprobs of one token. */
export const openAiYesNoBackendSchema = Type.Object(
  {
    type: Type.Optional(Const('openai')),
    // baseURL, model, apiKey, apiKeyEnv, timeoutMs (default 60 000), concurrency, maxRetries, retryBaseMs, imageFormat, headers.
    ...openAiCompatibleConnectionProperties,
    /** User text longer than this many characters is truncated with a warning (default 8000). */
    maxPromptChars: Type.Optional(positiveInteger()),
    /** Logprobs requested per position (default 20, the OpenAI maximum). */
    topLogprobs: Type.Optional(Type.Integer({ minimum: 1, maximum: 20 })),
  },
  { additionalProperties: false },
);

export type TransformersBackendOptions = Omit<Static<typeof transformersYesNoBackendSchema>, 'type'>;
export type OnnxBackendOptions = Omit<Static<typeof onnxYesNoBackendSchema>, 'type'>;
/** Options of the ONNX export backends (GIT- and BLIP-style layouts; `OnnxYesNoBackend` picks one from the folder). */
export type OnnxGitBackendOptions = Omit<OnnxBackendOptions, 'architecture'>;
export type OpenAiBackendOptions = Omit<Static<typeof openAiYesNoBackendSchema>, 'type'> & {
  /** A fetch implementation (default the global one). */
  fetch?: typeof fetch;
};

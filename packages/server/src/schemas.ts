/**
 * JSON schemas (draft 2020-12) of the native protocol, served at GET /v1/schema and used to validate requests.
 * `spec` is checked further by core's PromptSpec validator.
 */

const imageReferenceSchema = {
  description:
    'A data: URL, an http(s) URL on the server allow-list, base64 of the encoded image (PNG, JPEG, WebP, GIF, TIFF, AVIF), ' +
    'or a path under the server image root; or an object naming the form: {"base64"}, {"path"}, {"url"}.',
  oneOf: [
    { type: 'string', minLength: 1 },
    { type: 'object', properties: { base64: { type: 'string', minLength: 1 } }, required: ['base64'], additionalProperties: false },
    { type: 'object', properties: { path: { type: 'string', minLength: 1 } }, required: ['path'], additionalProperties: false },
    { type: 'object', properties: { url: { type: 'string', minLength: 1 } }, required: ['url'], additionalProperties: false },
  ],
} as const;

/** A request's `normalize` (checked in full by core's normalizeSpecSchema when the request is read). */
const normalizeRequestSchema = {
  description:
    "Per-expert normalisation over this request's items before the reward is aggregated: a mode ('none', 'batch-z', 'group-z', 'running-z', 'rank'), a spec {mode, epsilon?, std?, statistics?, decay?, perPrompt?, clip?}, specs by expert name, or false (raw). Groups: metadata.group, else the prompt. Default: the server's --normalize, else each expert's configured normalize.",
  anyOf: [{ type: 'string' }, { type: 'object' }, { const: false }],
} as const;

export const scoreRequestSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://t2i-reward.dev/schemas/server/v1/score-request.json',
  title: 'POST /v1/score request',
  type: 'object',
  properties: {
    items: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        properties: {
          image: imageReferenceSchema,
          prompt: { type: 'string' },
          spec: { type: 'object', description: 'PromptSpec (see @t2i-reward/core promptSpecSchema); parsed from the prompt when absent.' },
          metadata: { type: 'object', description: 'Passed to the experts untouched.' },
        },
        required: ['image', 'prompt'],
        additionalProperties: false,
      },
    },
    details: { type: 'boolean', description: "Include each expert's details (boxes, per-question probabilities...). Default false." },
    normalize: normalizeRequestSchema,
  },
  required: ['items'],
  additionalProperties: false,
} as const;

const errorSchema = {
  type: 'object',
  properties: { name: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' }, data: { type: 'object' } },
  required: ['code', 'message'],
} as const;

const nullableNumber = { type: ['number', 'null'] } as const;

export const scoreResponseSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://t2i-reward.dev/schemas/server/v1/score-response.json',
  title: 'POST /v1/score response',
  type: 'object',
  properties: {
    model: { type: 'string' },
    results: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          reward: { ...nullableNumber, description: 'The ensemble total; null when the item could not be scored.' },
          experts: {
            type: 'object',
            additionalProperties: {
              type: 'object',
              properties: {
                kind: { type: 'string' },
                modelId: { type: 'string' },
                weight: { type: 'number' },
                score: nullableNumber,
                raw: nullableNumber,
                normalized: {
                  type: 'object',
                  description: 'When the expert was normalised: the value the reward used, the mode, and the statistics (count, mean, std, rank, key).',
                  properties: { value: nullableNumber, mode: { type: 'string' }, stats: { type: ['object', 'null'] } },
                },
                warnings: { type: 'array', items: { type: 'string' } },
                error: errorSchema,
                details: { type: 'object' },
              },
              required: ['kind', 'modelId', 'weight', 'score', 'raw', 'warnings'],
              additionalProperties: false,
            },
          },
          warnings: { type: 'array', items: { type: 'string' } },
          error: errorSchema,
        },
        required: ['reward', 'experts', 'warnings'],
        additionalProperties: false,
      },
    },
  },
  required: ['model', 'results'],
  additionalProperties: false,
} as const;

export const openRlhfRequestSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://t2i-reward.dev/schemas/server/openrlhf-request.json',
  title: 'POST /openrlhf/reward request (OpenRLHF remote reward model)',
  type: 'object',
  properties: {
    query: { type: 'array', items: { type: 'string' }, description: 'Prompt + response text; the prompt when "prompts" is absent.' },
    prompts: { type: 'array', items: { type: 'string' }, description: 'The text prompts (preferred over query).' },
    labels: { type: 'array', description: 'Per item: the image reference (same forms as /v1/score), or {"image", "spec"?}.' },
    images: { type: 'array', items: imageReferenceSchema, description: 'Per item image references; take precedence over labels.' },
    normalize: normalizeRequestSchema,
  },
  anyOf: [{ required: ['query'] }, { required: ['prompts'] }],
} as const;

/** Everything GET /v1/schema returns. */
export const serverSchemas = {
  scoreRequest: scoreRequestSchema,
  scoreResponse: scoreResponseSchema,
  openRlhfRequest: openRlhfRequestSchema,
} as const;

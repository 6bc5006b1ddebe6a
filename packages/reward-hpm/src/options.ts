import { Type, type Static } from '@sinclair/typebox';
import { StringEnum, validateWithSchema } from '@t2i-reward/core';
import { CLIP_VARIANTS, PICKSCORE_NORMALIZATIONS } from './scoring.js';

export const HPM_VARIANTS = [...CLIP_VARIANTS, 'image-reward'] as const;
export type HpmVariant = (typeof HPM_VARIANTS)[number];

/**
 * Weight formats of an exported model, as transformers.js names them: each picks the file onnx/<session><suffix>.onnx
 * (fp32 → text_model.onnx, q8 → text_model_quantized.onnx written by scripts/quantize_onnx.py, ...).
 * One table for both backends: transformers.js reads the same suffixes for the CLIP family.
 */
export const HPM_DTYPE_SUFFIXES = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
  q4f16: '_q4f16',
  bnb4: '_bnb4',
} as const;
export type HpmDtype = keyof typeof HPM_DTYPE_SUFFIXES;
export const HPM_DTYPES = Object.keys(HPM_DTYPE_SUFFIXES) as HpmDtype[];

/** The file of one session for a dtype option (a string for all sessions, or per session name; unnamed → fp32). */
export function onnxFileName(session: string, dtype: HpmDtype | Partial<Record<string, HpmDtype>> | undefined): string {
  const chosen = typeof dtype === 'string' ? dtype : (dtype?.[session] ?? 'fp32');
  return `${session}${HPM_DTYPE_SUFFIXES[chosen]}.onnx`;
}

/** 'q8', or 'vision_model=q8' for a per-session choice; part of a model id (a q8 scorer is another model than fp32). */
export function dtypeLabel(dtype: HpmDtype | Partial<Record<string, HpmDtype>> | undefined): string {
  if (dtype === undefined || typeof dtype === 'string') return dtype ?? 'fp32';
  const entries = Object.entries(dtype).filter(([, value]) => value !== undefined && value !== 'fp32');
  return entries.length === 0
    ? 'fp32'
    : entries
        .map(([session, value]) => `${session}=${value}`)
        .sort()
        .join(',');
}

/** ONNX session knobs passed to onnxruntime (both backends). */
export const hpmSessionOptionsSchema = Type.Object(
  {
    intraOpNumThreads: Type.Optional(Type.Integer({ minimum: 0 })),
    interOpNumThreads: Type.Optional(Type.Integer({ minimum: 0 })),
    /** ORT's intra-op threads spin-wait after each run (~35 ms of CPU); false frees the cores for image decoding. */
    allowSpinning: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type HpmSessionOptions = Static<typeof hpmSessionOptionsSchema>;

const hpmDtype = () => StringEnum(HPM_DTYPES);

/** The options' keys, without the rules between them (those are {@link hpmRewardOptionsSchema}'s `allOf`). */
const hpmOptionsObject = Type.Object(
  {
    /** Which scorer: a CLIP-family formula, or ImageReward (BLIP). */
    variant: StringEnum(HPM_VARIANTS),
    /**
     * A local folder in the Hugging Face layout (config.json, tokenizer.json, preprocessor_config.json, onnx/*.onnx),
     * or a hub id (transformers backend: read from transformers.js' cache, or downloaded when `allowRemoteModels`).
     * Default for 'clipscore' / 'cosine': Xenova/clip-vit-base-patch32. Required for the others (see scripts/export_*.py).
     */
    model: Type.Optional(Type.String({ minLength: 1 })),
    /** 'transformers' (CLIP family) or 'onnx' (ImageReward). Defaults to the variant's own. */
    backend: Type.Optional(StringEnum(['transformers', 'onnx'])),
    /**
     * CLIP ONNX layout: 'split' = onnx/text_model.onnx + onnx/vision_model.onnx (text embeddings cached),
     * 'combined' = onnx/model.onnx (both towers in one call), 'auto' = split when the folder has it. Default 'auto'.
     */
    layout: Type.Optional(StringEnum(['auto', 'split', 'combined'])),
    /** exp(logit_scale) for 'pickscore'. Default: config.json `t2i_reward.logit_scale` (our export scripts write it), else 100. */
    logitScale: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    /** 'divide-26' (default): score = logitScale·cos / 26; 'cosine': score = cos. Both clamped to [0, 1]. */
    pickscoreNormalization: Type.Optional(StringEnum(PICKSCORE_NORMALIZATIONS)),
    /** Text embeddings kept across calls (LRU by prompt). Default 1024; 0 disables the cache. */
    textCacheSize: Type.Optional(Type.Integer({ minimum: 0 })),
    /** Most images per session call; larger batches are split. Default 32. */
    maxImageBatch: Type.Optional(Type.Integer({ minimum: 1 })),
    /** Allow hub downloads (transformers.js `env.allowRemoteModels`, process-wide). Default false: offline, local folders and the transformers.js cache only. */
    allowRemoteModels: Type.Optional(Type.Boolean()),
    /** transformers.js cache folder for hub downloads. */
    cacheDir: Type.Optional(Type.String({ minLength: 1 })),
    /** transformers.js device ('cpu', 'cuda', ...). Default: transformers.js' own (cpu on Node). */
    device: Type.Optional(Type.String({ minLength: 1 })),
    /**
     * Weight format, i.e. which onnx/<session><suffix>.onnx to load (both backends; names and suffixes as transformers.js):
     * 'fp32' (default), 'q8' (`*_quantized.onnx`, int8 weights from scripts/quantize_onnx.py), 'fp16', ... One value for
     * all sessions, or per session: `{ vision_model: 'q8', text_model: 'fp32' }` (sessions not named stay fp32).
     */
    dtype: Type.Optional(
      Type.Unsafe<HpmDtype | Partial<Record<string, HpmDtype>>>(
        Type.Union([hpmDtype(), Type.Unsafe({ type: 'object', minProperties: 1, additionalProperties: hpmDtype() })]),
      ),
    ),
    /**
     * CLIP family: 'letterbox' = longest side to the input size, black padding (HPS v2's inference transform; default
     * for hps-v2 / hps-v2.1); 'processor' = preprocessor_config.json as is (shortest side + centre crop; default otherwise).
     */
    imageResize: Type.Optional(StringEnum(['letterbox', 'processor'])),
    session: Type.Optional(hpmSessionOptionsSchema),
  },
  { additionalProperties: false },
);

/** JSON Schema (TypeBox) of the options of {@link createHpmReward}; HpmRewardOptions is its type. */
export const hpmRewardOptionsSchema = Type.Object(hpmOptionsObject.properties, {
  additionalProperties: false,
  allOf: [
    { if: { properties: { variant: { const: 'image-reward' } } }, then: { properties: { backend: { const: 'onnx' }, layout: false, imageResize: false } } },
    { if: { properties: { variant: { enum: [...CLIP_VARIANTS] } } }, then: { properties: { backend: { const: 'transformers' } } } },
    { if: { properties: { variant: { enum: ['hps-v2', 'hps-v2.1', 'pickscore', 'image-reward'] } } }, then: { required: ['model'] } },
  ],
});

/** Options of {@link createHpmReward} (the type of {@link hpmRewardOptionsSchema}). */
export type HpmRewardOptions = Static<typeof hpmRewardOptionsSchema>;

/** The options of an entry's `options` object: `backend` and `model` are the entry's `backend.type` / `backend.model`. */
export const hpmEntryOptionsSchema = Type.Omit(hpmOptionsObject, ['backend', 'model']);

export const DEFAULT_CLIP_MODEL = 'Xenova/clip-vit-base-patch32';

/** Validates options (InvalidConfigError names the bad key) and fills defaults. */
export function resolveHpmOptions(options: unknown): Required<Pick<HpmRewardOptions, 'variant' | 'model' | 'backend'>> & HpmRewardOptions {
  const valid = validateWithSchema<HpmRewardOptions>(hpmRewardOptionsSchema, options, 'hpm options');
  const backend = valid.backend ?? (valid.variant === 'image-reward' ? 'onnx' : 'transformers');
  return { ...valid, backend, model: valid.model ?? DEFAULT_CLIP_MODEL };
}

/** ORT session options from ours (both backends use onnxruntime-node underneath). */
export function toOrtSessionOptions(session: HpmSessionOptions | undefined): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  if (session?.intraOpNumThreads !== undefined) result.intraOpNumThreads = session.intraOpNumThreads;
  if (session?.interOpNumThreads !== undefined) result.interOpNumThreads = session.interOpNumThreads;
  if (session?.allowSpinning !== undefined) {
    result.extra = { session: { intra_op: { allow_spinning: session.allowSpinning ? '1' : '0' } } };
  }
  return result;
}

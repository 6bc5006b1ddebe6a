import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Type, type Static } from '@sinclair/typebox';
import {
  DEFAULT_ENSEMBLE_CONFIG,
  createEnsembleFromConfig,
  InvalidConfigError,
  loadTfjs,
  parseEnsembleConfig,
  StringEnum,
  TFJS_BACKEND_CHOICES,
  validateWithSchema,
  type CreateFromConfigOptions,
  type EnsembleConfig,
} from '@t2i-reward/core';
import { earlyStoppingOptionsSchema, type EarlyStoppingOptions } from './diagnostics.js';
import type { Policy, PolicyFactory, PromptItem } from './policy.js';
import { createProgressBar } from './progress.js';
import { ensembleReward, type RewardFunction } from './reward.js';
import { train, trainerSettingsSchema, type TrainResult, type TrainerSettings } from './trainer.js';
import { GRPO_PRESETS, type GrpoPresetName } from './math/presets.js';

/** A prompt list: inline strings / {prompt, spec} objects, or a file (.txt one prompt a line, .jsonl objects). */
export type PromptSource = string | (string | PromptItem)[];

const promptSourceSchema = Type.Unsafe<PromptSource>({
  oneOf: [
    { type: 'string', minLength: 1 },
    {
      type: 'array',
      minItems: 1,
      items: {
        oneOf: [
          { type: 'string', minLength: 1 },
          {
            type: 'object',
            required: ['prompt'],
            properties: { prompt: { type: 'string', minLength: 1 }, spec: { type: 'object' }, metadata: { type: 'object' } },
            additionalProperties: false,
          },
        ],
      },
    },
  ],
});

/** `settings` of a train config: the trainer's settings, every key optional. */
const trainerSettingsConfigSchema = Type.Partial(trainerSettingsSchema);

/** `t2ir train --config FILE`: JSON. Paths are relative to the config file. TrainConfig is its type. */
export const trainConfigSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    /** A JS/TS module exporting `createPolicy` (default or named export), a PolicyFactory. */
    policy: Type.String({ minLength: 1 }),
    prompts: promptSourceSchema,
    evalPrompts: Type.Optional(promptSourceSchema),
    /** Core ensemble config (checked by parseEnsembleConfig); default: the CenterNet detector. Ignored when the policy module exports `reward`. */
    ensemble: Type.Optional(Type.Unsafe<EnsembleConfig>({ type: 'object' })),
    /**
     * GRPO settings preset applied under `settings` (see GRPO_PRESETS). `t2i-r1-reference` also applies the ensemble
     * preset of the same name (released T2I-R1 reward: reference experts, plain sum) to the ensemble.
     */
    preset: Type.Optional(StringEnum(Object.keys(GRPO_PRESETS) as GrpoPresetName[])),
    steps: Type.Optional(Type.Integer({ minimum: 1 })),
    seed: Type.Optional(Type.Integer()),
    evalEvery: Type.Optional(Type.Integer({ minimum: 0 })),
    evalGroupSize: Type.Optional(Type.Integer({ minimum: 1 })),
    checkpointEvery: Type.Optional(Type.Integer({ minimum: 0 })),
    /** TF.js backend (default 'auto': tfjs-node-gpu when installed, else wasm, else cpu). */
    runtime: Type.Optional(StringEnum(TFJS_BACKEND_CHOICES)),
    /** Stop when the held-out reward (evalPrompts) has not improved for `patience` evaluations. */
    earlyStopping: Type.Optional(earlyStoppingOptionsSchema),
    settings: Type.Optional(trainerSettingsConfigSchema),
  },
  { $id: 'https://t2i-reward.dev/schemas/train-config.json', additionalProperties: false },
);

export type TrainConfig = Static<typeof trainConfigSchema>;

export function parseTrainConfig(value: unknown): TrainConfig {
  const config = validateWithSchema<TrainConfig>(trainConfigSchema, value, 'train config');
  if (config.ensemble) parseEnsembleConfig(config.ensemble);
  return config;
}

async function readPrompts(source: PromptSource, baseDir: string): Promise<PromptItem[]> {
  if (Array.isArray(source)) return source.map((item) => (typeof item === 'string' ? { prompt: item } : item));
  const file = path.resolve(baseDir, source);
  const lines = (await readFile(file, 'utf8'))
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  return file.endsWith('.jsonl') ? lines.map((line) => JSON.parse(line) as PromptItem) : lines.map((prompt) => ({ prompt }));
}

/** What a policy module may export. */
export interface PolicyModule {
  default?: PolicyFactory;
  createPolicy?: PolicyFactory;
  /** A reward to use instead of the config's ensemble (e.g. a cheap one while developing). */
  reward?: RewardFunction;
}

export async function loadPolicyModule(file: string): Promise<{ factory: PolicyFactory; reward?: RewardFunction }> {
  const module = (await import(pathToFileURL(path.resolve(file)).href)) as PolicyModule;
  const factory = module.createPolicy ?? module.default;
  if (typeof factory !== 'function') throw new Error(`${file} exports no createPolicy function (named or default)`);
  return { factory, ...(module.reward ? { reward: module.reward } : {}) };
}

export interface TrainFromConfigOverrides {
  steps?: number;
  seed?: number;
  outDir: string;
  resume?: boolean;
  progress?: boolean;
  maxMinutes?: number;
  /** Overrides the config's `earlyStopping` patience. */
  earlyStopping?: EarlyStoppingOptions;
  /** Overrides the config's `preset`. */
  preset?: GrpoPresetName;
  /** Overrides `settings.sampleAhead` (sample the next batch before each update; one step off-policy). */
  sampleAhead?: boolean;
  /** Worker pool of the config ensemble's CPU experts (options or a shared pool; false = all in-process). */
  pool?: CreateFromConfigOptions['pool'];
}

/**
 * The settings and ensemble a config trains with: the preset's settings under the config's own `settings`; for
 * `t2i-r1-reference` the ensemble (or the default one) carries the ensemble preset of that name.
 */
export function resolveTrainSetup(config: TrainConfig, presetOverride?: GrpoPresetName): { settings: Partial<TrainerSettings>; ensemble: EnsembleConfig } {
  const preset = presetOverride ?? config.preset;
  const ensemble = config.ensemble ?? DEFAULT_ENSEMBLE_CONFIG;
  return {
    settings: { ...(preset ? GRPO_PRESETS[preset] : {}), ...config.settings },
    ensemble: preset === 't2i-r1-reference' ? { ...ensemble, preset: 't2i-r1-reference' } : ensemble,
  };
}

/** The JSON of a train config file; an unreadable file or bad JSON is an InvalidConfigError naming the file. */
async function readTrainConfigJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InvalidConfigError(`cannot read train config ${file}: ${(error as Error).message}`, { cause: error, data: { path: '', file } });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InvalidConfigError(`train config ${file} is not valid JSON: ${(error as Error).message}`, { cause: error, data: { path: '', file } });
  }
}

/** Loads a train config and its policy module, builds the reward, and runs `train`. */
export async function trainFromConfig(file: string, overrides: TrainFromConfigOverrides): Promise<TrainResult> {
  const baseDir = path.dirname(path.resolve(file));
  const config = parseTrainConfig(await readTrainConfigJson(file));
  const { tf } = await loadTfjs({ backend: config.runtime ?? 'auto' });
  const seed = overrides.seed ?? config.seed ?? 0;
  const { factory, reward: moduleReward } = await loadPolicyModule(path.resolve(baseDir, config.policy));
  const policy: Policy = await factory({ tf, seed });
  const setup = resolveTrainSetup(config, overrides.preset);
  const reward =
    moduleReward ??
    ensembleReward(await createEnsembleFromConfig(setup.ensemble, { configDir: baseDir, ...(overrides.pool !== undefined ? { pool: overrides.pool } : {}) }));
  const steps = overrides.steps ?? config.steps ?? 100;
  const progress = overrides.progress ? createProgressBar(steps) : undefined;
  try {
    return await train({
      policy,
      reward,
      prompts: await readPrompts(config.prompts, baseDir),
      ...(config.evalPrompts ? { evalPrompts: await readPrompts(config.evalPrompts, baseDir) } : {}),
      steps,
      seed,
      outDir: overrides.outDir,
      ...(config.evalEvery !== undefined ? { evalEvery: config.evalEvery } : {}),
      ...(config.evalGroupSize !== undefined ? { evalGroupSize: config.evalGroupSize } : {}),
      checkpointEvery: config.checkpointEvery ?? 10,
      settings: { ...setup.settings, ...(overrides.sampleAhead !== undefined ? { sampleAhead: overrides.sampleAhead } : {}) },
      ...((overrides.earlyStopping ?? config.earlyStopping) ? { earlyStopping: overrides.earlyStopping ?? config.earlyStopping! } : {}),
      ...(overrides.resume ? { resume: true } : {}),
      ...(overrides.maxMinutes !== undefined ? { timeLimitSeconds: overrides.maxMinutes * 60 } : {}),
      tf,
      ...(progress ? { onRecord: (record) => progress.onRecord(record) } : {}),
    });
  } finally {
    progress?.stop();
    policy.dispose?.();
    await reward.dispose?.();
  }
}

import type { Command } from 'commander';
import { isUsageError } from '@t2i-reward/benchmarks';
import {
  BUILTIN_EXPERT_KINDS,
  DEFAULT_ENSEMBLE_CONFIG,
  DEFAULT_EXPERT_CONFIG,
  createEnsembleFromConfig,
  loadEnsembleConfig,
  RuntimeUnavailableError,
  type CreateFromConfigOptions,
  type Ensemble,
  type EnsembleConfig,
  type ExpertConfig,
} from '@t2i-reward/core';
import { expertEntryForModel } from './catalog-model.js';
import { UsageError } from './usage-error.js';

/** The offline default: core's one constant (the real COCO detector, CenterNet on TF.js). */
export { DEFAULT_ENSEMBLE_CONFIG };

/** Per-kind defaults for `--expert KIND` without a config. */
export const DEFAULT_EXPERT_CONFIGS: Record<string, ExpertConfig> = {
  detector: DEFAULT_EXPERT_CONFIG,
  // Tesseract with the English LSTM weights of @tesseract.js-data/eng: offline, no config needed.
  ocr: { kind: 'ocr', backend: { type: 'tesseract' } },
  // JPEG size at quality 95 with sharp (DDPO's / Flow-GRPO's reward): no model at all.
  compressibility: { kind: 'compressibility', backend: { type: 'sharp' } },
  // The nsfwjs MobileNetV2 classifier, whose weights ship in the nsfwjs package: offline.
  safety: { kind: 'safety', backend: { type: 'tfjs' } },
};

/**
 * What an expert kind without an offline default needs, with a config entry to copy: `--expert KIND` alone cannot
 * build it (its model weights are not shipped in any npm package), so the user is told how, not shown a schema error.
 */
export const EXPERT_SETUP_HINTS: Record<string, { needs: string; example: ExpertConfig }> = {
  vqa: {
    needs: 'a VQA model: a local transformers.js / ONNX folder or an OpenAI-compatible server (VQAScore: options.variant "vqascore")',
    example: { kind: 'vqa', backend: { type: 'openai', baseURL: 'http://127.0.0.1:8000/v1', model: 'llava-hf/llava-onevision-qwen2-7b-ov-hf' } },
  },
  orm: {
    needs: 'the output reward model: an OpenAI-compatible server (vLLM / SGLang) or a local transformers.js folder',
    example: { kind: 'orm', backend: { type: 'openai', baseURL: 'http://127.0.0.1:8000/v1', model: 'CaraJ/ORM-T2I-R1' } },
  },
  aesthetic: {
    needs: 'a CLIP ViT-L/14 folder (t2ir models pull clip-vit-l14) holding the LAION head aesthetic-head.safetensors (t2ir models export laion-aesthetic)',
    example: { kind: 'aesthetic', backend: { type: 'transformers', model: './models/laion-aesthetic' }, options: { clip: 'clip-vit-l14' } },
  },
  hpm: {
    needs: 'a human-preference model folder (HPS v2.1, PickScore, CLIP or ImageReward) and its variant',
    example: { kind: 'hpm', backend: { type: 'transformers', model: './models/hps-v2.1' }, options: { variant: 'hps-v2.1' } },
  },
  judge: {
    needs: 'a VLM judge behind an OpenAI-compatible server (vLLM / SGLang) that answers with "Final Score: x"',
    example: { kind: 'judge', backend: { type: 'openai', baseURL: 'http://127.0.0.1:8000/v1', model: 'CodeGoat24/UnifiedReward-qwen-7b' } },
  },
};

function setupHint(kind: string): string {
  const hint = EXPERT_SETUP_HINTS[kind];
  if (!hint) return `--expert ${kind} has no offline default: give --config FILE with an experts entry for it (see t2ir models)`;
  const example = JSON.stringify({ experts: [hint.example] });
  return `--expert ${kind} needs ${hint.needs}; give --config FILE, e.g. ${example} (examples/configs has runnable ones)`;
}

// In a module of its own so catalog-model.ts, which this file imports, can throw it without an import circle.
export { UsageError };

/**
 * Ends a command's action after an error by the one exit-code rule: a usage error prints `error: …` and exits 2
 * (through commander, as bad flags do); anything else prints `t2ir <command>: …` and exits 1.
 */
export function failCommand(command: Command, error: unknown, setExitCode: (code: number) => void): void {
  const message = error instanceof Error ? error.message : String(error);
  if (isUsageError(error)) command.error(`error: ${message}`, { exitCode: 2, code: 't2ir.usage' });
  process.stderr.write(`t2ir ${command.name()}: ${message}\n`);
  setExitCode(1);
}

export interface EnsembleChoice {
  config?: string;
  experts?: string[];
  aggregate?: EnsembleConfig['aggregate'];
  onMissing?: EnsembleConfig['onMissing'];
  batchSize?: number;
  /** A named ensemble preset (`t2i-r1-reference`), applied when the ensemble is built. */
  preset?: string;
  /** A catalog model pulled into the cache (`t2ir models pull`): one expert of its kind, no config needed. */
  model?: string;
}

/** The config a command runs: the file, or the default, narrowed to `--expert` kinds, with flag overrides. */
export async function resolveEnsembleConfig(choice: EnsembleChoice): Promise<{ config: EnsembleConfig; isDefault: boolean }> {
  let config: EnsembleConfig;
  if (choice.model && choice.config) throw new UsageError('give --model or --config, not both (a config names its models in backend.model)');
  if (choice.config) {
    config = await loadEnsembleConfig(choice.config);
    if (choice.experts?.length) {
      const experts = config.experts.filter(
        (expert) => choice.experts!.includes(expert.kind) || (expert.name !== undefined && choice.experts!.includes(expert.name)),
      );
      const unmatched = choice.experts.filter((kind) => !config.experts.some((expert) => expert.kind === kind || expert.name === kind));
      if (unmatched.length > 0)
        throw new UsageError(
          `--expert ${unmatched.join(', ')}: not in ${choice.config} (it has ${config.experts.map((expert) => expert.name ?? expert.kind).join(', ')})`,
        );
      config = { ...config, experts };
    }
  } else if (choice.model) {
    config = { aggregate: 'mean', experts: [expertEntryForModel(choice.model, choice.experts)] };
  } else if (choice.experts?.length) {
    const kinds = [...new Set(choice.experts)];
    // Built-in kinds without an offline default are refused here with what they need; other kinds (third-party
    // plugins) go to their plugin with no options, which may have defaults of its own.
    const withoutDefault = kinds.find((kind) => !DEFAULT_EXPERT_CONFIGS[kind] && EXPERT_SETUP_HINTS[kind]);
    if (withoutDefault) throw new UsageError(setupHint(withoutDefault));
    config = { aggregate: 'mean', experts: kinds.map((kind) => DEFAULT_EXPERT_CONFIGS[kind] ?? { kind }) };
  } else {
    config = DEFAULT_ENSEMBLE_CONFIG;
  }
  return {
    config: {
      ...config,
      ...(choice.aggregate ? { aggregate: choice.aggregate } : {}),
      ...(choice.onMissing ? { onMissing: choice.onMissing } : {}),
      ...(choice.batchSize ? { batchSize: choice.batchSize } : {}),
      ...(choice.preset ? { preset: choice.preset } : {}),
    },
    isDefault: !choice.config && !choice.experts?.length && !choice.model,
  };
}

/** Builds the ensemble, turning "expert package not installed" into one clear sentence. */
export async function buildEnsemble(config: EnsembleConfig, isDefault: boolean, options: CreateFromConfigOptions = {}): Promise<Ensemble> {
  try {
    // Expert packages are imported from here (the CLI depends on them), which also works where core cannot see them.
    return await createEnsembleFromConfig(config, { importModule: (specifier) => import(specifier), ...options });
  } catch (error) {
    if (RuntimeUnavailableError.isInstance(error) && typeof error.data?.package === 'string') {
      const kind = String(error.data.kind);
      const what = isDefault ? 'the offline default ensemble' : `expert '${kind}'`;
      const reason =
        error.data.reason === 'not-installed'
          ? `${error.data.package} is not installed`
          : error.data.reason === 'no-plugin'
            ? `${error.data.package} does not provide an expert plugin yet`
            : `${error.data.package} failed to load (${error.message})`;
      throw new Error(`${what} needs ${error.data.package}: ${reason}`, { cause: error });
    }
    throw error;
  }
}

export const KNOWN_EXPERT_KINDS = BUILTIN_EXPERT_KINDS;

/** `--threads N` → core's pool option: N worker threads for CPU experts, 0 → every expert in-process. */
export function poolOption(threads: number | undefined): Pick<CreateFromConfigOptions, 'pool'> {
  if (threads === undefined) return {};
  return { pool: threads === 0 ? false : { threads } };
}

export const THREADS_FLAG_HELP = 'worker threads for CPU experts such as the TF.js detector (default: one per core; 0: all in-process)';

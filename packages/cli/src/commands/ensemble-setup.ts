import {
  BUILTIN_EXPERT_KINDS,
  createEnsembleFromConfig,
  loadEnsembleConfig,
  RuntimeUnavailableError,
  type CreateFromConfigOptions,
  type Ensemble,
  type EnsembleConfig,
  type ExpertConfig,
} from '@t2i-reward/core';

/** The offline default: the real COCO detector (CenterNet on TF.js, weights shipped in an npm package). */
export const DEFAULT_ENSEMBLE_CONFIG: EnsembleConfig = {
  aggregate: 'mean',
  experts: [{ kind: 'detector', backend: { type: 'tfjs', model: 'centernet' } }],
};

/** Per-kind defaults for `--expert KIND` without a config. */
export const DEFAULT_EXPERT_CONFIGS: Record<string, ExpertConfig> = {
  detector: { kind: 'detector', backend: { type: 'tfjs', model: 'centernet' } },
};

export class UsageError extends Error {}

export interface EnsembleChoice {
  config?: string;
  experts?: string[];
  aggregate?: EnsembleConfig['aggregate'];
  onMissing?: EnsembleConfig['onMissing'];
  batchSize?: number;
}

/** The config a command runs: the file, or the default, narrowed to `--expert` kinds, with flag overrides. */
export async function resolveEnsembleConfig(choice: EnsembleChoice): Promise<{ config: EnsembleConfig; isDefault: boolean }> {
  let config: EnsembleConfig;
  if (choice.config) {
    config = await loadEnsembleConfig(choice.config);
    if (choice.experts?.length) {
      const experts = config.experts.filter((expert) => choice.experts!.includes(expert.kind) || (expert.name !== undefined && choice.experts!.includes(expert.name)));
      const unmatched = choice.experts.filter((kind) => !config.experts.some((expert) => expert.kind === kind || expert.name === kind));
      if (unmatched.length > 0) throw new UsageError(`--expert ${unmatched.join(', ')}: not in ${choice.config} (it has ${config.experts.map((expert) => expert.name ?? expert.kind).join(', ')})`);
      config = { ...config, experts };
    }
  } else if (choice.experts?.length) {
    config = { aggregate: 'mean', experts: [...new Set(choice.experts)].map((kind) => DEFAULT_EXPERT_CONFIGS[kind] ?? { kind }) };
  } else {
    config = DEFAULT_ENSEMBLE_CONFIG;
  }
  return {
    config: {
      ...config,
      ...(choice.aggregate ? { aggregate: choice.aggregate } : {}),
      ...(choice.onMissing ? { onMissing: choice.onMissing } : {}),
      ...(choice.batchSize ? { batchSize: choice.batchSize } : {}),
    },
    isDefault: !choice.config && !choice.experts?.length,
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
      const reason = error.data.reason === 'not-installed'
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

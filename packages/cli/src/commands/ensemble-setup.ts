import type { Command } from 'commander';
import { isUsageError } from '@t2i-reward/benchmarks';
import {
  BUILTIN_EXPERT_KINDS,
  DEFAULT_ENSEMBLE_CONFIG,
  createEnsembleFromConfig,
  loadEnsembleConfig,
  RuntimeUnavailableError,
  type CreateFromConfigOptions,
  type Ensemble,
  type EnsembleConfig,
  type ExpertConfig,
  type RewardRegistry,
} from '@t2i-reward/core';
import { expertEntryForModel } from './catalog-model.js';
import { cliRegistry } from './registry.js';
import { UsageError } from './usage-error.js';

/** The offline default: core's one constant (the real COCO detector, CenterNet on TF.js). */
export { DEFAULT_ENSEMBLE_CONFIG };

/**
 * The entry `--expert KIND` runs without a config: the kind's declared offline default (`defineExpert({ offline })`);
 * a kind that declares what it needs instead (`setupHint`) is refused with that, not shown a schema error. Kinds whose
 * plugin cannot be resolved here get `{ kind }`, and building says why.
 */
export async function expertEntryForKind(kind: string, registry: RewardRegistry = cliRegistry): Promise<ExpertConfig> {
  const plugin = await registry.resolveExpert(kind).catch(() => undefined);
  if (plugin?.offline) return plugin.offline.entry;
  if (plugin?.setupHint) {
    const example = JSON.stringify({ experts: [plugin.setupHint.example] });
    throw new UsageError(`--expert ${kind} needs ${plugin.setupHint.needs}; give --config FILE, e.g. ${example} (examples/configs has runnable ones)`);
  }
  return { kind };
}

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
  /** Where `--expert KIND` looks its kind up (default: the CLI's registry). */
  registry?: RewardRegistry;
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
    // Each kind's own declaration says what it runs offline, or what it needs (its package is imported only now).
    config = { aggregate: 'mean', experts: await Promise.all(kinds.map((kind) => expertEntryForKind(kind, choice.registry))) };
  } else {
    config = DEFAULT_ENSEMBLE_CONFIG;
  }
  return {
    config: {
      ...config,
      ...(choice.aggregate ? { aggregate: choice.aggregate } : {}),
      ...(choice.onMissing ? { onMissing: choice.onMissing } : {}),
      ...(choice.batchSize ? { batchSize: choice.batchSize } : {}),
      // An unknown preset name is refused when the config is parsed (the preset enum), with the names it knows.
      ...(choice.preset ? { preset: choice.preset as EnsembleConfig['preset'] } : {}),
    },
    isDefault: !choice.config && !choice.experts?.length && !choice.model,
  };
}

/** Builds the ensemble, turning "expert package not installed" into one clear sentence. */
export async function buildEnsemble(config: EnsembleConfig, isDefault: boolean, options: CreateFromConfigOptions = {}): Promise<Ensemble> {
  try {
    // Expert packages are imported from here (the CLI depends on them), which also works where core cannot see them.
    return await createEnsembleFromConfig(config, { registry: cliRegistry, ...options });
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

import { InvalidConfigError } from '../errors.js';
import { ENSEMBLE_PRESET_NAMES, type EnsembleConfig, type EnsemblePresetName, type ExpertConfig } from './schema.js';

export { ENSEMBLE_PRESET_NAMES, type EnsemblePresetName };

export interface EnsemblePreset {
  description: string;
  /** Per expert kind: the options the preset sets (merged over the entry's own). Kinds not listed are refused. */
  expertOptions: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Options the preset removes from an entry of that kind (they would change the reference's numbers). */
  removeOptions?: Readonly<Record<string, readonly string[]>>;
  aggregate: NonNullable<EnsembleConfig['aggregate']>;
  onMissing: NonNullable<EnsembleConfig['onMissing']>;
}

/**
 * Named ensemble presets: one switch that rewrites a config's aggregation and each expert's options.
 * `t2i-r1-reference` reproduces the released T2I-R1 reward (CaraJ7/T2I-R1 `src/t2i-r1/src/utils/reward_*.py`, run by
 * `src/scripts/run_grpo.sh` with `--reward_funcs hps git gdino orm`): the experts' scores are summed with weight 1
 * (`rewards_per_func.sum(dim=1)`), a score the reference computes as 0 stays 0 (`onMissing: 'zero'`), and each
 * expert runs its reference mode. The models themselves (backends) stay the config's choice.
 *
 * The names are ENSEMBLE_PRESET_NAMES (schema.ts, the config schema's `preset` enum); this table is typed by them.
 */
export const ENSEMBLE_PRESETS: Readonly<Record<EnsemblePresetName, EnsemblePreset>> = Object.freeze({
  't2i-r1-reference': {
    description: 'the released T2I-R1 reward: HPS v2.1 + GIT VQA + GroundingDINO + ORM, each as its released code, summed with weight 1',
    expertOptions: {
      // reward_gdino.py, quirks included.
      detector: { formula: 't2i-r1-code', reproduceBugs: true },
      // reward_git.py: task-type gates, attr_nouns / nouns, single yes/no ids, mean.
      vqa: { reference: 't2i-r1-code' },
      // reward_orm.py: sampled first token at T = 0.3, non-answers 0, single lowercase ids.
      orm: { reference: 't2i-r1-code', temperature: 0.3 },
      // reward_hps.py: HPS v2.1 cosine.
      hpm: { variant: 'hps-v2.1' },
    },
    removeOptions: { vqa: ['aggregate', 'maxQuestions', 'temperature', 'questionTemplate'], orm: ['template'] },
    aggregate: 'sum',
    onMissing: 'zero',
  },
});

/**
 * Applies a named preset to a config: aggregation, missing-score policy, weight 1 for every expert and each
 * expert's reference options. Throws InvalidConfigError for an unknown preset or an expert kind it cannot
 * reproduce (the reference has no such expert).
 */
export function applyEnsemblePreset(config: EnsembleConfig, name: string): EnsembleConfig {
  const preset = (ENSEMBLE_PRESETS as Record<string, EnsemblePreset>)[name];
  if (!preset) {
    throw new InvalidConfigError(`unknown ensemble preset ${JSON.stringify(name)} (known: ${ENSEMBLE_PRESET_NAMES.join(', ')})`, { data: { path: 'preset' } });
  }
  const experts = config.experts.map((expert, index): ExpertConfig => {
    const set = preset.expertOptions[expert.kind];
    if (!set) {
      throw new InvalidConfigError(
        `experts/${index}: preset ${name} reproduces only the ${Object.keys(preset.expertOptions).join(', ')} experts, not '${expert.kind}'`,
        { data: { path: `experts/${index}/kind` } },
      );
    }
    const options: Record<string, unknown> = { ...expert.options };
    for (const key of preset.removeOptions?.[expert.kind] ?? []) delete options[key];
    return { ...expert, weight: 1, options: { ...options, ...set } };
  });
  const { preset: _preset, ...rest } = config;
  return { ...rest, aggregate: preset.aggregate, onMissing: preset.onMissing, experts };
}

import { parsePrompt, type PromptSpec, type RewardModelV1 } from '@t2i-reward/core';
import type { CachedReward } from '../cache.js';
import { COMPBENCH_CATEGORIES } from '../suites/compbench.js';
import type { ExpertRecord } from '../types.js';
import { runExpert, type ExpertRun } from './single.js';
import type { Protocol, ProtocolOutcome, ProtocolSample } from './types.js';

type Role = 'detector' | 'vqa' | 'clip';

export interface CompBenchExperts {
  /** Detector reward with the `compbench` formula (2D spatial, numeracy). */
  detector?: CachedReward | RewardModelV1;
  /** VQA reward with `product` aggregation (color, shape, texture; complex). */
  vqa?: CachedReward | RewardModelV1;
  /** CLIPScore expert (non_spatial; complex): the raw cosine is the CompBench score. */
  clip?: CachedReward | RewardModelV1;
}

export interface CompBenchProtocolOptions extends CompBenchExperts {
  options?: Record<string, unknown>;
}

const ROLE_LABEL: Record<Role, string> = {
  detector: 'a detector (compbench formula)',
  vqa: 'a VQA expert (compbench.vqa in --config, aggregate "product")',
  clip: 'a CLIP expert (compbench.clip in --config)',
};

const CATEGORY_ROLES: Record<string, Role[]> = {
  color: ['vqa'],
  shape: ['vqa'],
  texture: ['vqa'],
  spatial: ['detector'],
  numeracy: ['detector'],
  non_spatial: ['clip'],
};

const TWO_D = new Set(['left of', 'right of', 'above', 'below', 'near', 'next to', 'on side of']);

/**
 * Experts used for one item. Complex prompts: VQA for the attributes, plus the detector when the prompt has a
 * 2D spatial relation, else CLIP (CompBench's "3-in-1" averages the applicable ones).
 */
function rolesFor(category: string, spec: PromptSpec): Role[] {
  if (category === 'complex') return spec.relations.some((r) => TWO_D.has(r.relation)) ? ['vqa', 'detector'] : ['vqa', 'clip'];
  return CATEGORY_ROLES[category] ?? [];
}

/** The score an expert contributes: CLIP's raw cosine (CompBench reports CLIPScore as such), else `score`. */
function contribution(role: Role, run: ExpertRun): number | null {
  if (role === 'clip') return run.result.raw ?? run.result.score;
  return run.result.score;
}

/**
 * T2I-CompBench's per-category protocol: color/shape/texture → VQA product over noun phrases; spatial and
 * numeracy → the detector's compbench formula; non_spatial → CLIPScore; complex → mean of the applicable;
 * 3d_spatial needs depth (unsupported). Category score = mean image score.
 */
export function createCompBenchProtocol(options: CompBenchProtocolOptions): Protocol {
  const experts: CompBenchExperts = { detector: options.detector, vqa: options.vqa, clip: options.clip };
  const specCache = new Map<string, PromptSpec>();
  const specOf = (sample: ProtocolSample): PromptSpec => {
    const { item } = sample;
    if (item.spec) return item.spec;
    let spec = specCache.get(item.id);
    if (!spec) {
      spec = { ...parsePrompt(item.prompt, { category: item.category }), category: item.category };
      specCache.set(item.id, spec);
    }
    return spec;
  };
  const unsupportedReason = (category: string): string | undefined => {
    const info = COMPBENCH_CATEGORIES.find((c) => c.name === category);
    if (info?.needs) return `category ${category} needs ${info.needs}`;
    const roles = category === 'complex' ? (['vqa'] as Role[]) : (CATEGORY_ROLES[category] ?? []);
    const missing = roles.filter((role) => !experts[role]);
    if (category === 'complex' && !experts.detector && !experts.clip) missing.push('detector');
    return missing.length > 0 ? `category ${category} needs ${missing.map((r) => ROLE_LABEL[r]).join(' and ')}` : undefined;
  };
  return {
    name: 'compbench',
    metric: 'score',
    overall: 'mean-of-categories',
    categories: COMPBENCH_CATEGORIES,
    describe: () => ({
      experts: Object.fromEntries(
        Object.entries(experts)
          .filter(([, m]) => m)
          .map(([role, m]) => [role, { modelId: (m as RewardModelV1).modelId, version: (m as RewardModelV1).version }]),
      ),
      options: options.options ?? {},
    }),
    unsupportedReason,
    async score(samples: readonly ProtocolSample[], signal?: AbortSignal): Promise<ProtocolOutcome[]> {
      const wanted = samples.map((sample) => rolesFor(sample.item.category, specOf(sample)).filter((role) => experts[role]));
      const byRole = new Map<Role, Map<number, ExpertRun>>();
      for (const role of ['detector', 'vqa', 'clip'] as Role[]) {
        const model = experts[role];
        const indexes = wanted.flatMap((roles, i) => (roles.includes(role) ? [i] : []));
        if (!model || indexes.length === 0) continue;
        const runs = await runExpert(
          model,
          indexes.map((i) => samples[i]!),
          specOf,
          signal,
        );
        byRole.set(role, new Map(indexes.map((i, j) => [i, runs[j]!])));
      }
      return samples.map((sample, i): ProtocolOutcome => {
        const roles = wanted[i]!;
        const records: Record<string, ExpertRecord> = {};
        const warnings: string[] = [];
        const values: number[] = [];
        const errors: string[] = [];
        for (const role of roles) {
          const run = byRole.get(role)?.get(i);
          if (!run) continue;
          records[role] = run.record;
          warnings.push(...run.result.warnings.map((w) => `${role}: ${w}`));
          if (run.result.error) errors.push(`${role}: ${run.result.error.message}`);
          const value = contribution(role, run);
          if (value !== null && Number.isFinite(value)) values.push(value);
        }
        if (errors.length > 0 && values.length === 0) {
          return {
            status: 'error',
            score: null,
            experts: records,
            warnings,
            problem: { kind: 'expert-error', itemId: sample.item.id, message: errors.join('; ') },
          };
        }
        if (values.length === 0) {
          const message =
            roles.length === 0
              ? (unsupportedReason(sample.item.category) ?? `no expert applies to category ${sample.item.category}`)
              : warnings.join('; ') || 'no expert could judge this image';
          return { status: 'unsupported', score: null, experts: records, warnings, problem: { kind: 'expert-error', itemId: sample.item.id, message } };
        }
        return { status: 'ok', score: values.reduce((a, b) => a + b, 0) / values.length, experts: records, warnings };
      });
    },
    async dispose() {
      await Promise.all(
        Object.values(experts)
          .filter(Boolean)
          .map((m) => (m as RewardModelV1).dispose()),
      );
    },
  };
}

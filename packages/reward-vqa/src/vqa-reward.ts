import {
  BaseReward,
  T2IRewardError,
  attributePhrases,
  failedResult,
  resolveSpec,
  type QuestionRecord,
  type RewardItemResult,
  type RewardSample,
} from '@t2i-reward/core';
import { splitTemplate, type YesNoBackend, type YesNoQuery } from './backend.js';
import { createYesNoBackend } from './backends/index.js';
import { askGroupedByImage, defaultImageConcurrency } from './batch.js';
import { validateVqaOptions, type VqaAggregate, type VqaRewardOptions } from './options.js';
import { VERSION } from './version.js';

/** Per-question record in `details.questions` (core's QuestionRecord, always with its phrase). */
export type VqaQuestionDetail = QuestionRecord & { phrase: string };

/**
 * The VQA expert (T2I-R1 / T2I-CompBench): one question "{phrase}?" per attribute-noun phrase of the prompt
 * (core's `attributePhrases`: "red car"; the object names when no attributes), each scored
 * P(yes)/(P(yes)+P(no)) from the first answer token; the image score is their mean (T2I-R1) or product
 * (T2I-CompBench). Questions about one image share its encoding.
 */
export class VqaReward extends BaseReward {
  readonly backend: YesNoBackend;
  readonly aggregate: VqaAggregate;
  readonly #options: VqaRewardOptions;
  readonly #template: { prefix: string; suffix: string };

  constructor(options: VqaRewardOptions) {
    const valid = validateVqaOptions(options);
    const backend = createYesNoBackend(valid.backend);
    const aggregate = valid.aggregate ?? 'mean';
    super({ kind: 'vqa', modelId: `vqa/${backend.id}/${aggregate}`, version: VERSION });
    this.backend = backend;
    this.aggregate = aggregate;
    this.#options = valid;
    this.#template = splitTemplate(valid.questionTemplate ?? '{phrase}?', '{phrase}');
  }

  /** The questions asked about a sample, with the warnings their selection raised. */
  questionsFor(sample: RewardSample): { phrases: string[]; queries: YesNoQuery[]; warnings: string[] } {
    const warnings: string[] = [];
    let phrases = attributePhrases(resolveSpec(sample));
    const max = this.#options.maxQuestions ?? 8;
    if (phrases.length > max) {
      warnings.push(`asked about the first ${max} of ${phrases.length} phrases (maxQuestions)`);
      phrases = phrases.slice(0, max);
    }
    return { phrases, queries: phrases.map((body) => ({ ...this.#template, body })), warnings };
  }

  protected async scoreBatch(samples: readonly RewardSample[], signal: AbortSignal | undefined): Promise<RewardItemResult[]> {
    await this.loadOnce(() => this.backend.load());
    const plans = samples.map((sample) => this.questionsFor(sample));
    const answered = await askGroupedByImage(this.backend, samples, plans.map((plan) => plan.queries), {
      ...(this.#options.temperature !== undefined ? { temperature: this.#options.temperature } : {}),
      signal,
      imageConcurrency: this.#options.imageConcurrency ?? defaultImageConcurrency(this.backend),
    });
    return samples.map((_, i) => {
      const plan = plans[i]!;
      const answers = answered[i]!;
      if (T2IRewardError.isInstance(answers)) return failedResult(answers, plan.warnings);
      const warnings = [...plan.warnings];
      const questions: VqaQuestionDetail[] = plan.phrases.map((phrase, q) => {
        const answer = answers[q]!;
        for (const warning of answer.warnings) warnings.push(`"${phrase}": ${warning}`);
        return { phrase, question: plan.queries[q]!.prefix + phrase + plan.queries[q]!.suffix, pYes: answer.pYes, pNo: answer.pNo, ratio: answer.ratio };
      });
      const ratios = questions.map((q) => q.ratio).filter((r): r is number => r !== null && Number.isFinite(r));
      if (questions.length === 0) warnings.push('the prompt has no object to ask about');
      else if (ratios.length < questions.length) warnings.push(`${questions.length - ratios.length} of ${questions.length} questions got neither yes nor no and were left out`);
      const score = ratios.length === 0 ? null : this.aggregate === 'product' ? ratios.reduce((a, b) => a * b, 1) : ratios.reduce((a, b) => a + b, 0) / ratios.length;
      return { score, raw: score, details: { aggregate: this.aggregate, questions }, warnings };
    });
  }

  protected override async onDispose(): Promise<void> {
    await this.backend.dispose();
  }
}

/** Creates the VQA expert. */
export function createVqaReward(options: VqaRewardOptions): VqaReward {
  return new VqaReward(options);
}

import {
  BaseReward,
  T2IRewardError,
  UnsupportedInputError,
  attributePhrases,
  InvalidConfigError,
  failedResult,
  resolveSpec,
  type QuestionRecord,
  type RewardItemResult,
  type RewardSample,
} from '@t2i-reward/core';
import {
  askGroupedByImage,
  createYesNoBackend,
  defaultImageConcurrency,
  queryText,
  splitTemplate,
  type YesNoAnswer,
  type YesNoBackend,
  type YesNoQuery,
} from '@t2i-reward/yes-no';
import { validateVqaOptions, type VqaAggregate, type VqaReference, type VqaRewardOptions, type VqaVariant } from './options.js';
import { VQASCORE_SLOT, VQASCORE_TEMPLATE, vqascoreQuery, vqascoreResult } from './vqascore.js';
import { VERSION } from './version.js';

/** Per-question record in `details.questions` (core's QuestionRecord, always with its phrase). */
export type VqaQuestionDetail = QuestionRecord & { phrase: string };

/** Task types whose rows reward_git.py scores 0 without asking. */
const T2I_R1_UNASKED_TASKS = new Set(['spatial', 'numeracy']);

/** A question plan: the phrases asked, or a fixed score the reference gives without asking. */
interface QuestionPlan {
  phrases: string[];
  queries: YesNoQuery[];
  warnings: string[];
  /** Reference mode: the score given without asking, and why. */
  fixed?: { score: number; reason: string };
}

/**
 * The task type of a sample as reward_git.py reads it (the dataset row's `task_type`): `metadata.task_type`,
 * else the row fields a T2I-R1 spec carries (`spec.t2iR1.task_type`), else the category of a spec from a T2I-R1 row.
 */
export function t2iR1TaskType(sample: RewardSample, spec = resolveSpec(sample)): string | undefined {
  const fromMetadata = sample.metadata?.['task_type'];
  if (typeof fromMetadata === 'string') return fromMetadata;
  // fromT2IR1Row keeps the row's own fields verbatim in `spec.t2iR1`.
  if (typeof spec.t2iR1?.task_type === 'string') return spec.t2iR1.task_type;
  return spec.source === 't2i-r1' ? spec.category : undefined;
}

/**
 * The VQA expert (T2I-R1 / T2I-CompBench): one question "{phrase}?" per attribute-noun phrase of the prompt
 * (core's `attributePhrases`: "red car"; the object names when no attributes), each scored
 * P(yes)/(P(yes)+P(no)) from the first answer token; the image score is their mean (T2I-R1) or product
 * (T2I-CompBench). Questions about one image share its encoding.
 */
export class VqaReward extends BaseReward {
  readonly backend: YesNoBackend;
  readonly aggregate: VqaAggregate;
  readonly reference: VqaReference | undefined;
  readonly variant: VqaVariant;
  readonly #options: VqaRewardOptions;
  readonly #template: { prefix: string; suffix: string };

  constructor(options: VqaRewardOptions) {
    const valid = validateVqaOptions(options);
    const backend = createYesNoBackend(valid.backend);
    const aggregate = valid.aggregate ?? 'mean';
    const variant = valid.variant ?? 'attributes';
    const slot = variant === 'vqascore' ? VQASCORE_SLOT : '{phrase}';
    if (valid.questionTemplate !== undefined && !valid.questionTemplate.includes(slot)) {
      throw new InvalidConfigError(`invalid vqa options: the ${variant} variant's questionTemplate needs the slot ${slot}`, {
        data: { path: 'questionTemplate' },
      });
    }
    if (variant === 'vqascore') {
      // One question about the whole prompt: options about phrase questions do not apply; P(yes) is read at
      // temperature 1, as VQAScore (a served model's probabilities are the server's own: no temperature there).
      const misplaced = (['aggregate', 'maxQuestions', 'temperature'] as const).find((key) => valid[key] !== undefined);
      if (misplaced) {
        throw new InvalidConfigError(
          `invalid vqa options: ${misplaced} does not apply to the vqascore variant (one question about the whole prompt, read at temperature 1)`,
          {
            data: { path: misplaced },
          },
        );
      }
    }
    // Each reference belongs to one variant: T2I-R1's asks phrase questions, t2v_metrics' asks about the prompt.
    const referenceVariant = valid.reference === undefined ? variant : valid.reference === 't2v-metrics-code' ? 'vqascore' : 'attributes';
    if (referenceVariant !== variant) {
      throw new InvalidConfigError(`invalid vqa options: reference ${valid.reference} reproduces the ${referenceVariant} variant, not ${variant}`, {
        data: { path: 'reference' },
      });
    }
    if (valid.reference === 't2i-r1-code') {
      // The reference fixes these; another value would silently stop reproducing it.
      const conflict =
        valid.aggregate === 'product'
          ? 'aggregate'
          : (valid.temperature ?? 1) !== 1
            ? 'temperature'
            : (valid.questionTemplate ?? '{phrase}?') !== '{phrase}?'
              ? 'questionTemplate'
              : undefined;
      if (conflict) {
        throw new InvalidConfigError(
          `invalid vqa options: reference t2i-r1-code asks "{phrase}?" at temperature 1 and takes the mean; ${conflict} would change that`,
          { data: { path: conflict } },
        );
      }
    }
    const mode =
      variant === 'vqascore'
        ? `vqascore${valid.questionTemplate ? '/custom-template' : ''}${valid.reference ? `/${valid.reference}` : ''}`
        : (valid.reference ?? aggregate);
    super({ kind: 'vqa', modelId: `vqa/${backend.id}/${mode}`, version: VERSION });
    this.backend = backend;
    this.aggregate = aggregate;
    this.reference = valid.reference;
    this.variant = variant;
    this.#options = valid;
    this.#template = splitTemplate(valid.questionTemplate ?? (variant === 'vqascore' ? VQASCORE_TEMPLATE : '{phrase}?'), slot);
  }

  /** The questions asked about a sample, with the warnings their selection raised. */
  questionsFor(sample: RewardSample): QuestionPlan {
    if (this.variant === 'vqascore') {
      // VQAScore asks about the prompt as written (no spec, no phrase selection).
      if (sample.prompt.trim().length === 0) return { phrases: [], queries: [], warnings: ['empty prompt: nothing to ask about'] };
      return { phrases: [sample.prompt], queries: [vqascoreQuery(sample.prompt, this.#options.questionTemplate)], warnings: [] };
    }
    if (this.reference === 't2i-r1-code') return this.#referenceQuestions(sample);
    const warnings: string[] = [];
    let phrases = attributePhrases(resolveSpec(sample));
    const max = this.#options.maxQuestions ?? 8;
    if (phrases.length > max) {
      warnings.push(`asked about the first ${max} of ${phrases.length} phrases (maxQuestions)`);
      phrases = phrases.slice(0, max);
    }
    return { phrases, queries: phrases.map((body) => ({ ...this.#template, body })), warnings };
  }

  /**
   * reward_git.py's choice (lines 48-64): gate by task type, then the row's `attr_nouns` when not None, else its
   * `nouns` (None or empty: a fixed 1), each asked `f"{phrase}?"` as written (case, spaces, duplicates and any
   * `<image>` text kept). The row is the spec's `t2iR1` fields (fromT2IR1Row keeps them verbatim); a spec without
   * them asks its phrases, else its object names.
   */
  #referenceQuestions(sample: RewardSample): QuestionPlan {
    const spec = resolveSpec(sample);
    const taskType = t2iR1TaskType(sample, spec);
    const none = { phrases: [], queries: [], warnings: [] };
    if (taskType !== undefined && T2I_R1_UNASKED_TASKS.has(taskType)) {
      return { ...none, fixed: { score: 0, reason: `task_type ${taskType}: the reference scores 0 without asking` } };
    }
    const row = spec.t2iR1;
    // A spec stored before `t2iR1.attr_nouns` existed still has the (lower-cased) phrases.
    const attrNouns = row ? (row.attr_nouns ?? spec.phrases) : spec.phrases;
    const phrases = attrNouns ?? (row ? row.nouns : spec.objects.map((object) => object.name));
    if (attrNouns === undefined && phrases.length === 0) {
      return { ...none, fixed: { score: 1, reason: 'no attr_nouns and no nouns: the reference scores 1' } };
    }
    return { phrases, queries: phrases.map((body) => ({ ...this.#template, body })), warnings: [] };
  }

  protected async scoreBatch(samples: readonly RewardSample[], signal: AbortSignal | undefined): Promise<RewardItemResult[]> {
    await this.loadOnce(() => this.backend.load());
    const plans = samples.map((sample) => this.questionsFor(sample));
    const answered = await askGroupedByImage(
      this.backend,
      samples,
      plans.map((plan) => plan.queries),
      {
        ...(this.#options.temperature !== undefined ? { temperature: this.#options.temperature } : {}),
        signal,
        imageConcurrency: this.#options.imageConcurrency ?? defaultImageConcurrency(this.backend),
      },
    );
    return samples.map((_, i) => {
      const plan = plans[i]!;
      const answers = answered[i]!;
      if (T2IRewardError.isInstance(answers)) return failedResult(answers, plan.warnings);
      if (this.variant === 'vqascore') {
        if (plan.queries.length === 0) return { score: null, raw: null, warnings: plan.warnings };
        return vqascoreResult(
          answers[0]!,
          answers[0]!.sent ?? queryText(plan.queries[0]!),
          this.reference === 't2v-metrics-code' ? this.backend.id : undefined,
        );
      }
      if (this.reference) return this.#referenceResult(plan, answers);
      const warnings = [...plan.warnings];
      const questions: VqaQuestionDetail[] = plan.phrases.map((phrase, q) => {
        const answer = answers[q]!;
        for (const warning of answer.warnings) warnings.push(`"${phrase}": ${warning}`);
        // The question as the backend sent it (control-token text removed), else as planned.
        const question = answer.sent ?? plan.queries[q]!.prefix + phrase + plan.queries[q]!.suffix;
        return { phrase, question, pYes: answer.pYes, pNo: answer.pNo, ratio: answer.ratio };
      });
      const ratios = questions.map((q) => q.ratio).filter((r): r is number => r !== null && Number.isFinite(r));
      if (questions.length === 0) warnings.push('the prompt has no object to ask about');
      else if (ratios.length < questions.length)
        warnings.push(`${questions.length - ratios.length} of ${questions.length} questions got neither yes nor no and were left out`);
      const score =
        ratios.length === 0 ? null : this.aggregate === 'product' ? ratios.reduce((a, b) => a * b, 1) : ratios.reduce((a, b) => a + b, 0) / ratios.length;
      return { score, raw: score, details: { aggregate: this.aggregate, questions }, warnings };
    });
  }

  /** Mean over questions of the single-id ratio, as reward_git.py (an empty attr_nouns list gives NaN there: null here). */
  #referenceResult(plan: QuestionPlan, answers: readonly YesNoAnswer[]): RewardItemResult {
    const details = { reference: this.reference, ...(plan.fixed ? { fixed: plan.fixed.reason } : {}) };
    if (plan.fixed) return { score: plan.fixed.score, raw: plan.fixed.score, details: { ...details, questions: [] }, warnings: [] };
    const warnings: string[] = [];
    const questions: VqaQuestionDetail[] = [];
    for (const [q, phrase] of plan.phrases.entries()) {
      const reference = answers[q]!.reference;
      if (!reference) {
        return failedResult(new UnsupportedInputError(`${this.backend.id} does not report the first-token logits that reference t2i-r1-code reads`));
      }
      for (const warning of answers[q]!.warnings) warnings.push(`"${phrase}": ${warning}`);
      const ratio = Number.isFinite(reference.ratio) ? reference.ratio : null;
      // The question as the backend sent it (it may remove control-token text its model reads as markup).
      const asked = queryText(plan.queries[q]!);
      const sent = answers[q]!.sent ?? asked;
      if (sent !== asked) warnings.push(`"${phrase}": sent as ${JSON.stringify(sent)}; the reference sends ${JSON.stringify(asked)} as written`);
      questions.push({ phrase, question: sent, pYes: reference.pYes, pNo: reference.pNo, ratio });
    }
    if (questions.length === 0) warnings.push('attr_nouns is an empty list: the reference takes the mean of nothing (NaN)');
    const ratios = questions.map((question) => question.ratio);
    const score = ratios.length === 0 || ratios.some((r) => r === null) ? null : (ratios as number[]).reduce((a, b) => a + b, 0) / ratios.length;
    return { score, raw: score, details: { ...details, questions }, warnings };
  }

  protected override async onDispose(): Promise<void> {
    await this.backend.dispose();
  }
}

/** Creates the VQA expert. */
export function createVqaReward(options: VqaRewardOptions): VqaReward {
  return new VqaReward(options);
}

import { failedResult, UnsupportedInputError, type QuestionRecord, type RewardItemResult } from '@t2i-reward/core';
import { splitTemplate, type YesNoAnswer, type YesNoQuery } from '@t2i-reward/yes-no';

/**
 * VQAScore (Lin et al., "Evaluating Text-to-Visual Generation with Image-to-Text Generation", 2024), as its code
 * computes it (linzhiqiu/t2v_metrics):
 * - the question: `default_question_template = 'Does this figure show "{}"? Please answer yes or no.'` and the
 *   answer `default_answer_template = "Yes"` (t2v_metrics/models/vqascore_models/clip_t5_model.py lines 9-10,
 *   llava_model.py lines 10-11, gpt4v_model.py lines 12-13), filled with Python's `question_template.format(text)`:
 *   the prompt is put in verbatim, its own braces are not parsed;
 * - the score is the probability of the answer "Yes" alone, never normalised by P("No"): `lm_prob[k] =
 *   (-loss_fct(logits[k], labels[k])).exp()` over the answer's tokens, "Yes" and an end token `</s>` (`forward` of
 *   clip_t5_model.py and llava_model.py), and for a served model `exp(logprob)` of the top-logprobs entry whose
 *   token is exactly `answer`, else 0 (gpt4v_model.py `forward_single`, `top_logprobs=2`).
 *
 * Ours: the same question with `{prompt}` as its slot; the score is P(yes) from the first answer token over the
 * full vocabulary (local backends) or the returned top logprobs (`openai`), summed over the spellings of "yes"
 * (the machinery's `pYes`; see the README's deviation list).
 */
export const VQASCORE_TEMPLATE = 'Does this figure show "{prompt}"? Please answer yes or no.';

/** The slot of a VQAScore question template. */
export const VQASCORE_SLOT = '{prompt}';

/** The VQAScore question about one prompt (the prompt is the query's body: data, never a template). */
export function vqascoreQuery(prompt: string, template: string = VQASCORE_TEMPLATE): YesNoQuery {
  return { ...splitTemplate(template, VQASCORE_SLOT), body: prompt };
}

/** How many top tokens gpt4v_model.py asks the server for (`top_logprobs=2`) and then searches for the answer. */
export const T2V_METRICS_TOP_LOGPROBS = 2;

/**
 * The served VQAScore of t2v_metrics' gpt4v_model.py `forward_single` from a server's top tokens (most likely
 * first): exp(logprob) of the first of the top `T2V_METRICS_TOP_LOGPROBS` whose token is exactly "Yes", else 0.
 */
export function t2vMetricsServedScore(topTokens: readonly { token: string; logprob: number }[]): number {
  const found = topTokens.slice(0, T2V_METRICS_TOP_LOGPROBS).find((entry) => entry.token === 'Yes');
  return found ? Math.exp(found.logprob) : 0;
}

/**
 * One item's VQAScore from the answer to its question: score = P(yes). A served model that returned no "yes"
 * spelling among its top tokens scores 0, as gpt4v_model.py does (P(yes) is then below the least probable
 * returned token), with a warning saying so. With `reference` (the backend's id), the score is
 * `t2vMetricsServedScore` of the returned top tokens; a backend that returns none fails the item.
 */
export function vqascoreResult(answer: YesNoAnswer, question: string, reference?: string): RewardItemResult {
  const warnings = [...answer.warnings];
  if (reference !== undefined) {
    if (!answer.topTokens) {
      return failedResult(
        new UnsupportedInputError(
          `${reference} does not return top tokens: reference t2v-metrics-code reproduces t2v_metrics' served (gpt4v_model.py) score only`,
        ),
      );
    }
    const score = t2vMetricsServedScore(answer.topTokens);
    if (score === 0) warnings.push(`no "Yes" among the top ${T2V_METRICS_TOP_LOGPROBS} tokens: 0, as gpt4v_model.py`);
    const record: QuestionRecord = { question, pYes: score, pNo: answer.pNo, ratio: answer.ratio };
    return { score, raw: score, details: { variant: 'vqascore', reference: 't2v-metrics-code', pYes: score, questions: [record] }, warnings };
  }
  let pYes = answer.pYes;
  if (pYes === null) {
    pYes = 0;
    warnings.push('no "yes" among the returned top tokens: P(yes) taken as 0, as t2v_metrics does');
  }
  const record: QuestionRecord = { question, pYes, pNo: answer.pNo, ratio: answer.ratio };
  return { score: pYes, raw: pYes, details: { variant: 'vqascore', pYes, questions: [record] }, warnings };
}

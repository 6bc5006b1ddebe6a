import { explainDetails } from '@t2i-reward/core';

/**
 * One line on a VQA result: "mean of red car? 0.80, blue dog? 0.50" (the yes ratio of each question); for the
 * vqascore variant "P(yes) 0.72 (VQAScore)".
 */
export function explain(details: Record<string, unknown> | undefined): string {
  if (details?.variant === 'vqascore') {
    // VQAScore's score is P(yes) itself, not the yes ratio explainDetails shows.
    return typeof details.pYes === 'number' ? `P(yes) ${details.pYes.toFixed(2)} (VQAScore)` : '';
  }
  const questions = explainDetails(details);
  if (!questions) return '';
  return typeof details?.aggregate === 'string' ? `${details.aggregate} of ${questions}` : questions;
}

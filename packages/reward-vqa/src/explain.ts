import { explainDetails } from '@t2i-reward/core';

/** One line on a VQA result: "mean of red car? 0.80, blue dog? 0.50" (the yes ratio of each question). */
export function explain(details: Record<string, unknown> | undefined): string {
  const questions = explainDetails(details);
  if (!questions) return '';
  return typeof details?.aggregate === 'string' ? `${details.aggregate} of ${questions}` : questions;
}

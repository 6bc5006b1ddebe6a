import { explainDetails } from '@t2i-reward/core';

/** One line on an ORM result: "matches the prompt? 0.83" (P(yes) / (P(yes) + P(no)) at the ORM's temperature). */
export function explain(details: Record<string, unknown> | undefined): string {
  const question = explainDetails(details);
  if (!question) return '';
  return typeof details?.temperature === 'number' ? `${question} (T ${details.temperature})` : question;
}

import { explainDetails } from '@t2i-reward/core';

/** One line on an ORM result: "matches the prompt? 0.83" (P(yes) / (P(yes) + P(no)) at the ORM's temperature). */
export function explain(details: Record<string, unknown> | undefined): string {
  // Reference mode (t2i-r1-code): the released code samples an answer token; a draw outside yes / no scores 0.
  if (details?.reference !== undefined && typeof details.answered === 'boolean') return explainReferenceDraw(details);
  const question = explainDetails(details);
  if (!question) return '';
  return typeof details?.temperature === 'number' ? `${question} (T ${details.temperature})` : question;
}

const two = (value: unknown): string => (typeof value === 'number' && Number.isFinite(value) ? value.toFixed(2) : '?');

/**
 * Reference mode: "answered (draw 0.31 < P(yes or no) 0.92): P(yes) ratio 0.83 (T 0.3)", or, when the sampled
 * answer token was neither yes nor no, "no yes/no answer drawn (draw 0.95 ≥ P(yes or no) 0.92): 0, as the released
 * code scores it; expected 0.76".
 */
function explainReferenceDraw(details: Record<string, unknown>): string {
  const pYes = typeof details.pYes === 'number' ? details.pYes : Number.NaN;
  const pNo = typeof details.pNo === 'number' ? details.pNo : Number.NaN;
  const ratio = pYes + pNo > 0 ? pYes / (pYes + pNo) : Number.NaN;
  const temperature = typeof details.temperature === 'number' ? ` (T ${details.temperature})` : '';
  if (details.answered) return `answered (draw ${two(details.draw)} < P(yes or no) ${two(details.pAnswer)}): yes ratio ${two(ratio)}${temperature}`;
  const expected = typeof details.expected === 'number' && Number.isFinite(details.expected) ? `; expected ${two(details.expected)}` : '';
  return `no yes/no answer drawn (draw ${two(details.draw)} ≥ P(yes or no) ${two(details.pAnswer)}): 0, as the released code scores it${expected}${temperature}`;
}

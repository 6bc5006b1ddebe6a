import { explainDetails } from '@t2i-reward/core';

/**
 * One line on a detector result: its objects and relations (core's contract records), then GenEval's failed
 * rules. Same keys for every formula (t2i-r1, t2i-r1-code, compbench, geneval).
 */
export function explain(details: Record<string, unknown> | undefined): string {
  if (!details) return '';
  const records = explainDetails(details);
  const reasons = Array.isArray(details.reasons) ? (details.reasons as unknown[]).map(String) : [];
  return [records, ...reasons].filter(Boolean).join('; ');
}

import { explainDetails } from '@t2i-reward/core';

/**
 * One line on a detector result: its objects and relations (core's contract records), then GenEval's failed
 * rules. Same keys for every formula (t2i-r1, t2i-r1-code, compbench, geneval).
 */
export function explain(details: Record<string, unknown> | undefined): string {
  if (!details) return '';
  if (details.formula === 't2i-r1-code' && details.reproduceBugs === true) return explainReference(details);
  const records = explainDetails(details);
  const reasons = Array.isArray(details.reasons) ? (details.reasons as unknown[]).map(String) : [];
  return [records, ...reasons].filter(Boolean).join('; ');
}

const two = (value: unknown): string => (typeof value === 'number' && Number.isFinite(value) ? value.toFixed(2) : '?');

/**
 * The released T2I-R1 code's own terms (`t2i-r1-code` with `reproduceBugs`, the `t2i-r1-reference` preset), whose details are
 * the reference's variables rather than the contract records: spatial "dog found, bicycle found, dog next to
 * bicycle: position 1.00 → 0.2·e1 + 0.2·e2 + determine_position/2 = 0.90"; numeracy "horse 2/3 → 0.20"; existence
 * "dog found, cat not found".
 */
export function explainReference(details: Record<string, unknown>): string {
  const rule = typeof details.rule === 'string' ? details.rule : '';
  const verdict = typeof details.verdict === 'string' ? details.verdict : '';
  if (details.task === 'spatial') {
    const info = details.spatialInfo as { obj1?: string; obj2?: string; locality?: string } | undefined;
    if (!info) return [rule, verdict].filter(Boolean).join(': ');
    const presence = [`${info.obj1} ${details.e1 === 0 ? 'not found' : 'found'}`, `${info.obj2} ${details.e2 === 0 ? 'not found' : 'found'}`];
    const e1 = typeof details.e1 === 'number' ? details.e1 : 0;
    const e2 = typeof details.e2 === 'number' ? details.e2 : 0;
    const pos = typeof details.pos === 'number' ? details.pos : 0;
    const relation =
      e1 > 0 && e2 > 0 && !verdict.startsWith('exception')
        ? `${info.obj1} ${info.locality} ${info.obj2}: position ${two(pos)}`
        : `${info.obj1} ${info.locality} ${info.obj2}: ${verdict || 'not judged'}`;
    return `${[...presence, relation].join(', ')} → ${rule} = ${two(e1 + e2 + pos / 2)}`;
  }
  const objects = Array.isArray(details.objects) ? (details.objects as Record<string, unknown>[]) : [];
  if (details.task === 'numeracy') {
    return objects.map((o) => `${String(o.name)} ${typeof o.found === 'number' ? o.found : '?'}/${String(o.asked)} → ${two(o.value)}`).join(', ') || rule;
  }
  if (details.task === 'existence') return objects.map((o) => `${String(o.name)} ${o.found === true ? 'found' : 'not found'}`).join(', ');
  return [rule, verdict].filter(Boolean).join(': ');
}

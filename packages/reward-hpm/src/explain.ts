/** One line on a human-preference result: the variant and the model output the score comes from. */
export function explain(details: Record<string, unknown> | undefined): string {
  if (!details) return '';
  const variant = typeof details.variant === 'string' ? details.variant : 'hpm';
  if (typeof details.cosine === 'number') return `${variant}: image–text cosine ${details.cosine.toFixed(3)}`;
  if (typeof details.headOutput === 'number') return `${variant}: reward head ${details.headOutput.toFixed(3)}`;
  return '';
}

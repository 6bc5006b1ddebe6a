import type { MetricsRecord } from '../trainer.js';

export interface CurveSeries {
  name: string;
  colour: string;
  points: { step: number; value: number }[];
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An inline-SVG line chart (no script, no external assets): reward against step, y fixed to [0, 1]. */
export function curveSvg(series: readonly CurveSeries[], options: { width?: number; height?: number; title?: string } = {}): string {
  const width = options.width ?? 720;
  const height = options.height ?? 360;
  const margin = { left: 52, right: 160, top: 30, bottom: 40 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const maxStep = Math.max(1, ...series.flatMap((s) => s.points.map((p) => p.step)));
  const x = (step: number) => margin.left + (step / maxStep) * plotW;
  const y = (value: number) => margin.top + (1 - Math.min(1, Math.max(0, value))) * plotH;
  const grid = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (v) =>
        `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>` +
        `<text x="${margin.left - 8}" y="${y(v) + 4}" text-anchor="end" font-size="11">${v.toFixed(2)}</text>`,
    )
    .join('');
  // Tick spacing 1, 2 or 5 × 10^k, about five ticks.
  const raw = maxStep / 5;
  const magnitude = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
  const tickStep = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const ticks = Array.from({ length: Math.floor(maxStep / tickStep) + 1 }, (_, i) => i * tickStep)
    .map((s) => `<text x="${x(s)}" y="${margin.top + plotH + 16}" text-anchor="middle" font-size="11">${s}</text>`)
    .join('');
  const lines = series
    .map((s, i) => {
      const path = s.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${x(p.step).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
      const dots = s.points.map((p) => `<circle cx="${x(p.step).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="2.5" fill="${s.colour}"/>`).join('');
      const legendY = margin.top + 14 + i * 18;
      return (
        `<path d="${path}" fill="none" stroke="${s.colour}" stroke-width="2"/>${dots}` +
        `<line x1="${margin.left + plotW + 12}" x2="${margin.left + plotW + 30}" y1="${legendY - 4}" y2="${legendY - 4}" stroke="${s.colour}" stroke-width="2"/>` +
        `<text x="${margin.left + plotW + 36}" y="${legendY}" font-size="12">${escape(s.name)}</text>`
      );
    })
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">` +
    (options.title ? `<text x="${margin.left}" y="18" font-size="14">${escape(options.title)}</text>` : '') +
    grid +
    ticks +
    `<text x="${margin.left + plotW / 2}" y="${height - 6}" text-anchor="middle" font-size="12">step</text>` +
    `<text x="14" y="${margin.top + plotH / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 14 ${margin.top + plotH / 2})">mean reward</text>` +
    lines +
    '</svg>'
  );
}

/** Learning-curve series from metrics records: held-out and train-subset evaluations, and the batch reward. */
export function seriesFromRecords(records: readonly MetricsRecord[]): CurveSeries[] {
  const pick = (split: MetricsRecord['split']) =>
    records.filter((r) => r.split === split && Number.isFinite(r.reward.mean)).map((r) => ({ step: r.step, value: r.reward.mean }));
  return [
    { name: 'held-out prompts', colour: '#d62728', points: pick('eval') },
    { name: 'train prompts (eval)', colour: '#1f77b4', points: pick('eval-train') },
    { name: 'train batch', colour: '#9ecae1', points: pick('train') },
  ].filter((s) => s.points.length > 0);
}

/** A self-contained HTML report: the curve, a summary table, optional sample images (data URLs). */
export function learningCurveHtml(input: {
  title: string;
  records: readonly MetricsRecord[];
  summary: Record<string, string | number>;
  samples?: { caption: string; dataUrl: string }[];
}): string {
  const rows = Object.entries(input.summary)
    .map(([k, v]) => `<tr><th style="text-align:left;padding-right:16px">${escape(k)}</th><td>${escape(String(v))}</td></tr>`)
    .join('');
  const samples = (input.samples ?? [])
    .map((s) => `<figure style="display:inline-block;margin:4px"><img src="${s.dataUrl}" width="192" height="192"/><figcaption style="font-size:11px;max-width:192px">${escape(s.caption)}</figcaption></figure>`)
    .join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escape(input.title)}</title></head><body style="font-family:sans-serif">
<h1 style="font-size:18px">${escape(input.title)}</h1>
${curveSvg(seriesFromRecords(input.records), { title: 'mean detector reward (t2i-r1 formula, CenterNet)' })}
<table>${rows}</table>
${samples ? `<h2 style="font-size:15px">Samples after training (held-out prompts)</h2>${samples}` : ''}
</body></html>
`;
}

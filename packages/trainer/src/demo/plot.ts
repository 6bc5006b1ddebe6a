import type { MetricsRecord } from '../trainer.js';

export interface CurveSeries {
  name: string;
  colour: string;
  points: { step: number; value: number }[];
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An inline-SVG line chart (no script, no external assets): value against step, y fixed to [yMin, 1] (default [0, 1]). */
export function curveSvg(
  series: readonly CurveSeries[],
  options: { width?: number; height?: number; title?: string; yMin?: -1 | 0; yLabel?: string } = {},
): string {
  const width = options.width ?? 720;
  const height = options.height ?? 360;
  // The legend sits right of the plot: room for its longest name (about 7 px a character at 12 px).
  const margin = { left: 52, right: Math.max(160, 44 + 7 * Math.max(0, ...series.map((s) => s.name.length))), top: 30, bottom: 40 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const maxStep = Math.max(1, ...series.flatMap((s) => s.points.map((p) => p.step)));
  const x = (step: number) => margin.left + (step / maxStep) * plotW;
  const yMin = options.yMin ?? 0;
  const y = (value: number) => margin.top + ((1 - Math.min(1, Math.max(yMin, value))) / (1 - yMin)) * plotH;
  const grid = (yMin === 0 ? [0, 0.25, 0.5, 0.75, 1] : [-1, -0.5, 0, 0.5, 1])
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
    `<text x="14" y="${margin.top + plotH / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 14 ${margin.top + plotH / 2})">${escape(options.yLabel ?? 'mean reward')}</text>` +
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

const PALETTE = ['#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf'];

/** Held-out mean of each expert (the reward and the monitors), one series per expert. */
export function expertSeriesFromRecords(records: readonly MetricsRecord[], split: MetricsRecord['split'] = 'eval'): CurveSeries[] {
  const names = [...new Set(records.filter((r) => r.split === split).flatMap((r) => Object.keys(r.experts)))].sort();
  return names
    .map((name, i) => ({
      name,
      colour: PALETTE[i % PALETTE.length]!,
      points: records
        .filter((r) => r.split === split && r.experts[name] && r.experts[name].count > 0)
        .map((r) => ({ step: r.step, value: r.experts[name]!.mean })),
    }))
    .filter((s) => s.points.length > 0);
}

/** The share of samples raising `flag` (training batches and held-out evaluations). */
export function flagSeriesFromRecords(records: readonly MetricsRecord[], flag: string): CurveSeries[] {
  const pick = (split: MetricsRecord['split']) =>
    records.filter((r) => r.split === split && r.flags?.[flag] !== undefined).map((r) => ({ step: r.step, value: r.flags![flag]! }));
  return [
    { name: `held-out: ${flag}`, colour: '#d62728', points: pick('eval') },
    { name: `train batch: ${flag}`, colour: '#9ecae1', points: pick('train') },
  ].filter((s) => s.points.length > 0);
}

/** Agreement between experts per training step: mean Kendall τ-b within groups, and the best-sample disagreement share. */
export function agreementSeriesFromRecords(records: readonly MetricsRecord[]): CurveSeries[] {
  const train = records.filter((r) => r.split === 'train' && r.agreement);
  const series: CurveSeries[] = [
    {
      name: 'mean τ-b (train)',
      colour: '#1f77b4',
      points: train.filter((r) => r.agreement!.meanTau !== null).map((r) => ({ step: r.step, value: r.agreement!.meanTau! })),
    },
    {
      name: 'best differs (train)',
      colour: '#ff7f0e',
      points: train.filter((r) => r.agreement!.bestDiffers !== null).map((r) => ({ step: r.step, value: r.agreement!.bestDiffers! })),
    },
  ];
  return series.filter((s) => s.points.length > 0);
}

/** A self-contained HTML report: the curve, a summary table, optional sample images (data URLs). */
export function learningCurveHtml(input: {
  title: string;
  records: readonly MetricsRecord[];
  summary: Record<string, string | number>;
  samples?: { caption: string; dataUrl: string }[];
  rewardTitle?: string;
}): string {
  const rows = Object.entries(input.summary)
    .map(([k, v]) => `<tr><th style="text-align:left;padding-right:16px">${escape(k)}</th><td>${escape(String(v))}</td></tr>`)
    .join('');
  const samples = (input.samples ?? [])
    .map(
      (s) =>
        `<figure style="display:inline-block;margin:4px"><img src="${s.dataUrl}" width="192" height="192"/><figcaption style="font-size:11px;max-width:192px">${escape(s.caption)}</figcaption></figure>`,
    )
    .join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escape(input.title)}</title></head><body style="font-family:sans-serif">
<h1 style="font-size:18px">${escape(input.title)}</h1>
${curveSvg(seriesFromRecords(input.records), { title: input.rewardTitle ?? 'mean detector reward (t2i-r1 formula, CenterNet)' })}
<table>${rows}</table>
${diagnosticsHtml(input.records)}
${samples ? `<h2 style="font-size:15px">Samples after training (held-out prompts)</h2>${samples}` : ''}
</body></html>
`;
}

/** Per-expert curves, agreement, flags and drift alarms, where the records carry them (empty otherwise). */
export function diagnosticsHtml(records: readonly MetricsRecord[]): string {
  const parts: string[] = [];
  const experts = expertSeriesFromRecords(records);
  if (experts.length > 1) parts.push(curveSvg(experts, { title: 'held-out mean per expert (reward and monitors)' }));
  const agreement = agreementSeriesFromRecords(records);
  if (agreement.length > 0) parts.push(curveSvg(agreement, { title: 'agreement between experts within each group', yMin: -1, yLabel: 'τ-b / share' }));
  const flags = [...new Set(records.flatMap((r) => Object.keys(r.flags ?? {})))].sort();
  for (const flag of flags) parts.push(curveSvg(flagSeriesFromRecords(records, flag), { title: `share of samples: ${flag}`, yLabel: 'share' }));
  const alarms = records.filter((r) => r.split === 'train' && (r.drift?.length ?? 0) > 0);
  if (experts.length > 1 || agreement.length > 0) {
    const list = alarms
      .map((r) =>
        r
          .drift!.map(
            (d) =>
              `<li>step ${r.step}: ${escape(d.expert)} rises (${d.slope.toFixed(4)}/step) while ${Object.entries(d.others)
                .map(([name, slope]) => `${escape(name)} ${slope.toFixed(4)}`)
                .join(', ')} fall (steps ${d.fromStep}–${d.toStep})</li>`,
          )
          .join(''),
      )
      .join('');
    parts.push(
      `<h2 style="font-size:15px">Drift alarms</h2>${list ? `<ul style="font-size:12px">${list}</ul>` : '<p style="font-size:12px">none: no expert rose while all the others fell over the drift window</p>'}`,
    );
  }
  return parts.length > 0 ? `<h2 style="font-size:15px">Reward-hacking diagnostics</h2>\n${parts.join('\n')}` : '';
}

/**
 * The BiCoT-GRPO learning-curve benchmark: the demo with the real CenterNet reward, a fixed number of steps
 * or a wall-clock budget, whichever ends first. Prints start/end mean reward on training and held-out
 * prompts and the minutes taken; writes metrics.jsonl, learning-curve.html, summary.json.
 *
 *   npm run bench -w @t2i-reward/trainer -- [--steps 80] [--minutes 19] [--out bench-out/demo] [--seed 0]
 *
 * Reward hacking, both arms in one invocation (the same seed; the plain t2i-r1 reward, then the copy-penalised
 * one), with early stopping on the held-out reward; writes <out>/plain, <out>/copies and <out>/comparison.*:
 *
 *   npm run bench -w @t2i-reward/trainer -- --arms both --copy-penalty 0.5 --steps 30 --eval-every 5 --early-stopping 3
 *
 * --report-only rebuilds summary.json, learning-curve.html (samples from samples/*.png) and the comparison from
 * the arms' metrics.jsonl without training (the records are the measurement; the reports derive from them).
 */
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { curveSvg, learningCurveHtml, type CurveSeries } from '../src/demo/plot.js';
import { HELD_OUT_PROMPTS } from '../src/demo/prompts.js';
import { demoDiagnosticsSummary, demoSummaryRows, runDemo, type DemoSummary } from '../src/demo/run.js';
import type { MetricsRecord } from '../src/trainer.js';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '80' },
    minutes: { type: 'string', default: '19' },
    out: { type: 'string', default: 'bench-out/demo' },
    seed: { type: 'string', default: '0' },
    runtime: { type: 'string', default: 'wasm' },
    arms: { type: 'string', default: 'plain' },
    'copy-penalty': { type: 'string', default: '0.5' },
    'eval-every': { type: 'string', default: '10' },
    'early-stopping': { type: 'string' },
    'report-only': { type: 'boolean', default: false },
  },
});

/** Rebuilds an arm's summary.json and learning-curve.html from its metrics.jsonl (and saved sample images). */
async function rebuildArm(outDir: string, records: MetricsRecord[]): Promise<DemoSummary> {
  const stored = JSON.parse(await readFile(path.join(outDir, 'summary.json'), 'utf8')) as DemoSummary;
  const summary: DemoSummary = { ...stored, ...demoDiagnosticsSummary(records) };
  const samples: { caption: string; dataUrl: string }[] = [];
  for (const [i, prompt] of HELD_OUT_PROMPTS.entries()) {
    const file = path.join(outDir, 'samples', `heldout-${i}.png`);
    if (
      !(await access(file).then(
        () => true,
        () => false,
      ))
    )
      continue;
    const png = await sharp(file).resize(192, 192).png().toBuffer();
    samples.push({ caption: `${prompt.prompt} (a sample of the final policy)`, dataUrl: `data:image/png;base64,${png.toString('base64')}` });
  }
  const experts = [...new Set(records.filter((r) => r.split === 'eval').flatMap((r) => Object.keys(r.experts)))].sort();
  await writeFile(
    path.join(outDir, 'learning-curve.html'),
    learningCurveHtml({
      title: `BiCoT-GRPO demo: ${summary.steps} steps, ${summary.minutes} min (${summary.backend})`,
      records,
      summary: demoSummaryRows(summary, experts),
      samples,
      rewardTitle: `mean training reward ('${summary.rewardExpert}')`,
    }),
  );
  await writeFile(path.join(outDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}
const arms = values.arms === 'both' ? (['plain', 'copies'] as const) : values.arms === 'copies' ? (['copies'] as const) : (['plain'] as const);
const lambda = Number(values['copy-penalty']);
const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');
const delta = (a: number, b: number) => `${fmt(a)} → ${fmt(b)} (${b - a >= 0 ? '+' : ''}${fmt(b - a)})`;

const results: { arm: string; summary: DemoSummary; records: MetricsRecord[]; loadStart: number; loadEnd: number }[] = [];
for (const arm of arms) {
  const outDir = arms.length > 1 ? path.join(values.out!, arm) : values.out!;
  const loadStart = os.loadavg()[0]!;
  if (values['report-only']) {
    const records = (await readFile(path.join(outDir, 'metrics.jsonl'), 'utf8'))
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as MetricsRecord);
    const summary = await rebuildArm(outDir, records);
    // Keep the load averages the training run recorded, when its comparison is there.
    const previous = (
      JSON.parse(await readFile(path.join(values.out!, 'comparison.json'), 'utf8').catch(() => '[]')) as { arm: string; loadStart?: number; loadEnd?: number }[]
    ).find((p) => p.arm === arm);
    results.push({ arm, summary, records, loadStart: previous?.loadStart ?? Number.NaN, loadEnd: previous?.loadEnd ?? Number.NaN });
    console.log(
      `[${arm}] rebuilt from ${path.join(outDir, 'metrics.jsonl')}: ${summary.steps} steps; held-out ${delta(summary.heldOutStart, summary.heldOutEnd)}; best ${fmt(summary.heldOutBest.value)} at step ${summary.heldOutBest.step}`,
    );
    continue;
  }
  const summary = await runDemo({
    outDir,
    steps: Number(values.steps),
    maxMinutes: Number(values.minutes),
    seed: Number(values.seed),
    runtime: values.runtime as 'wasm',
    evalEvery: Number(values['eval-every']),
    progress: true,
    ...(arm === 'copies' ? { copyPenalty: lambda } : {}),
    ...(values['early-stopping'] ? { earlyStopping: { patience: Number(values['early-stopping']) } } : {}),
  });
  const loadEnd = os.loadavg()[0]!;
  const records = (await readFile(summary.metricsPath, 'utf8'))
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as MetricsRecord);
  results.push({ arm, summary, records, loadStart, loadEnd });
  console.log(
    `\n[${arm}] BiCoT-GRPO demo, reward '${summary.rewardExpert}'${arm === 'copies' ? ` (λ = ${lambda})` : ''}, CenterNet ${summary.backend}, ${os.cpus().length} cores, load average ${loadStart.toFixed(1)} at start / ${loadEnd.toFixed(1)} at end`,
  );
  console.log(`steps ${summary.steps} in ${summary.minutes} min; reward calls ${summary.rewardCalls} (${summary.cacheHits} cache hits)`);
  console.log(
    `held-out prompts: ${delta(summary.heldOutStart, summary.heldOutEnd)}; best ${fmt(summary.heldOutBest.value)} at step ${summary.heldOutBest.step}`,
  );
  console.log(`train prompts:    ${delta(summary.trainStart, summary.trainEnd)}`);
  console.log(`plot: ${summary.htmlPath}`);
}

if (results.length > 1) {
  const experts = [...new Set(results.flatMap((r) => Object.keys(r.summary.heldOutExperts)))].sort();
  const header = [
    'arm',
    'trained on',
    'steps (min)',
    'held-out reward start → end (best @ step)',
    ...experts.map((e) => `held-out ${e} start → end`),
    'extra-copy share, train (first 5 → last 5 steps)',
    'extra-copy share, held-out (start → end)',
    'τ-b between experts, train (first 5 → last 5)',
    'best sample differs, train (first 5 → last 5)',
    'held-out τ-b / best differs (end)',
    'drift alarms',
    'early stopping',
  ];
  const rows = results.map(({ arm, summary: s }) => [
    arm,
    s.rewardExpert + (s.copyPenalty > 0 ? ` (λ = ${s.copyPenalty})` : ''),
    `${s.steps} (${s.minutes})`,
    `${fmt(s.heldOutStart)} → ${fmt(s.heldOutEnd)} (${fmt(s.heldOutBest.value)} @ ${s.heldOutBest.step})`,
    ...experts.map((e) => `${fmt(s.heldOutExperts[e]?.start ?? Number.NaN)} → ${fmt(s.heldOutExperts[e]?.end ?? Number.NaN)}`),
    `${fmt(s.extraCopies.trainFirst)} → ${fmt(s.extraCopies.trainLast)}`,
    `${fmt(s.extraCopies.heldOutStart)} → ${fmt(s.extraCopies.heldOutEnd)}`,
    `${fmt(s.agreement.tauFirst)} → ${fmt(s.agreement.tauLast)}`,
    `${fmt(s.agreement.bestDiffersFirst)} → ${fmt(s.agreement.bestDiffersLast)}`,
    `${fmt(s.agreement.heldOutTau)} / ${fmt(s.agreement.heldOutBestDiffers)}`,
    s.driftSteps.length > 0 ? `steps ${s.driftSteps.join(', ')} (${s.driftExperts.join(', ')} rising)` : 'none',
    s.earlyStopping ? `best @ ${s.earlyStopping.bestStep}${s.earlyStopping.stopped ? ', stopped' : ', ran to the end'}` : 'off',
  ]);
  // Transposed (one column per arm): the metrics are many, the arms two.
  const table = [
    `| | ${rows.map((r) => r[0]).join(' | ')} |`,
    `|---|${rows.map(() => '---').join('|')}|`,
    ...header.slice(1).map((h, i) => `| ${h} | ${rows.map((r) => r[i + 1]).join(' | ')} |`),
  ].join('\n');
  console.log(`\nReward hacking: the plain t2i-r1 reward vs the copy-penalised one (seed ${values.seed}, same prompts)\n\n${table}\n`);
  const colours = { plain: ['#d62728', '#ff9896'], copies: ['#1f77b4', '#aec7e8'] } as Record<string, [string, string]>;
  const heldOut: CurveSeries[] = results.flatMap(({ arm, records }) =>
    ['detector', 'detector-copies'].map((expert, k) => ({
      name: `${arm}: ${expert}`,
      colour: colours[arm]![k]!,
      points: records.filter((r) => r.split === 'eval' && r.experts[expert]).map((r) => ({ step: r.step, value: r.experts[expert]!.mean })),
    })),
  );
  const copies: CurveSeries[] = results.map(({ arm, records }) => ({
    name: `${arm}: train batch`,
    colour: colours[arm]![0]!,
    points: records.filter((r) => r.split === 'train' && r.flags?.extraCopies !== undefined).map((r) => ({ step: r.step, value: r.flags!.extraCopies! })),
  }));
  const tau: CurveSeries[] = results.map(({ arm, records }) => ({
    name: `${arm}: mean τ-b`,
    colour: colours[arm]![0]!,
    points: records.filter((r) => r.split === 'train' && r.agreement?.meanTau != null).map((r) => ({ step: r.step, value: r.agreement!.meanTau! })),
  }));
  const svgHeldOut = curveSvg(heldOut, {
    title: 'held-out mean: plain t2i-r1 (detector) and copy-penalised (detector-copies)',
    width: 820,
    yLabel: 'held-out mean',
  });
  const svgCopies = curveSvg(copies, { title: 'share of training samples with extra copies', width: 820, yLabel: 'share' });
  const svgTau = curveSvg(tau, { title: 'Kendall τ-b between the three experts within each group (training)', width: 820, yMin: -1, yLabel: 'τ-b' });
  const dir = values.out!;
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'comparison.md'), `${table}\n`);
  await writeFile(
    path.join(dir, 'comparison.json'),
    `${JSON.stringify(
      results.map(({ arm, summary, loadStart, loadEnd }) => ({ arm, ...(Number.isFinite(loadStart) ? { loadStart, loadEnd } : {}), ...summary })),
      null,
      2,
    )}\n`,
  );
  await writeFile(path.join(dir, 'comparison-heldout.svg'), `${svgHeldOut}\n`);
  await writeFile(path.join(dir, 'comparison-extra-copies.svg'), `${svgCopies}\n`);
  await writeFile(path.join(dir, 'comparison-tau.svg'), `${svgTau}\n`);
  await writeFile(
    path.join(dir, 'comparison.html'),
    `<!doctype html><html><head><meta charset="utf-8"><title>copy penalty: reward hacking comparison</title></head><body style="font-family:sans-serif">
<h1 style="font-size:18px">BiCoT-GRPO demo: plain t2i-r1 reward vs copy penalty λ = ${lambda} (seed ${values.seed})</h1>
${svgHeldOut}
${svgCopies}
${svgTau}
<pre style="font-size:12px">${table.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</pre>
</body></html>
`,
  );
  console.log(`comparison: ${path.join(dir, 'comparison.html')}`);
}

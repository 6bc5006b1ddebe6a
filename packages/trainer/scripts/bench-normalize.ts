/**
 * Learning bench for per-expert normalisation (issue #23): the demo's BiCoT policy trained on two experts of very
 * different scales, every arm side by side in one invocation, same seeds:
 *   - `scene`: the T2I-R1 detector formula in [0, 1] on the drawn scene (the demo's scene stand-in of CenterNet:
 *     the same formula, no images, so the bench runs in minutes on 2 shared cores);
 *   - `layout`: 100 × how high the instances sit (+ --offset), i.e. [0, 100].
 * Arms (the trainer's settings, nothing else changes):
 *   - `weighted-sum`: reward = scene + layout, GRPO sum-then-normalize (the plain weighted sum);
 *   - `gdpo`: multiReward 'gdpo' (each expert group-z by core's normaliser, weighted sum, batch z);
 *   - `running-z`: settings.rewardNormalize { mode: 'running-z' } (Welford per expert), then sum-then-normalize.
 * Reports both experts' held-out means (raw scales) at every evaluation, per arm and seed; writes
 * <out>/normalize-bench.json, <out>/normalize-bench.md and <out>/normalize-bench.svg (layout shown ÷ 100).
 *
 *   node --conditions=t2ir-source --import tsx packages/trainer/scripts/bench-normalize.ts \
 *     [--steps 40] [--seeds 0,1] [--arms weighted-sum,gdpo,running-z] [--eval-every 5] [--out bench-out/normalize]
 *
 * `--reward detector` replaces `scene` by the real CenterNet detector (the demo's `detector` expert, T2I-R1 formula,
 * on rendered images; TF.js wasm, minutes per run on 2 cores) beside the same `layout` expert.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { curveSvg, type CurveSeries } from '../src/demo/plot.js';
import { BiCotPolicy } from '../src/demo/policy.js';
import { HELD_OUT_PROMPTS, PromptFeaturizer, TRAIN_PROMPTS } from '../src/demo/prompts.js';
import { DEMO_SETTINGS } from '../src/demo/run.js';
import { cacheMiddleware, loadTfjs } from '@t2i-reward/core';
import { ensembleReward, type RewardFunction } from '../src/reward.js';
import { createDemoEnsemble } from '../src/demo/run.js';
import { twoScaleReward, withLayoutExpert } from '../src/demo/scale-reward.js';
import { train, type MetricsRecord, type TrainerSettings } from '../src/trainer.js';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '40' },
    seeds: { type: 'string', default: '0,1' },
    arms: { type: 'string', default: 'weighted-sum,gdpo,running-z' },
    'eval-every': { type: 'string', default: '5' },
    scale: { type: 'string', default: '100' },
    offset: { type: 'string', default: '0' },
    runtime: { type: 'string', default: 'cpu' },
    reward: { type: 'string', default: 'scene' },
    out: { type: 'string', default: 'bench-out/normalize' },
  },
});

const ARMS: Record<string, Partial<TrainerSettings>> = {
  'weighted-sum': { multiReward: 'sum-then-normalize' },
  gdpo: { multiReward: 'gdpo' },
  'running-z': { multiReward: 'sum-then-normalize', rewardNormalize: { mode: 'running-z' } },
};

const steps = Number(values.steps);
const seeds = values.seeds.split(',').map(Number);
const arms = values.arms.split(',');
for (const arm of arms) if (!ARMS[arm]) throw new Error(`unknown arm '${arm}' (${Object.keys(ARMS).join(', ')})`);
const scale = Number(values.scale);
const offset = Number(values.offset);
const evalEvery = Number(values['eval-every']);
const { tf, backend } = await loadTfjs({ backend: values.runtime as 'cpu' | 'wasm' });
const featurizer = new PromptFeaturizer(TRAIN_PROMPTS.map((p) => p.prompt));
const useDetector = values.reward === 'detector';
if (!useDetector && values.reward !== 'scene') throw new Error(`--reward must be scene or detector, got ${values.reward}`);
/** The small expert's name in the records: the scene formula, or the CenterNet detector. */
const small = useDetector ? 'detector' : 'scene';
const makeReward = (): RewardFunction =>
  useDetector
    ? withLayoutExpert(ensembleReward(createDemoEnsemble(values.runtime as 'wasm' | 'cpu', { monitors: false, middleware: cacheMiddleware() })), {
        scale,
        offset,
      })
    : twoScaleReward({ scale, offset });

interface Curve {
  step: number;
  scene: number;
  layout: number;
}
const runs: { arm: string; seed: number; heldOut: Curve[]; seconds: number }[] = [];
const started = performance.now();
for (const seed of seeds) {
  for (const arm of arms) {
    const begin = performance.now();
    const policy = new BiCotPolicy(tf, featurizer, { seed, render: useDetector });
    const records: MetricsRecord[] = [];
    const reward = makeReward();
    await train({
      policy,
      reward,
      prompts: TRAIN_PROMPTS,
      evalPrompts: HELD_OUT_PROMPTS,
      evalGroupSize: 4,
      evalEvery,
      steps,
      seed,
      tf,
      drift: false,
      settings: { ...DEMO_SETTINGS, ...ARMS[arm] },
      onRecord: (record) => records.push(record),
    });
    policy.dispose();
    await reward.dispose?.();
    const heldOut = records.filter((r) => r.split === 'eval').map((r) => ({ step: r.step, scene: r.experts[small]!.mean, layout: r.experts.layout!.mean }));
    const seconds = (performance.now() - begin) / 1000;
    runs.push({ arm, seed, heldOut, seconds });
    const first = heldOut[0]!;
    const last = heldOut.at(-1)!;
    console.log(
      `${arm.padEnd(12)} seed ${seed}: held-out scene ${first.scene.toFixed(3)} → ${last.scene.toFixed(3)}, layout ${first.layout.toFixed(1)} → ${last.layout.toFixed(1)} (${seconds.toFixed(0)} s)`,
    );
  }
}

const fmt = (v: number, digits: number) => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');
const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const lines: string[] = [
  `# Per-expert normalisation bench: ${steps} steps, seeds ${seeds.join(', ')}, ${small} + layout ×${scale}${offset ? ` + ${offset}` : ''} (${backend})`,
  '',
  `Held-out means at each evaluation (${small} in [0, 1]; layout in [${offset}, ${offset + scale}]). The "scene" rows are the ${small} expert.`,
  '',
];
const stepsList = runs[0]!.heldOut.map((c) => c.step);
lines.push(`| arm | seed | expert | ${stepsList.map((s) => `step ${s}`).join(' | ')} |`);
lines.push(`|---|---|---|${stepsList.map(() => '---').join('|')}|`);
for (const run of runs) {
  lines.push(`| ${run.arm} | ${run.seed} | scene | ${run.heldOut.map((c) => fmt(c.scene, 3)).join(' | ')} |`);
  lines.push(`| ${run.arm} | ${run.seed} | layout | ${run.heldOut.map((c) => fmt(c.layout, 1)).join(' | ')} |`);
}
lines.push('', '| arm | scene start → end (mean over seeds) | layout start → end (mean over seeds) |', '|---|---|---|');
const summary: Record<string, { sceneStart: number; sceneEnd: number; layoutStart: number; layoutEnd: number }> = {};
for (const arm of arms) {
  const armRuns = runs.filter((r) => r.arm === arm);
  summary[arm] = {
    sceneStart: meanOf(armRuns.map((r) => r.heldOut[0]!.scene)),
    sceneEnd: meanOf(armRuns.map((r) => r.heldOut.at(-1)!.scene)),
    layoutStart: meanOf(armRuns.map((r) => r.heldOut[0]!.layout)),
    layoutEnd: meanOf(armRuns.map((r) => r.heldOut.at(-1)!.layout)),
  };
  const s = summary[arm]!;
  lines.push(`| ${arm} | ${fmt(s.sceneStart, 3)} → ${fmt(s.sceneEnd, 3)} | ${fmt(s.layoutStart, 1)} → ${fmt(s.layoutEnd, 1)} |`);
}
const minutes = (performance.now() - started) / 60000;
lines.push('', `${runs.length} runs in ${minutes.toFixed(1)} min.`);

const colours: Record<string, string> = { 'weighted-sum': '#d62728', gdpo: '#1f77b4', 'running-z': '#2ca02c' };
const series: CurveSeries[] = arms.flatMap((arm) => {
  const armRuns = runs.filter((r) => r.arm === arm);
  const mean = (pick: (c: Curve) => number) => armRuns[0]!.heldOut.map((c, k) => ({ step: c.step, value: meanOf(armRuns.map((r) => pick(r.heldOut[k]!))) }));
  return [
    { name: `${arm}: scene`, colour: colours[arm] ?? '#000', points: mean((c) => c.scene) },
    { name: `${arm}: layout ÷ ${scale}`, colour: colours[arm] ?? '#000', points: mean((c) => (c.layout - offset) / scale) },
  ];
});

await mkdir(values.out, { recursive: true });
await writeFile(
  path.join(values.out, 'normalize-bench.json'),
  `${JSON.stringify({ steps, seeds, scale, offset, backend, minutes: Number(minutes.toFixed(2)), settings: DEMO_SETTINGS, arms: ARMS, summary, runs }, null, 2)}\n`,
);
await writeFile(path.join(values.out, 'normalize-bench.md'), `${lines.join('\n')}\n`);
await writeFile(
  path.join(values.out, 'normalize-bench.svg'),
  `${curveSvg(series, { title: `held-out means, seeds ${seeds.join(', ')} (layout ÷ ${scale})` })}\n`,
);
console.log(lines.join('\n'));

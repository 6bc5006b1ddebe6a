/**
 * The BiCoT-GRPO learning-curve benchmark: the demo with the real CenterNet reward, a fixed number of steps
 * or a wall-clock budget, whichever ends first. Prints start/end mean reward on training and held-out
 * prompts and the minutes taken; writes metrics.jsonl, learning-curve.html, summary.json.
 *
 *   npm run bench -w @t2i-reward/trainer -- [--steps 80] [--minutes 19] [--out bench-out/demo] [--seed 0]
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { runDemo } from '../src/demo/run.js';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '80' },
    minutes: { type: 'string', default: '19' },
    out: { type: 'string', default: 'bench-out/demo' },
    seed: { type: 'string', default: '0' },
    runtime: { type: 'string', default: 'wasm' },
  },
});
const load = os.loadavg()[0]!.toFixed(1);
const summary = await runDemo({
  outDir: values.out!,
  steps: Number(values.steps),
  maxMinutes: Number(values.minutes),
  seed: Number(values.seed),
  runtime: values.runtime as 'wasm',
  progress: true,
});
const delta = (a: number, b: number) => `${a.toFixed(3)} → ${b.toFixed(3)} (${b - a >= 0 ? '+' : ''}${(b - a).toFixed(3)})`;
console.log(`BiCoT-GRPO demo, CenterNet reward, ${summary.backend}, ${os.cpus().length} cores, load average ${load} at start / ${os.loadavg()[0]!.toFixed(1)} at end`);
console.log(`steps ${summary.steps} in ${summary.minutes} min; reward calls ${summary.rewardCalls} (${summary.cacheHits} cache hits)`);
console.log(`held-out prompts: ${delta(summary.heldOutStart, summary.heldOutEnd)}`);
console.log(`train prompts:    ${delta(summary.trainStart, summary.trainEnd)}`);
console.log(`plot: ${summary.htmlPath}`);

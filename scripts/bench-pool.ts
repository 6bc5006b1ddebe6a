/**
 * The execution layer, side by side in one run (ratios are what to read on a shared machine; the load average
 * is printed with each section):
 *   1. the CenterNet detector reward (TF.js wasm): images/s in-thread vs in core's worker pool;
 *   2. the reward server (default ensemble) at 64 clients: items/s and /healthz latency while saturated,
 *      detector in-process (before) vs in the pool (after);
 *   3. the trainer demo (BiCoT-GRPO, CenterNet reward): steps/minute with the detector on the trainer's thread
 *      (no overlap), in the pool (scoring a group overlaps sampling the next and the reference pass), and in the
 *      pool with `sampleAhead` (the next batch's scoring also overlaps the update; one step off-policy);
 *   4. (`--only ort`) an onnxruntime expert, CLIP ViT-B/32 size with random weights (HPS v2.1 scoring): images/s
 *      in-process vs pooled, to decide where ORT experts run. The model (~600 MB) is generated once with
 *      /usr/bin/python3 + torch into the temp folder (or pass --clip-model DIR).
 *
 *   npm run bench:pool [-- --threads 2 --reps 3 --batches 2 --seconds 10 --clients 64 --steps 4 --prompts 4 --only detector,server,trainer]
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  DEFAULT_POOL_NICE,
  EXAMPLE_IMAGES,
  createPooledReward,
  createRewardPool,
  defaultPoolThreads,
  loadImage,
  type RewardModelV1,
  type RewardSample,
} from '@t2i-reward/core';
import { createDetectorReward } from '@t2i-reward/detector';
import { type MetricsRecord } from '@t2i-reward/trainer';
import { runDemo } from '@t2i-reward/trainer/demo';

const { values } = parseArgs({
  options: {
    threads: { type: 'string', default: String(defaultPoolThreads()) },
    reps: { type: 'string', default: '3' },
    batches: { type: 'string', default: '2' },
    seconds: { type: 'string', default: '10' },
    clients: { type: 'string', default: '64' },
    steps: { type: 'string', default: '4' },
    prompts: { type: 'string', default: '4' },
    only: { type: 'string', default: 'detector,server,trainer' },
    chunk: { type: 'string' },
    'clip-model': { type: 'string' },
  },
});
const threads = Number(values.threads);
const sections = new Set(values.only!.split(','));
const here = path.dirname(fileURLToPath(import.meta.url));
const load = () =>
  os
    .loadavg()
    .map((value) => value.toFixed(1))
    .join(' / ');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const percentile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

console.log(
  `execution-layer bench: node ${process.version}, ${os.availableParallelism()} cores, pool of ${threads} threads, load average ${load()} (1 / 5 / 15 min)`,
);

interface Timing {
  perSecond: number;
  cpuPerImage: number;
  cores: number;
}

async function detectorSection(): Promise<void> {
  const photos = await Promise.all(EXAMPLE_IMAGES.map(async ({ path: file, prompt }) => ({ image: await loadImage(file), prompt })));
  // Batches of 8 (a T2I-R1 group): the photos, cycled.
  const batch: RewardSample[] = Array.from({ length: 8 }, (_, i) => photos[i % photos.length]!);
  const batches = Number(values.batches);
  const inThread = createDetectorReward({ backend: { type: 'tfjs', model: 'centernet' } });
  // One pool, two ways to hand it a batch: split evenly (one task per thread: the default) and one image per task
  // (a free worker takes the next image, so a thread slowed by a neighbour does not hold the batch back).
  const pool = createRewardPool({ threads });
  const entry = { kind: 'detector', backend: { type: 'tfjs', model: 'centernet' } };
  const split = await createPooledReward(entry, { pool, ...(values.chunk ? { chunkSize: Number(values.chunk) } : {}) });
  const single = await createPooledReward(entry, { pool, chunkSize: 1 });
  const arms: { label: string; model: RewardModelV1 }[] = [
    { label: 'in-thread', model: inThread },
    { label: values.chunk ? `pool, ${values.chunk} per task` : 'pool, batch split evenly', model: split },
    { label: 'pool, 1 image per task', model: single },
  ];
  const reference = await inThread.doScore(batch); // loads the model, warms up
  let same = true;
  for (const { model } of arms.slice(1)) {
    const results = await model.doScore(batch);
    same &&= reference.every((result, i) => result.score === results[i]!.score && JSON.stringify(result.details) === JSON.stringify(results[i]!.details));
  }
  // Wall-clock images/s, and the CPU time the whole process (all threads) used: CPU-seconds per image shows
  // the pool's own overhead, CPU / wall how many cores the run got (on a busy machine, fewer than it could use).
  const rate = async (model: RewardModelV1): Promise<Timing> => {
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let k = 0; k < batches; k++) await model.doScore(batch);
    const wall = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const cpuSeconds = (used.user + used.system) / 1e6;
    const images = batches * batch.length;
    return { perSecond: images / wall, cpuPerImage: cpuSeconds / images, cores: cpuSeconds / wall };
  };
  const rows: Timing[][] = [];
  for (let rep = 0; rep < Number(values.reps); rep++) {
    // Rotate which arm goes first, so drifting load from other processes hits all alike.
    const row: Timing[] = [];
    for (let k = 0; k < arms.length; k++) {
      const arm = (rep + k) % arms.length;
      row[arm] = await rate(arms[arm]!.model);
    }
    rows.push(row);
  }
  await Promise.all(arms.map(({ model }) => model.dispose?.()));
  await pool.destroy();
  console.log(
    `\n1. detector reward (CenterNet, TF.js wasm), batches of 8, ${batches} batches per timing, ${rows.length} reps; same scores and details in all: ${same ? 'yes' : 'NO'}`,
  );
  console.log(`   img/s (cpu s/img, cores used) per arm; ratio = pool / in-thread`);
  console.log(`   rep ${arms.map(({ label }) => label.padStart(30)).join(' ')}   ratios`);
  const cell = (t: Timing) => `${t.perSecond.toFixed(2).padStart(6)} (${t.cpuPerImage.toFixed(3)}, ${t.cores.toFixed(2)})`;
  rows.forEach((row, i) =>
    console.log(
      `   ${String(i + 1).padStart(3)} ${row.map((t) => cell(t).padStart(30)).join(' ')}   ${row
        .slice(1)
        .map((t) => `${(t.perSecond / row[0]!.perSecond).toFixed(2)}x`)
        .join(' / ')}`,
    ),
  );
  const best = (arm: number) => Math.max(...rows.map((row) => row[arm]!.perSecond));
  arms.slice(1).forEach(({ label }, k) => {
    const arm = k + 1;
    console.log(
      `   ${label}: median ratio ${median(rows.map((row) => row[arm]!.perSecond / row[0]!.perSecond)).toFixed(2)}x; best ${best(0).toFixed(2)} vs ${best(arm).toFixed(2)} img/s (${(best(arm) / best(0)).toFixed(2)}x)`,
    );
  });
  console.log(`   load average ${load()}`);
}

async function startServer(options: { pool: boolean; threads?: number; nice?: number }): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--conditions=t2ir-source', '--import', 'tsx', path.join(here, 'bench-pool-server.ts'), JSON.stringify(options)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (line) => resolve((JSON.parse(line) as { url: string }).url));
    void exited.then(() => reject(new Error('bench server exited before listening')));
  });
  return { url, stop: async () => void (child.kill('SIGTERM'), await exited) };
}

interface ServerCell {
  mode: string;
  items: number;
  perSecond: number;
  p50: number;
  p99: number;
  health: { count: number; p50: number; p99: number; max: number };
  errors: number;
}

async function measureServer(mode: string, options: { pool: boolean; threads?: number; nice?: number }, body: string): Promise<ServerCell> {
  const server = await startServer(options);
  try {
    const post = async (): Promise<boolean> => {
      const response = await fetch(`${server.url}/v1/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).catch(() => undefined);
      if (!response) return false;
      await response.arrayBuffer();
      return response.status === 200;
    };
    // Warm up: the model loads (in every worker when pooled).
    await Promise.all(Array.from({ length: Math.max(2, threads) * 2 }, post));
    const clients = Number(values.clients);
    const deadline = performance.now() + Number(values.seconds) * 1000;
    const latencies: number[] = [];
    const health: number[] = [];
    let errors = 0;
    const started = performance.now();
    const probe = (async () => {
      while (performance.now() < deadline) {
        const begin = performance.now();
        const response = await fetch(`${server.url}/healthz`);
        await response.arrayBuffer();
        health.push(performance.now() - begin);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    })();
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (performance.now() < deadline) {
          const begin = performance.now();
          if (await post()) latencies.push(performance.now() - begin);
          else errors += 1;
        }
      }),
    );
    await probe;
    const elapsed = (performance.now() - started) / 1000;
    latencies.sort((x, y) => x - y);
    health.sort((x, y) => x - y);
    return {
      mode,
      items: latencies.length,
      perSecond: latencies.length / elapsed,
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      health: { count: health.length, p50: percentile(health, 0.5), p99: percentile(health, 0.99), max: health.at(-1) ?? Number.NaN },
      errors,
    };
  } finally {
    await server.stop();
  }
}

async function serverSection(): Promise<void> {
  const dog = await readFile(EXAMPLE_IMAGES.find((image) => image.name === 'dog')!.path);
  const body = JSON.stringify({ items: [{ image: dog.toString('base64'), prompt: 'a dog next to a bicycle' }] });
  const before = await measureServer('in-process (before)', { pool: false }, body);
  const after = await measureServer(`pool of ${threads} (after)`, { pool: true, threads }, body);
  // The same pool with its workers at normal priority: what the default nice value buys the event loop.
  const normal = await measureServer(`pool, nice 0`, { pool: true, threads, nice: 0 }, body);
  console.log(
    `\n2. reward server, default ensemble (CenterNet), ${values.clients} clients × one-item requests (dog.jpg), ${values.seconds} s each; /healthz probed every 25 ms meanwhile`,
  );
  console.log('   mode                  items/s   p50 ms    p99 ms   healthz p50 / p99 / max ms   errors');
  for (const cell of [before, after, normal]) {
    console.log(
      `   ${cell.mode.padEnd(20)} ${cell.perSecond.toFixed(2).padStart(8)} ${cell.p50.toFixed(0).padStart(8)} ${cell.p99.toFixed(0).padStart(9)}   ${`${cell.health.p50.toFixed(1)} / ${cell.health.p99.toFixed(1)} / ${cell.health.max.toFixed(1)}`.padStart(26)}   ${cell.errors}`,
    );
  }
  console.log(
    `   items/s ${(after.perSecond / before.perSecond).toFixed(2)}x; healthz p99 ${before.health.p99.toFixed(0)} → ${after.health.p99.toFixed(1)} ms (workers at nice ${DEFAULT_POOL_NICE}; ${normal.health.p99.toFixed(1)} ms at nice 0); load average ${load()}`,
  );
}

async function trainerRun(pool: boolean, sampleAhead = false): Promise<{ perMinute: number; rewardWait: number; minutes: number }> {
  const outDir = await mkdtemp(path.join(os.tmpdir(), 'bench-pool-demo-'));
  const records: MetricsRecord[] = [];
  try {
    const summary = await runDemo({
      outDir,
      steps: Number(values.steps),
      evalEvery: 0,
      samples: false,
      pool: pool ? { threads } : false,
      settings: { promptsPerStep: Number(values.prompts), sampleAhead },
      onRecord: (record) => {
        if (record.split === 'train') records.push(record);
      },
    });
    // Steps after the first (which includes loading the models), from the trainer's own clock.
    const first = records[0]!.timing!.elapsedSeconds;
    const last = records.at(-1)!.timing!.elapsedSeconds;
    const rewardWait = median(records.slice(1).map((r) => r.timing!.rewardWaitSeconds));
    return { perMinute: ((records.length - 1) / (last - first)) * 60, rewardWait, minutes: summary.minutes };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

async function trainerSection(): Promise<void> {
  const inThread = await trainerRun(false);
  const pooled = await trainerRun(true);
  const ahead = await trainerRun(true, true);
  console.log(
    `\n3. trainer demo as \`t2ir train --demo\` runs it (BiCoT-GRPO, ${values.prompts} prompts × G=8 per step; three formulas read one CenterNet pass), ${values.steps} steps each, rate over steps 2..${values.steps}`,
  );
  console.log('   mode                          steps/min   median reward wait s/step   run minutes');
  console.log(
    `   detector on trainer thread    ${inThread.perMinute.toFixed(2).padStart(9)}   ${inThread.rewardWait.toFixed(2).padStart(25)}   ${inThread.minutes.toFixed(2).padStart(11)}`,
  );
  console.log(
    `   detector in pool (overlap)    ${pooled.perMinute.toFixed(2).padStart(9)}   ${pooled.rewardWait.toFixed(2).padStart(25)}   ${pooled.minutes.toFixed(2).padStart(11)}`,
  );
  console.log(
    `   detector in pool, sampleAhead ${ahead.perMinute.toFixed(2).padStart(9)}   ${ahead.rewardWait.toFixed(2).padStart(25)}   ${ahead.minutes.toFixed(2).padStart(11)}`,
  );
  console.log(
    `   steps/min: pool ${(pooled.perMinute / inThread.perMinute).toFixed(2)}x, pool + sampleAhead ${(ahead.perMinute / inThread.perMinute).toFixed(2)}x the trainer thread (${(ahead.perMinute / pooled.perMinute).toFixed(2)}x the pool alone); load average ${load()}`,
  );
}

/** images/s of `model` on `batch`, `batches` times. */
async function imagesPerSecond(model: RewardModelV1, batch: RewardSample[], batches: number): Promise<number> {
  const started = performance.now();
  for (let k = 0; k < batches; k++) {
    const results = await model.doScore(batch);
    if (results.some((result) => result.error)) throw new Error(`${model.modelId}: ${results.find((result) => result.error)!.error!.message}`);
  }
  return (batches * batch.length) / ((performance.now() - started) / 1000);
}

async function ortSection(): Promise<void> {
  let dir = values['clip-model'];
  if (!dir) {
    dir = path.join(os.tmpdir(), 't2ir-bench-clip-vit-b-32');
    if (!existsSync(path.join(dir, 'config.json'))) {
      const script = path.join(here, '..', 'packages', 'reward-hpm', 'scripts', 'gen_clip_fixture.py');
      const generated = spawnSync('/usr/bin/python3', [script, '--preset', 'vit-b-32', '--out', dir], { encoding: 'utf8' });
      if (generated.status !== 0) throw new Error(`generating the ViT-B/32 model failed: ${generated.stderr}`);
    }
  }
  const { expertPlugin, buildClipTokenizerJson } = await import('@t2i-reward/hpm');
  if (!existsSync(path.join(dir, 'tokenizer.json'))) {
    // The generator writes no tokenizer.json: build CLIP's from the bundled BPE vocabulary (as the hpm bench does).
    const bpe = path.join(here, '..', 'packages', 'reward-hpm', 'fixtures', 'clip-bpe', 'bpe_simple_vocab_16e6.txt.gz');
    writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(buildClipTokenizerJson(readFileSync(bpe))));
  }
  const photos = await Promise.all(EXAMPLE_IMAGES.map(async ({ path: file, prompt }) => ({ image: await loadImage(file), prompt })));
  const batch: RewardSample[] = Array.from({ length: 8 }, (_, i) => photos[i % photos.length]!);
  const entry = (session?: Record<string, unknown>) => ({
    kind: 'hpm',
    backend: { type: 'transformers', model: dir },
    options: { variant: 'hps-v2.1', ...(session ? { session } : {}) },
  });
  const local = await expertPlugin.create(entry(), { configDir: process.cwd(), path: 'experts/0', resolvePath: (p) => p, image: {} });
  const pooled = await createPooledReward(entry(), { pool: { threads } });
  const pooledOne = await createPooledReward(entry({ intraOpNumThreads: 1 }), { pool: { threads } });
  const models = [
    { label: 'in-process (ORT threads: default)', model: local },
    { label: `pool of ${threads} (ORT threads: default each)`, model: pooled },
    { label: `pool of ${threads} (ORT threads: 1 each)`, model: pooledOne },
  ];
  for (const { model } of models) await imagesPerSecond(model, batch, 1);
  const rates = models.map(() => [] as number[]);
  const batches = Number(values.batches);
  for (let rep = 0; rep < Number(values.reps); rep++) {
    const order = rep % 2 === 0 ? [0, 1, 2] : [2, 1, 0];
    for (const index of order) rates[index]!.push(await imagesPerSecond(models[index]!.model, batch, batches));
  }
  await Promise.all(models.map(({ model }) => model.dispose()));
  console.log(
    `\n4. onnxruntime expert: CLIP ViT-B/32 size, random weights, HPS v2.1 scoring (transformers.js on onnxruntime-node), batches of 8, ${rates[0]!.length} reps`,
  );
  console.log('   mode                                      median img/s   best img/s   vs in-process (median)');
  models.forEach(({ label }, index) => {
    const rate = median(rates[index]!);
    console.log(
      `   ${label.padEnd(40)} ${rate.toFixed(2).padStart(13)} ${Math.max(...rates[index]!)
        .toFixed(2)
        .padStart(12)}   ${(rate / median(rates[0]!)).toFixed(2)}x`,
    );
  });
  console.log(`   load average ${load()}`);
}

if (sections.has('detector')) await detectorSection();
if (sections.has('server')) await serverSection();
if (sections.has('trainer')) await trainerSection();
if (sections.has('ort')) await ortSection();

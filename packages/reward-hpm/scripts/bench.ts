/**
 * Bench of the CLIP scorer at fp32 and int8 on a random-weight model of the real ViT-B/32 size (generated here by
 * gen_clip_fixture.py and quantised by quantize_onnx.py, never committed): images/s at batch 1 and 8 of
 *   - the scorer (ClipReward.doScore: tokenise, preprocess, text + vision sessions, cosine), fp32 and dtype 'q8',
 *   - the raw InferenceSession calls on pre-made tensors (the same ONNX files, same session options), fp32 and q8,
 *   - torch eager fp32 on the same weights (bench_torch.py, a child process answering one timed call per request,
 *     started with OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE removed from its environment so OpenBLAS runs its best kernel),
 * all interleaved call by call (A/B/C/A/B/C..., order reversed every other round), medians and minimums per call.
 * Then the accuracy of q8 against fp32 on 64 image–prompt pairs: |Δ cosine| mean / max and Spearman of the scores.
 * Run: npm run bench -w @t2i-reward/hpm   (env: BENCH_ITERATIONS (9), BENCH_SPINNING=0, BENCH_THREADS=n (ORT and
 * torch), BENCH_WEIGHT_BITS (7), BENCH_MODEL=<folder of an earlier run, kept with BENCH_KEEP=1>, BENCH_EXTRA=1 adds
 * cached-text / vision-only / 512×384 arms)
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createRgbImage, type RgbImage } from '@t2i-reward/core';
import { buildClipTokenizerJson } from '../src/clip-tokenizer.js';
import { ClipReward } from '../src/clip-reward.js';
import type { HpmSessionOptions } from '../src/options.js';

const here = dirname(fileURLToPath(import.meta.url));
const python = process.env['BENCH_PYTHON'] ?? '/usr/bin/python3';
const iterations = Number(process.env['BENCH_ITERATIONS'] ?? 9);
const weightBits = process.env['BENCH_WEIGHT_BITS'] ?? '7';
const extra = process.env['BENCH_EXTRA'] === '1';
const batches = [1, 8];
// BENCH_SPINNING=0: ORT intra-op threads stop spin-waiting after a run (both the scorer's and the raw sessions).
const spinning = process.env['BENCH_SPINNING'] !== '0';
// BENCH_THREADS=n: ORT intra-op threads and torch threads both n (default: each runtime's own, the physical cores).
const threads = process.env['BENCH_THREADS'] ? Number(process.env['BENCH_THREADS']) : undefined;
const ortOptions = {
  ...(spinning ? {} : { extra: { session: { intra_op: { allow_spinning: '0' } } } }),
  ...(threads ? { intraOpNumThreads: threads } : {}),
};
const prompt = 'a photo of a red bicycle leaning on a blue wall next to a green bench';
const BLAS_ENV = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'];

/** Noise image (what the speed arms use: content does not change the FLOPs). */
function randomImage(width: number, height: number, seed: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  let state = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    data[i] = state >>> 24;
  }
  return createRgbImage(data, width, height, `random-${seed}`);
}

/** Smooth colour fields (sums of random sinusoids): varied, image-like inputs for the accuracy pairs. */
function patternImage(width: number, height: number, seed: number): RgbImage {
  let state = seed >>> 0;
  const rand = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const waves = Array.from({ length: 3 }, () =>
    Array.from({ length: 3 }, () => ({ fx: rand() * 0.08, fy: rand() * 0.08, phase: rand() * 6.28, amp: 40 + rand() * 60 })),
  );
  const base = [rand() * 255, rand() * 255, rand() * 255];
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        let v = base[c]!;
        for (const w of waves[c]!) v += w.amp * Math.sin(w.fx * x + w.fy * y + w.phase);
        data[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, v));
      }
    }
  }
  return createRgbImage(data, width, height, `pattern-${seed}`);
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

function ranks(values: number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const result = new Array<number>(values.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    for (let k = i; k <= j; k++) result[order[k]![1]] = (i + j) / 2;
    i = j + 1;
  }
  return result;
}

/** Spearman's rank correlation (Pearson on ranks, ties averaged). */
function spearman(a: number[], b: number[]): number {
  const [ra, rb] = [ranks(a), ranks(b)];
  const mean = (r: number[]) => r.reduce((s, v) => s + v, 0) / r.length;
  const [ma, mb] = [mean(ra), mean(rb)];
  let num = 0;
  let da = 0;
  let db = 0;
  ra.forEach((v, i) => {
    num += (v - ma) * (rb[i]! - mb);
    da += (v - ma) ** 2;
    db += (rb[i]! - mb) ** 2;
  });
  return num / Math.sqrt(da * db);
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

interface TorchInfo {
  threads: number;
  kernel: Record<string, unknown>;
  gemm_gflops: number;
}

/** bench_torch.py --serve: one line in (batch), one JSON line out (seconds, cosine). */
class TorchChild {
  readonly info: Promise<TorchInfo>;
  readonly #child;
  readonly #lines: string[] = [];
  #waiting: ((line: string) => void) | undefined;
  #failWaiting: ((error: Error) => void) | undefined;
  #exited: Error | undefined;
  #stderr = '';

  constructor(work: string) {
    const env = { ...process.env };
    for (const key of BLAS_ENV) delete env[key];
    const args = [join(here, 'bench_torch.py'), '--preset', 'vit-b-32', '--inputs', work, ...(threads ? ['--threads', String(threads)] : [])];
    this.#child = spawn(python, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.#child.stderr.on('data', (chunk: Buffer) => (this.#stderr = (this.#stderr + chunk.toString()).slice(-2000)));
    createInterface({ input: this.#child.stdout }).on('line', (line) => {
      if (this.#waiting) {
        const resolve = this.#waiting;
        this.#waiting = undefined;
        resolve(line);
      } else this.#lines.push(line);
    });
    this.#child.once('exit', (code) => {
      this.#exited = new Error(`bench_torch.py exited (${code}): ${this.#stderr}`);
      this.#failWaiting?.(this.#exited);
    });
    this.info = this.#next().then((line) => JSON.parse(line) as TorchInfo);
  }

  #next(): Promise<string> {
    const queued = this.#lines.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#exited) return Promise.reject(this.#exited);
    return new Promise((resolve, reject) => {
      this.#waiting = resolve;
      this.#failWaiting = reject;
    });
  }

  async run(batch: number): Promise<{ seconds: number; cosine: number[] }> {
    this.#child.stdin.write(`${batch}\n`);
    return JSON.parse(await this.#next()) as { seconds: number; cosine: number[] };
  }

  close(): void {
    this.#child.stdin.end();
  }
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'hpm-bench-'));
  try {
    // BENCH_MODEL: a folder an earlier run wrote (gen_clip_fixture.py --preset vit-b-32 + quantize_onnx.py), reused as is.
    const reuse = process.env['BENCH_MODEL'];
    const modelDir = reuse ?? join(work, 'vit-b-32');
    if (!reuse) {
      console.log(`generating a random-weight ViT-B/32 CLIP in ${modelDir} (${python}) and its q8 files (${weightBits}-bit weights) ...`);
      const generated = spawnSync(python, [join(here, 'gen_clip_fixture.py'), '--preset', 'vit-b-32', '--out', modelDir], { encoding: 'utf8' });
      const quantize = (...args: string[]) =>
        spawnSync(python, [join(here, 'quantize_onnx.py'), modelDir, '--weight-bits', weightBits, ...args], { encoding: 'utf8' });
      // The scorer's q8 files (per-sample activation scales) and, for one raw arm, per-tensor ones (batch-dependent).
      let quantized = generated.status === 0 ? quantize() : generated;
      if (quantized.status === 0) quantized = quantize('--activations', 'per-tensor', '--suffix', '_quantized_per_tensor');
      if (generated.status !== 0 || quantized.status !== 0) {
        console.error(`cannot generate the bench model (needs ${python} with torch + onnx + numpy):\n${(quantized.stderr || generated.stderr).slice(-2000)}`);
        process.exitCode = 1;
        return;
      }
      console.log(quantized.stdout.trim());
    } else console.log(`reusing ${modelDir} (BENCH_MODEL)`);
    writeFileSync(
      join(modelDir, 'tokenizer.json'),
      JSON.stringify(buildClipTokenizerJson(readFileSync(join(here, '..', 'fixtures', 'clip-bpe', 'bpe_simple_vocab_16e6.txt.gz')))),
    );

    const transformers = await import('@huggingface/transformers');
    const ort = await import('onnxruntime-node');
    const tokenizer = await transformers.AutoTokenizer.from_pretrained(modelDir, { local_files_only: true });
    const processor = await transformers.AutoImageProcessor.from_pretrained(modelDir, { local_files_only: true });
    const ids = tokenizer.encode(prompt);
    const native = Array.from({ length: 8 }, (_, i) => randomImage(224, 224, i + 1));
    const large = Array.from({ length: 8 }, (_, i) => randomImage(512, 384, i + 101));
    const pixels = (await processor(native.map((im) => new transformers.RawImage(new Uint8ClampedArray(im.data), im.width, im.height, 3)))) as {
      pixel_values: { data: Float32Array; dims: number[] };
    };

    // Raw sessions on the same files, with the options the scorer passes (CPU EP, default threads).
    const session = (file: string) => ort.InferenceSession.create(join(modelDir, 'onnx', file), ortOptions);
    const [textSession, visionSession, textQ8, visionQ8, textQ8PerTensor, visionQ8PerTensor] = await Promise.all([
      session('text_model.onnx'),
      session('vision_model.onnx'),
      session('text_model_quantized.onnx'),
      session('vision_model_quantized.onnx'),
      session('text_model_quantized_per_tensor.onnx'),
      session('vision_model_quantized_per_tensor.onnx'),
    ]);
    const idsTensor = new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]);
    const pixelTensor = (batch: number) => new ort.Tensor('float32', pixels.pixel_values.data.subarray(0, batch * 3 * 224 * 224), [batch, 3, 224, 224]);

    const sessionOptions: HpmSessionOptions = { allowSpinning: spinning, ...(threads ? { intraOpNumThreads: threads } : {}) };
    const scorer = new ClipReward({ variant: 'hps-v2.1', model: modelDir, textCacheSize: 0, session: sessionOptions });
    const scorerQ8 = new ClipReward({ variant: 'hps-v2.1', model: modelDir, textCacheSize: 0, session: sessionOptions, dtype: 'q8' });
    const cached = new ClipReward({ variant: 'hps-v2.1', model: modelDir, session: sessionOptions });
    await Promise.all([scorer.load(), scorerQ8.load(), ...(extra ? [cached.load()] : [])]);
    const samples = (images: RgbImage[], batch: number) => images.slice(0, batch).map((image) => ({ image, prompt }));

    // Torch inputs: the very tensors the raw sessions get.
    writeFileSync(
      join(work, 'pixel_values.f32'),
      Buffer.from(pixels.pixel_values.data.buffer, pixels.pixel_values.data.byteOffset, pixels.pixel_values.data.byteLength),
    );
    writeFileSync(join(work, 'meta.json'), JSON.stringify({ ids, pixel_shape: pixels.pixel_values.dims, batches }));
    const torch = new TorchChild(work);
    const torchInfo = await torch.info.catch((error: Error) => {
      console.warn(`torch reference skipped: ${error.message}`);
      return undefined;
    });
    const torchCosine: Record<number, number[]> = {};

    const rows: Record<string, number>[] = [];
    const minimums: Record<string, number>[] = [];
    const rawImages = (batch: number) => native.slice(0, batch).map((im) => new transformers.RawImage(new Uint8ClampedArray(im.data), im.width, im.height, 3));
    const loads: number[] = [];
    for (const batch of batches) {
      const cases: Record<string, () => Promise<unknown>> = {
        scorer: () => scorer.doScore(samples(native, batch)),
        raw: async () => {
          await textSession.run({ input_ids: idsTensor });
          await visionSession.run({ pixel_values: pixelTensor(batch) });
        },
        scorerQ8: () => scorerQ8.doScore(samples(native, batch)),
        rawQ8: async () => {
          await textQ8.run({ input_ids: idsTensor });
          await visionQ8.run({ pixel_values: pixelTensor(batch) });
        },
        // What per-sample activation scales (batch independence) cost against one DynamicQuantizeLinear per tensor.
        rawQ8PerTensor: async () => {
          await textQ8PerTensor.run({ input_ids: idsTensor });
          await visionQ8PerTensor.run({ pixel_values: pixelTensor(batch) });
        },
        // The pipeline's own work without the model: tokenise + image processor.
        preprocess: async () => {
          tokenizer.encode(prompt);
          await processor(rawImages(batch));
        },
        ...(extra
          ? {
              scorerResize: () => scorer.doScore(samples(large, batch)),
              scorerCachedText: () => cached.doScore(samples(native, batch)),
              rawVisionOnly: () => visionSession.run({ pixel_values: pixelTensor(batch) }),
            }
          : {}),
      };
      const samplesOf: Record<string, number[]> = Object.fromEntries([...Object.keys(cases), 'torch'].map((k) => [k, []]));
      for (const fn of Object.values(cases)) await fn(); // warm-up
      const entries: [string, () => Promise<number>][] = Object.entries(cases).map(([name, fn]) => [name, () => time(fn)]);
      if (torchInfo) {
        entries.splice(2, 0, [
          'torch',
          async () => {
            const { seconds, cosine } = await torch.run(batch);
            torchCosine[batch] = cosine;
            return seconds;
          },
        ]);
      }
      for (let i = 0; i < iterations; i++) {
        // Interleaved call by call, the order reversed every other round, so a shared machine's drifts hit every arm alike.
        for (const [name, fn] of i % 2 === 0 ? entries : [...entries].reverse()) samplesOf[name]!.push(await fn());
        loads.push(loadavg()[0]!);
      }
      const paired = (a: string, b: string) => median(samplesOf[a]!.map((t, i) => t / samplesOf[b]![i]!));
      const stats = { batch, pairedOverhead: paired('scorer', 'raw') - 1, pairedQ8Overhead: paired('scorerQ8', 'rawQ8') - 1 };
      if (torchInfo) Object.assign(stats, { pairedVsTorch: 1 / paired('scorer', 'torch'), pairedQ8VsTorch: 1 / paired('scorerQ8', 'torch') });
      rows.push({ ...stats, ...Object.fromEntries(Object.entries(samplesOf).map(([k, v]) => [k, median(v)])) });
      minimums.push({ ...stats, ...Object.fromEntries(Object.entries(samplesOf).map(([k, v]) => [k, Math.min(...v)])) });
    }

    const [first] = await scorer.doScore(samples(native, 8));
    const fp32Batch8 = (await scorer.doScore(samples(native, 8))).map((r) => r.details!['cosine'] as number);
    const q8Batch8 = (await scorerQ8.doScore(samples(native, 8))).map((r) => r.details!['cosine'] as number);

    // Accuracy of q8 against fp32: 64 distinct image–prompt pairs (CompBench prompts, varied image sizes).
    const prompts = ['complex_val.txt', 'color_val.txt', 'spatial_val.txt', 'non_spatial_val.txt'].flatMap((file) =>
      readFileSync(join(here, '..', '..', '..', 'benchmarks', 'data', 't2i-compbench', file), 'utf8')
        .split(/\r?\n/)
        .filter(Boolean)
        .slice(0, 16),
    );
    const pairs = prompts.map((p, i) => ({ prompt: p, image: patternImage(160 + ((i * 37) % 200), 160 + ((i * 53) % 200), 1000 + i) }));
    const cosinesOf = async (model: ClipReward) => (await model.doScore(pairs)).map((r) => r.details!['cosine'] as number);
    const [fp32Pairs, q8Pairs] = [await cosinesOf(scorer), await cosinesOf(scorerQ8)];
    const deltas = fp32Pairs.map((v, i) => Math.abs(v - q8Pairs[i]!));

    const ips = (b: number, seconds: number | undefined) => (seconds ? (b / seconds).toFixed(1) : 'n/a');
    const percent = (ratio: number) => `${(ratio * 100).toFixed(1)}%`;
    const x = (ratio: number | undefined) => (ratio === undefined || !Number.isFinite(ratio) ? 'n/a' : `${ratio.toFixed(2)}x`);
    const table = (label: string, data: Record<string, number>[], isMedian: boolean) => {
      console.log(`\n${label}`);
      console.log(
        '| batch | fp32 scorer img/s | fp32 raw img/s | fp32 overhead vs raw | q8 scorer img/s | q8 raw img/s | q8 overhead vs raw | torch fp32 img/s | fp32 scorer / torch | q8 scorer / torch | q8 / fp32 scorer | preprocess ms |',
      );
      console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
      for (const row of data) {
        const b = row['batch']!;
        const paired = (key: string) => (isMedian && row[key] !== undefined ? ` (paired ${key.includes('Overhead') ? percent(row[key]) : x(row[key])})` : '');
        console.log(
          `| ${[
            b,
            ips(b, row['scorer']),
            ips(b, row['raw']),
            `${percent(row['scorer']! / row['raw']! - 1)}${paired('pairedOverhead')}`,
            ips(b, row['scorerQ8']),
            ips(b, row['rawQ8']),
            `${percent(row['scorerQ8']! / row['rawQ8']! - 1)}${paired('pairedQ8Overhead')}`,
            ips(b, row['torch']),
            `${x(row['torch']! / row['scorer']!)}${paired('pairedVsTorch')}`,
            `${x(row['torch']! / row['scorerQ8']!)}${paired('pairedQ8VsTorch')}`,
            x(row['scorer']! / row['scorerQ8']!),
            (row['preprocess']! * 1000).toFixed(1),
          ].join(' | ')} |`,
        );
        console.log(`  q8 raw with per-tensor activation scales (batch-dependent scores): ${ips(b, row['rawQ8PerTensor'])} img/s`);
        if (extra) {
          console.log(
            `  extra: 512x384 scorer ${ips(b, row['scorerResize'])} img/s; cached text ${ips(b, row['scorerCachedText'])} img/s vs raw vision only ${ips(b, row['rawVisionOnly'])} img/s`,
          );
        }
      }
    };
    const blasEnv = BLAS_ENV.map((k) => `${k}=${process.env[k] ?? '(unset)'}`).join(' ');
    console.log(
      `\nCLIP ViT-B/32 size (random weights), hps-v2.1 scorer, ${iterations} interleaved iterations; prompt of ${ids.length} tokens; ORT ${ort.env.versions.common} spinning ${spinning ? 'on' : 'off'}, intra-op threads ${threads ?? 'default'}; ` +
        `${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}); load average during the timed loop: median ${median(loads).toFixed(1)}, min ${Math.min(...loads).toFixed(1)}, max ${Math.max(...loads).toFixed(1)}`,
    );
    if (torchInfo) {
      const k = torchInfo.kernel;
      console.log(
        `torch ${String(k['torch'])}: ${torchInfo.threads} threads, BLAS ${String(k['openblas_core'] ?? k['blas'])} (${String(k['openblas_config'] ?? '')}), ` +
          `1024³ fp32 GEMM ${torchInfo.gemm_gflops.toFixed(0)} GFLOP/s; this process: ${blasEnv}; torch child: ${BLAS_ENV.join(', ')} removed`,
      );
    }
    table('median per call (paired = median of per-iteration ratios)', rows, true);
    table('minimum per call (least disturbed)', minimums, false);
    if (torchInfo && torchCosine[1] && torchCosine[8]) {
      const fp32Delta = Math.max(...torchCosine[8].map((v, i) => Math.abs(v - fp32Batch8[i]!)));
      const q8Delta = Math.max(...torchCosine[8].map((v, i) => Math.abs(v - q8Batch8[i]!)));
      console.log(
        `\nsame weights check: |cos(fp32 scorer) - cos(torch)| batch 1 ${Math.abs((first!.details!['cosine'] as number) - torchCosine[1][0]!).toExponential(2)}, ` +
          `batch 8 max ${fp32Delta.toExponential(2)}; q8 scorer vs torch batch 8 max ${q8Delta.toExponential(2)}`,
      );
    }
    console.log(
      `q8 vs fp32 on 64 image–prompt pairs: |Δ cosine| mean ${(deltas.reduce((s, v) => s + v, 0) / deltas.length).toExponential(2)}, max ${Math.max(...deltas).toExponential(2)}; ` +
        `Spearman ${spearman(fp32Pairs, q8Pairs).toFixed(4)} (fp32 cosines ${Math.min(...fp32Pairs).toFixed(4)}..${Math.max(...fp32Pairs).toFixed(4)})`,
    );
    console.log(
      'targets: fp32 scorer / torch >= 1.0x at batch 1 and 8; fp32 overhead at batch 8 <= 10% (median); q8 scorer / torch >= 2x at batch 8; Spearman >= 0.99',
    );
    torch.close();
    await Promise.all([
      scorer.dispose(),
      scorerQ8.dispose(),
      cached.dispose(),
      ...[textSession, visionSession, textQ8, visionQ8, textQ8PerTensor, visionQ8PerTensor].map((s) => s.release()),
    ]);
  } finally {
    if (!process.env['BENCH_KEEP'] && existsSync(work)) rmSync(work, { recursive: true, force: true });
  }
}

await main();

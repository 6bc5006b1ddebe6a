/**
 * Bench of the CLIP scorer on a random-weight model of the real ViT-B/32 size (generated here by
 * gen_clip_fixture.py, never committed): images/s at batch 1 and 8 of
 *   - the scorer (ClipReward.doScore: tokenise, preprocess, text + vision sessions, cosine),
 *   - the raw InferenceSession calls on pre-made tensors (the same two ONNX files, same thread defaults),
 *   - torch eager on the same weights (bench_torch.py), when /usr/bin/python3 has torch,
 * measured in one run, interleaved, median per call; printed as ratios.
 * Run: npm run bench -w @t2i-reward/hpm   (env BENCH_ITERATIONS, default 9)
 * Ratios are printed from medians and from minimums (the least-disturbed run, telling on a shared machine).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRgbImage, type RgbImage } from '@t2i-reward/core';
import { buildClipTokenizerJson } from '../src/clip-tokenizer.js';
import { ClipReward } from '../src/clip-reward.js';

const here = dirname(fileURLToPath(import.meta.url));
const python = process.env['BENCH_PYTHON'] ?? '/usr/bin/python3';
const iterations = Number(process.env['BENCH_ITERATIONS'] ?? 9);
const batches = [1, 8];
// BENCH_SPINNING=0: ORT intra-op threads stop spin-waiting after a run (both the scorer's and the raw sessions).
const spinning = process.env['BENCH_SPINNING'] !== '0';
const ortOptions = spinning ? {} : { extra: { session: { intra_op: { allow_spinning: '0' } } } };
const prompt = 'a photo of a red bicycle leaning on a blue wall next to a green bench';

function randomImage(width: number, height: number, seed: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  let state = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    data[i] = state >>> 24;
  }
  return createRgbImage(data, width, height, `random-${seed}`);
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'hpm-bench-'));
  try {
    const modelDir = join(work, 'vit-b-32');
    console.log(`generating a random-weight ViT-B/32 CLIP in ${modelDir} (${python}) ...`);
    const generated = spawnSync(python, [join(here, 'gen_clip_fixture.py'), '--preset', 'vit-b-32', '--out', modelDir], { encoding: 'utf8' });
    if (generated.status !== 0) {
      console.error(`cannot generate the bench model (needs ${python} with torch + onnx):\n${generated.stderr.slice(-2000)}`);
      process.exitCode = 1;
      return;
    }
    writeFileSync(join(modelDir, 'tokenizer.json'), JSON.stringify(buildClipTokenizerJson(readFileSync(join(here, '..', 'fixtures', 'clip-bpe', 'bpe_simple_vocab_16e6.txt.gz')))));

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

    // Raw sessions on the same files, with the defaults transformers.js uses (CPU EP, default threads).
    const [textSession, visionSession] = await Promise.all([
      ort.InferenceSession.create(join(modelDir, 'onnx', 'text_model.onnx'), ortOptions),
      ort.InferenceSession.create(join(modelDir, 'onnx', 'vision_model.onnx'), ortOptions),
    ]);
    const idsTensor = new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]);
    const pixelTensor = (batch: number) => new ort.Tensor('float32', pixels.pixel_values.data.subarray(0, batch * 3 * 224 * 224), [batch, 3, 224, 224]);

    const session = { allowSpinning: spinning };
    const scorer = new ClipReward({ variant: 'hps-v2.1', model: modelDir, textCacheSize: 0, session });
    const cached = new ClipReward({ variant: 'hps-v2.1', model: modelDir, session });
    await Promise.all([scorer.load(), cached.load()]);
    const samples = (images: RgbImage[], batch: number) => images.slice(0, batch).map((image) => ({ image, prompt }));

    // Torch inputs: the very tensors the raw sessions get.
    writeFileSync(join(work, 'pixel_values.f32'), Buffer.from(pixels.pixel_values.data.buffer, pixels.pixel_values.data.byteOffset, pixels.pixel_values.data.byteLength));
    writeFileSync(join(work, 'meta.json'), JSON.stringify({ ids, pixel_shape: pixels.pixel_values.dims, batches }));

    const rows: Record<string, number>[] = [];
    const minimums: Record<string, number>[] = [];
    const rawImages = (batch: number) => native.slice(0, batch).map((im) => new transformers.RawImage(new Uint8ClampedArray(im.data), im.width, im.height, 3));
    for (const batch of batches) {
      const cases = {
        scorer: () => scorer.doScore(samples(native, batch)),
        raw: async () => {
          await textSession.run({ input_ids: idsTensor });
          await visionSession.run({ pixel_values: pixelTensor(batch) });
        },
        scorerResize: () => scorer.doScore(samples(large, batch)),
        scorerCachedText: () => cached.doScore(samples(native, batch)),
        rawVisionOnly: () => visionSession.run({ pixel_values: pixelTensor(batch) }),
        // The pipeline's own work without the model: tokenise + image processor.
        preprocess: async () => {
          tokenizer.encode(prompt);
          await processor(rawImages(batch));
        },
      };
      const samplesOf: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
      for (const fn of Object.values(cases)) await fn(); // warm-up
      const entries = Object.entries(cases);
      for (let i = 0; i < iterations; i++) {
        // Alternate the order so slow drifts of a shared machine hit every case alike.
        for (const [name, fn] of i % 2 === 0 ? entries : [...entries].reverse()) samplesOf[name]!.push(await time(fn));
      }
      const pairedOverhead = median(samplesOf['scorer']!.map((t, i) => t / samplesOf['raw']![i]!)) - 1;
      rows.push({ batch, pairedOverhead, ...Object.fromEntries(Object.entries(samplesOf).map(([k, v]) => [k, median(v)])) });
      minimums.push({ batch, pairedOverhead, ...Object.fromEntries(Object.entries(samplesOf).map(([k, v]) => [k, Math.min(...v)])) });
    }

    // Sanity: the raw session reproduces the scorer's cosine (same graph, same inputs).
    const [first] = await scorer.doScore(samples(native, 1));

    let torch: { threads: number; batches: Record<string, number>; minimum?: Record<string, number>; cosine_batch_1?: number[] } | undefined;
    const torchRun = spawnSync(python, [join(here, 'bench_torch.py'), '--preset', 'vit-b-32', '--inputs', work, '--iterations', String(iterations)], { encoding: 'utf8' });
    if (torchRun.status === 0) torch = JSON.parse(torchRun.stdout.trim().split('\n').pop()!) as typeof torch;
    else console.warn(`torch reference skipped: ${torchRun.stderr.slice(-500)}`);

    const table = (label: string, data: Record<string, number>[]) => {
      console.log(`\n${label}`);
      console.log('batch | scorer img/s | raw ORT img/s | overhead vs raw | preprocess ms | resize 512x384 img/s | cached text img/s (vs raw vision only) | torch eager img/s | scorer/torch');
      for (const row of data) {
        const b = row['batch']!;
        const ips = (seconds: number) => (b / seconds).toFixed(1);
        const percent = (ratio: number) => `${(ratio * 100).toFixed(1)}%`;
        const torchSeconds = data === rows ? torch?.batches[String(b)] : torch?.minimum?.[String(b)];
        console.log(
          [
            b,
            ips(row['scorer']!),
            ips(row['raw']!),
            `${percent(row['scorer']! / row['raw']! - 1)}${data === rows ? ` (paired ${percent(row['pairedOverhead']!)})` : ''}`,
            (row['preprocess']! * 1000).toFixed(1),
            ips(row['scorerResize']!),
            `${ips(row['scorerCachedText']!)} (${percent(row['scorerCachedText']! / row['rawVisionOnly']! - 1)})`,
            torchSeconds ? ips(torchSeconds) : 'n/a',
            torchSeconds ? `${(torchSeconds / row['scorer']!).toFixed(2)}x` : 'n/a',
          ].join(' | '),
        );
      }
    };
    console.log(`\nCLIP ViT-B/32 size (random weights), hps-v2.1 scorer, ${iterations} iterations; prompt of ${ids.length} tokens; ORT spinning ${spinning ? 'on' : 'off'}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    table('median per call', rows);
    table('minimum per call (least disturbed)', minimums);
    if (torch?.cosine_batch_1) {
      console.log(`\nsame weights check: |cos(scorer) - cos(torch)| = ${Math.abs((first!.details!['cosine'] as number) - torch.cosine_batch_1[0]!).toExponential(2)} (torch threads ${torch.threads})`);
    }
    console.log(`targets: overhead at batch 8 <= 10%; scorer faster than torch eager (scorer/torch > 1)`);
    await Promise.all([scorer.dispose(), cached.dispose(), textSession.release(), visionSession.release()]);
  } finally {
    if (!process.env['BENCH_KEEP'] && existsSync(work)) rmSync(work, { recursive: true, force: true });
  }
}

await main();

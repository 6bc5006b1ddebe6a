/**
 * What each onnxruntime session option buys on the bench model: raw text + vision InferenceSession calls at batch 1
 * and 8, one session per option set, interleaved call by call (order reversed every other round), medians and the
 * ratio against the defaults (what transformers.js and our scorer use unless `session` says otherwise).
 * With BENCH_PROFILE=1 it also prints where the default fp32 vision session spends its time, by operator type
 * (onnxruntime's own profiler).
 * Run (after `BENCH_KEEP=1 npm run bench` or with any folder holding the fp32 and q8 files):
 *   BENCH_MODEL=/tmp/vit-b-32 node --conditions=t2ir-source --import tsx scripts/bench_session_options.ts
 */
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';

const modelDir = process.env['BENCH_MODEL'];
if (!modelDir) throw new Error('set BENCH_MODEL to a folder with onnx/{text,vision}_model{,_quantized}.onnx (scripts/gen_clip_fixture.py + quantize_onnx.py)');
const iterations = Number(process.env['BENCH_ITERATIONS'] ?? 5);
const noSpin = { extra: { session: { intra_op: { allow_spinning: '0' } } } };
const OPTIONS: Record<string, [suffix: string, options: InferenceSession.SessionOptions]> = {
  'fp32 defaults': ['', {}],
  'fp32 graphOptimizationLevel basic': ['', { graphOptimizationLevel: 'basic' }],
  'fp32 graphOptimizationLevel extended': ['', { graphOptimizationLevel: 'extended' }],
  'fp32 allow_spinning 0': ['', noSpin],
  'fp32 intraOpNumThreads 1': ['', { intraOpNumThreads: 1 }],
  'fp32 enableCpuMemArena false': ['', { enableCpuMemArena: false }],
  'fp32 executionMode parallel': ['', { executionMode: 'parallel' }],
  'q8 defaults': ['_quantized', {}],
  'q8 allow_spinning 0': ['_quantized', noSpin],
};

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function main(dir: string): Promise<void> {
  const ort = await import('onnxruntime-node');
  const ids = [49406, 320, 1125, 539, 320, 736, 11652, 49407];
  const idsTensor = new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]);
  const pixels = (batch: number) =>
    new ort.Tensor(
      'float32',
      Float32Array.from({ length: batch * 3 * 224 * 224 }, (_, i) => Math.sin(i) * 1.5),
      [batch, 3, 224, 224],
    );
  const arms = await Promise.all(
    Object.entries(OPTIONS).map(async ([name, [suffix, options]]) => {
      const [text, vision] = await Promise.all([
        ort.InferenceSession.create(join(dir, 'onnx', `text_model${suffix}.onnx`), options),
        ort.InferenceSession.create(join(dir, 'onnx', `vision_model${suffix}.onnx`), options),
      ]);
      return { name, text, vision };
    }),
  );
  const loads: number[] = [];
  console.log(`session options on ${dir}, ${iterations} interleaved iterations, raw text (${ids.length} tokens) + vision calls`);
  console.log('| options | batch 1 ms (median) | vs defaults | batch 8 ms (median) | vs defaults |');
  console.log('|---|---|---|---|---|');
  const results: Record<string, Record<number, number>> = {};
  for (const batch of [1, 8]) {
    const input = pixels(batch);
    const times: Record<string, number[]> = Object.fromEntries(arms.map((a) => [a.name, []]));
    const call = async (arm: (typeof arms)[number]) => {
      const start = performance.now();
      await arm.text.run({ input_ids: idsTensor });
      await arm.vision.run({ pixel_values: input });
      return performance.now() - start;
    };
    for (const arm of arms) await call(arm); // warm-up
    for (let i = 0; i < iterations; i++) {
      for (const arm of i % 2 === 0 ? arms : [...arms].reverse()) times[arm.name]!.push(await call(arm));
      loads.push(loadavg()[0]!);
    }
    for (const arm of arms) (results[arm.name] ??= {})[batch] = median(times[arm.name]!);
  }
  const base = results['fp32 defaults']!;
  for (const arm of arms) {
    const r = results[arm.name]!;
    console.log(`| ${arm.name} | ${r[1]!.toFixed(0)} | ${(base[1]! / r[1]!).toFixed(2)}x | ${r[8]!.toFixed(0)} | ${(base[8]! / r[8]!).toFixed(2)}x |`);
  }
  console.log(`load average during the loop: median ${median(loads).toFixed(1)}, min ${Math.min(...loads).toFixed(1)}, max ${Math.max(...loads).toFixed(1)}`);
  await Promise.all(arms.flatMap((a) => [a.text.release(), a.vision.release()]));

  if (process.env['BENCH_PROFILE'] === '1') {
    const profiled = await ort.InferenceSession.create(join(dir, 'onnx', 'vision_model.onnx'), {
      enableProfiling: true,
      profileFilePrefix: join(dir, 'ort-profile'),
    });
    const input = pixels(8);
    for (let i = 0; i < 3; i++) await profiled.run({ pixel_values: input });
    (profiled as unknown as { endProfiling(): void }).endProfiling();
    await profiled.release();
    // onnxruntime-node names the file <prefix>_<timestamp>.json and does not return the name: take the newest.
    const file = readdirSync(dir)
      .filter((f) => f.startsWith('ort-profile') && f.endsWith('.json'))
      .map((f) => join(dir, f))
      .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
    if (!file) throw new Error(`no ort-profile*.json in ${dir}`);
    const events = JSON.parse(readFileSync(file, 'utf8')) as { cat: string; name: string; dur: number; args?: { op_name?: string } }[];
    rmSync(file, { force: true });
    const byOp = new Map<string, number>();
    for (const e of events)
      if (e.cat === 'Node' && e.name.endsWith('_kernel_time') && e.args?.op_name) byOp.set(e.args.op_name, (byOp.get(e.args.op_name) ?? 0) + e.dur);
    const total = [...byOp.values()].reduce((s, v) => s + v, 0);
    console.log('\nfp32 vision session, batch 8, kernel time by operator (3 runs):');
    for (const [op, us] of [...byOp].sort((a, b) => b[1] - a[1]).slice(0, 10)) console.log(`  ${op.padEnd(22)} ${((100 * us) / total).toFixed(1)}%`);
  }
}

await main(modelDir);

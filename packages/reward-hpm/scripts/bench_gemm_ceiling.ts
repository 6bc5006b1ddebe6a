/**
 * The ceiling of int8 on this CPU: onnxruntime's int8 GEMM (MatMulIntegerToFloat, the kernel our q8 files run)
 * against its fp32 GEMM (MLAS, within a few % of torch's OpenBLAS here) on the shape that dominates ViT-B/32 at
 * batch 8, interleaved, medians. GEMMs are ~76% (q8) / ~90% (fp32) of the vision tower's time, so the whole-model
 * q8 / fp32 ratio cannot exceed this one. It also prints whether the CPU has VNNI (one instruction for what AVX2
 * does in three: int8 dot products at about twice the rate).
 * Run: node --conditions=t2ir-source --import tsx scripts/bench_gemm_ceiling.ts   (needs /usr/bin/python3 + onnx)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'gemm-ceiling-'));
try {
  const made = spawnSync(process.env['BENCH_PYTHON'] ?? '/usr/bin/python3', [join(here, 'gemm_models.py'), dir], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`gemm_models.py failed: ${made.stderr}`);
  const [m, k, n] = made.stdout.trim().split(' ').map(Number) as [number, number, number];
  const ort = await import('onnxruntime-node');
  // No spin-waiting: two sessions alternate, and one's spinning threads would steal the other's cores.
  const options = { extra: { session: { intra_op: { allow_spinning: '0' } } } };
  const fp32 = await ort.InferenceSession.create(join(dir, 'fp32.onnx'), options);
  const q8 = await ort.InferenceSession.create(join(dir, 'q8.onnx'), options);
  const xf = new ort.Tensor(
    'float32',
    Float32Array.from({ length: m * k }, (_, i) => ((i * 7919) % 1000) / 1000),
    [m, k],
  );
  const xq = new ort.Tensor(
    'uint8',
    Uint8Array.from({ length: m * k }, (_, i) => (i * 7919) % 256),
    [m, k],
  );
  const once = async (session: typeof fp32, x: typeof xf | typeof xq) => {
    const started = performance.now();
    await session.run({ x });
    return performance.now() - started;
  };
  for (let i = 0; i < 3; i++) {
    await once(fp32, xf);
    await once(q8, xq);
  }
  const times: { fp32: number[]; q8: number[] } = { fp32: [], q8: [] };
  for (let i = 0; i < Number(process.env['BENCH_ITERATIONS'] ?? 30); i++) {
    if (i % 2 === 0) {
      times.fp32.push(await once(fp32, xf));
      times.q8.push(await once(q8, xq));
    } else {
      times.q8.push(await once(q8, xq));
      times.fp32.push(await once(fp32, xf));
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const ops = 2 * m * k * n;
  const flags =
    readFileSync('/proc/cpuinfo', 'utf8')
      .match(/^flags\s*:(.*)$/m)?.[1]
      ?.trim()
      .split(/\s+/) ?? [];
  const vnni = flags.filter((flag) => /vnni/.test(flag));
  const [a, b] = [median(times.fp32), median(times.q8)];
  console.log(
    `${cpus()[0]?.model ?? 'cpu'}, ${cpus().length} CPUs; VNNI: ${vnni.length > 0 ? vnni.join(' ') : 'none (AVX2 vpmaddubsw path)'}; load average ${loadavg()[0]!.toFixed(1)}`,
  );
  console.log(`GEMM ${m}x${k} · ${k}x${n}, median of ${times.fp32.length} interleaved calls each:`);
  console.log(`  fp32 MatMul                 ${a.toFixed(2).padStart(7)} ms  ${(ops / a / 1e6).toFixed(0).padStart(4)} GFLOP/s`);
  console.log(`  int8 MatMulIntegerToFloat   ${b.toFixed(2).padStart(7)} ms  ${(ops / b / 1e6).toFixed(0).padStart(4)} GOP/s`);
  console.log(`  int8 / fp32: ${(a / b).toFixed(2)}x (the most q8 can gain over an fp32 model whose time is GEMMs)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

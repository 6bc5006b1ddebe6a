/**
 * How long the `t2ir` command takes to start, side by side with bare node in one run (on a shared machine only
 * the ratios mean something; the load average is printed). Each round runs every case once, in turn, so a change
 * in load hits all of them alike; the medians of `--runs` rounds are printed, with each case's ratio to bare node.
 * Uses the built CLI (packages/cli/dist/bin.js: `npm run build -w @t2i-reward/cli` and the packages it imports).
 *
 *   npm run bench:startup [-- --runs 10 --score --compare OTHER/bin.js]
 *
 * `--score` also times `t2ir score` of one bundled photo with the default ensemble (median of 3, after the rounds).
 * `--compare` runs another build of the CLI (e.g. an older commit's, bundled elsewhere) in the same rounds.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    score: { type: 'boolean', default: false },
    bin: { type: 'string' },
    compare: { type: 'string' },
  },
});

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.resolve(values.bin ?? path.join(root, 'packages/cli/dist/bin.js'));
if (!existsSync(bin)) {
  process.stderr.write(`bench-startup: ${bin} is not built (npm run build -w @t2i-reward/cli, and the packages it imports)\n`);
  process.exit(2);
}
const other = values.compare ? path.resolve(values.compare) : undefined;
if (other && !existsSync(other)) {
  process.stderr.write(`bench-startup: --compare ${other} does not exist\n`);
  process.exit(2);
}
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) {
  process.stderr.write(`bench-startup: --runs must be a positive integer (got ${values.runs})\n`);
  process.exit(2);
}

interface Case {
  name: string;
  args: string[];
}
const cases: Case[] = [
  { name: 'node -e 0', args: ['-e', '0'] },
  { name: 't2ir --version', args: [bin, '--version'] },
  { name: 't2ir --help', args: [bin, '--help'] },
  ...(other
    ? [
        { name: 'other --version', args: [other, '--version'] },
        { name: 'other --help', args: [other, '--help'] },
      ]
    : []),
];

/** Wall-clock milliseconds of one run of `node ...args`; throws when it exits non-zero. */
function timeOnce(args: string[]): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr.trim().split('\n').at(-1)}`);
  return ms;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const load = () => os.loadavg()[0]!.toFixed(2);
process.stdout.write(`t2ir startup, median of ${runs} rounds (${bin}; ${os.cpus().length} CPUs, load ${load()})\n`);
if (other) process.stdout.write(`  other: ${other}\n`);
// One warm-up round so the first case does not pay for a cold file cache.
for (const { args } of cases) timeOnce(args);
const times = new Map(cases.map(({ name }) => [name, [] as number[]]));
for (let round = 0; round < runs; round++) {
  for (const { name, args } of cases) times.get(name)!.push(timeOnce(args));
}
const bare = median(times.get(cases[0]!.name)!);
for (const { name } of cases) {
  const samples = times.get(name)!;
  const ms = median(samples);
  process.stdout.write(
    `  ${name.padEnd(16)} ${ms.toFixed(0).padStart(6)} ms  ×${(ms / bare).toFixed(2)} bare node  (min ${Math.min(...samples).toFixed(0)}, max ${Math.max(...samples).toFixed(0)})\n`,
  );
}
process.stdout.write(`  (load at the end ${load()})\n`);

if (values.score) {
  const image = path.join(root, 'packages/core/assets/images/dog.jpg');
  const scoreArgs = ['score', '--image', image, '--prompt', 'a dog next to a bicycle', '--json'];
  const clis = [['t2ir', bin], ...(other ? [['other', other]] : [])] as const;
  const scoreTimes = clis.map(() => [] as number[]);
  // Alternating, like the rounds above: one run of each per round.
  for (let round = 0; round < 3; round++) clis.forEach(([, cli], index) => scoreTimes[index]!.push(timeOnce([cli, ...scoreArgs])));
  clis.forEach(([name], index) => {
    const samples = scoreTimes[index]!;
    process.stdout.write(
      `  ${name} score (one photo, default ensemble): ${median(samples).toFixed(0)} ms, median of 3 (${samples.map((ms) => ms.toFixed(0)).join(', ')}; load ${load()})\n`,
    );
  });
}

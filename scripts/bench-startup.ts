/**
 * How long the `t2ir` command takes to start, side by side with bare node in one run (on a shared machine only
 * the ratios mean something; the load average is printed). Each round runs every case once, in turn, so a change
 * in load hits all of them alike; the medians of `--runs` rounds are printed, with each case's ratio to bare node.
 * Uses the built CLI (packages/cli/dist/bin.js: `npm run build -w @t2i-reward/cli` and the packages it imports).
 *
 *   npm run bench:startup [-- --runs 10 --score --compare OTHER/bin.js]
 *
 * `--score` also times `t2ir score` of one bundled photo with the default ensemble (median of `--score-runs`, 3 by
 * default, after the rounds), side by side in alternating rounds with the same command through the fully loaded
 * program (`createProgram(…, 'all')`: every command's module imported first, as `t2ir` did before commands loaded
 * lazily) and with the library alone (`createEnsembleFromConfig(DEFAULT_ENSEMBLE_CONFIG)`, `score`, `dispose`: no CLI).
 * `--compare` runs another build of the CLI (e.g. an older commit's, bundled elsewhere) in the same rounds.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    score: { type: 'boolean', default: false },
    'score-runs': { type: 'string', default: '3' },
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
  const scoreRuns = Number(values['score-runs']);
  if (!Number.isInteger(scoreRuns) || scoreRuns < 1) {
    process.stderr.write(`bench-startup: --score-runs must be a positive integer (got ${values['score-runs']})\n`);
    process.exit(2);
  }
  const image = path.join(root, 'packages/core/assets/images/dog.jpg');
  const prompt = 'a dog next to a bicycle';
  const scoreArgs = ['score', '--image', image, '--prompt', prompt, '--json'];
  const cliIndex = pathToFileURL(path.join(path.dirname(bin), 'index.js')).href;
  // The same `t2ir score` through the program with every command loaded (the CLI before lazy commands).
  const eager = [
    `import { createProgram } from ${JSON.stringify(cliIndex)};`,
    'let code = 0;',
    "const program = await createProgram((c) => (code = c), 'all');",
    "await program.parseAsync(process.argv.slice(1), { from: 'user' });",
    'process.exitCode = code;',
  ].join('\n');
  // The library alone: the default ensemble scoring the photo, no CLI around it.
  const library = [
    "import { createEnsembleFromConfig, DEFAULT_ENSEMBLE_CONFIG } from '@t2i-reward/core';",
    'const ensemble = await createEnsembleFromConfig(DEFAULT_ENSEMBLE_CONFIG);',
    'const [result] = await ensemble.score([{ image: process.argv[1], prompt: process.argv[2] }]);',
    'await ensemble.dispose();',
    'if (result.reward === null) throw new Error(JSON.stringify(result));',
    'process.stdout.write(JSON.stringify(result.reward) + "\\n");',
  ].join('\n');
  const ways: [string, string[]][] = [
    ['t2ir score (lazy commands)', [bin, ...scoreArgs]],
    ['fully loaded program', ['--input-type=module', '-e', eager, ...scoreArgs]],
    ['library only', ['--input-type=module', '-e', library, image, prompt]],
    ...(other ? ([['other score', [other, ...scoreArgs]]] as [string, string[]][]) : []),
  ];
  const scoreTimes = ways.map(() => [] as number[]);
  // One warm-up of each (file cache), then alternating rounds like the startup rounds above.
  for (const [, args] of ways) timeOnce(args);
  for (let round = 0; round < scoreRuns; round++) ways.forEach(([, args], index) => scoreTimes[index]!.push(timeOnce(args)));
  const lazy = median(scoreTimes[0]!);
  process.stdout.write(`t2ir score of one photo (dog.jpg), default ensemble, median of ${scoreRuns} alternating rounds (load ${load()}):\n`);
  ways.forEach(([name], index) => {
    const samples = scoreTimes[index]!;
    const ms = median(samples);
    process.stdout.write(
      `  ${name.padEnd(27)} ${ms.toFixed(0).padStart(6)} ms  ×${(ms / lazy).toFixed(2)} t2ir score  (${samples.map((v) => v.toFixed(0)).join(', ')})\n`,
    );
  });
  process.stdout.write(`  (load at the end ${load()})\n`);
}

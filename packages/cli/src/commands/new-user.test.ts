import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_IMAGES } from '@t2i-reward/core';
import { runCliCaptured, type CliRun } from './__fixtures__/run-cli.js';
import { demoTrainArgv } from './__fixtures__/train-demo.js';

// What a new user hits. Run in-process (runCliCaptured: the same runCli that bin.ts runs, its exit code as it returns
// it); only what must be a process is spawned through the built CLI (`node packages/cli/dist/bin.js`): Ctrl-C on
// `train --demo`.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const bin = path.join(repoRoot, 'packages/cli/dist/bin.js');
const dog = EXAMPLE_IMAGES.find((example) => example.name === 'dog')!.path;

// The runs that score keep the experts in this process too (`--threads 0`): a pool's worker threads would load TF.js
// and the detector again on every run (about 2 s each here), and where the experts run is not what these tests are
// about. The default placement (a pool of worker threads) is what score.test.ts's default-ensemble test and
// scripts/readme-commands.test.ts run.
const inProcess = ['--threads', '0'];

/** Runs `t2ir <argv>` in this process with `env` set on top of process.env for the run (stdout is not a terminal here). */
async function t2ir(argv: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const saved = Object.keys(env).map((name) => [name, process.env[name]] as const);
  Object.assign(process.env, env);
  try {
    return await runCliCaptured(...argv);
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

let dir: string;
beforeAll(async () => {
  await fs.access(bin).catch(() => {
    throw new Error(`${bin} is missing: run \`npm run build\` first (the Ctrl-C test runs the built CLI)`);
  });
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 't2ir-new-user-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('t2ir score as a new user runs it (in-process)', () => {
  it('exits 1 when no expert could judge the image (nothing scored), and says so', async () => {
    const { code, stdout } = await t2ir(['score', '--image', dog, '--prompt', 'a 🐶 next to a 🚲', ...inProcess]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/1 image\(s\), 1 failed \(1 that no expert could judge\)/);
  });

  it('warns that colours / attributes were not checked by a detector-only ensemble, naming the expert that would', async () => {
    const { code, stdout } = await t2ir(['score', '--image', dog, '--prompt', 'a blue car', '--json', ...inProcess]);
    expect(code).toBe(0);
    const [result] = JSON.parse(stdout).results;
    expect(result.warnings.join('\n')).toMatch(/attributes not checked: "blue" \(car\).*vqa/);
  });

  it('marks experts scored by random-weight fixture models, in the table and in JSON', async () => {
    const config = path.join(repoRoot, 'examples/configs/t2i-r1-tiny-fixtures.json');
    const json = await t2ir(['score', '--config', config, '--image', dog, '--prompt', 'a dog', '--json', ...inProcess]);
    expect(json.code, json.stderr).toBe(0);
    const output = JSON.parse(json.stdout);
    expect(output.warnings.join('\n')).toMatch(/vqa, orm, hpm: scored by random-weight test fixture models/);
    const fixtures = output.ensemble.experts.filter((expert: { fixture?: boolean }) => expert.fixture).map((expert: { name: string }) => expert.name);
    expect(fixtures).toEqual(['vqa', 'orm', 'hpm']);
    const table = await t2ir(['score', '--config', config, '--image', dog, '--prompt', 'a dog', ...inProcess]);
    expect(table.stdout).toMatch(/vqa \(fixture\)/);
    expect(table.stdout).toMatch(/^! vqa, orm, hpm: scored by random-weight test fixture models .*carry no meaning$/m);
  });

  it('--expert vqa / hpm / orm without a config: exit 2 and one line saying what the expert needs, with an example', async () => {
    for (const kind of ['vqa', 'hpm', 'orm']) {
      const { code, stderr } = await t2ir(['score', '--expert', kind, '--image', dog, '--prompt', 'a dog']);
      expect(code, kind).toBe(2);
      const first = stderr.split('\n')[0]!;
      expect(first).toMatch(new RegExp(`^error: --expert ${kind} needs .*--config FILE, e\\.g\\. \\{"experts":\\[\\{"kind":"${kind}"`));
      expect(stderr).not.toMatch(/is required/);
    }
  });

  it('an expert that fails on every image is reported once on stderr with its underlying cause, not once per row', async () => {
    // A port that was just free: nothing listens there, so connecting is refused.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as AddressInfo;
        probe.close(() => resolve(free));
      });
    });
    const config = path.join(dir, 'unreachable.json');
    await fs.writeFile(
      config,
      JSON.stringify({
        experts: [
          { kind: 'detector', backend: { type: 'tfjs', model: 'centernet' } },
          { kind: 'vqa', backend: { type: 'openai', baseURL: `http://127.0.0.1:${port}/v1`, model: 'm', maxRetries: 0 } },
        ],
      }),
    );
    const images = EXAMPLE_IMAGES.slice(0, 3).map((example) => example.path);
    const { code, stdout, stderr } = await t2ir(['score', '--config', config, '--image', ...images, '--prompt', 'a red dog', ...inProcess]);
    expect(code, stderr).toBe(0);
    const lines = stderr.split('\n').filter((line) => line.includes("expert 'vqa' failed"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/ECONNREFUSED/);
    expect(stdout).not.toContain(`127.0.0.1:${port}`);
  });

  it('a --prompts-file line whose spec lists only objects is scored (relations are optional)', async () => {
    const file = path.join(dir, 'items.jsonl');
    await fs.writeFile(file, `${JSON.stringify({ image: dog, prompt: 'a dog', spec: { objects: [{ name: 'dog' }] } })}\n`);
    const { code, stdout, stderr } = await t2ir(['score', '--prompts-file', file, '--json', ...inProcess]);
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout).results[0].experts.detector.score).toBeGreaterThan(0.5);
  });

  it('the table fits the terminal width and drops columns that are empty on every row', async () => {
    const { code, stdout } = await t2ir(['score', ...inProcess], { COLUMNS: '100' });
    expect(code).toBe(0);
    const tableLines = stdout.split('\n').filter((line) => /^[┌│├└]/.test(line));
    expect(tableLines.length).toBeGreaterThan(3);
    for (const line of tableLines) expect([...line].length, line).toBeLessThanOrEqual(100);
    // The bundled photos give no warnings: no always-empty warnings column.
    expect(tableLines[1]).not.toMatch(/warnings/);
  });
});

describe('t2ir bench and train as a new user runs them', () => {
  it('a resumed bench says how much was already scored and how much is new', async () => {
    const out = path.join(dir, 'bench-run');
    const first = await t2ir(['bench', '--out', out, '--no-cache', '--no-progress', ...inProcess]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).not.toMatch(/resumed:/);
    const second = await t2ir(['bench', '--out', out, '--no-cache', '--no-progress', ...inProcess]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout.split('\n')[0]).toBe('resumed: 12 already scored, 0 new in this run');
  });

  it('bad flags exit 2 in bench as in score', async () => {
    for (const argv of [
      ['bench', '--limit', 'zero'],
      ['bench', '--suite', 'no-such-suite'],
      ['score', '--batch-size', '0'],
      ['bench', '--protocol', 'nope'],
    ]) {
      const { code, stderr } = await t2ir(argv);
      expect(code, argv.join(' ')).toBe(2);
      expect(stderr.split('\n')[0], argv.join(' ')).toMatch(/^error: /);
    }
  });

  // Ctrl-C is a signal to a process: this run is spawned (the built CLI); the resumed run after it is in-process.
  it('train --demo: Ctrl-C writes the curve of the steps done, says which checkpoint --resume continues from, exits 130; a resumed run counts its own steps', async () => {
    const out = path.join(dir, 'demo');
    const child = execFile(process.execPath, [bin, ...demoTrainArgv(100000, out, '--no-progress')], { cwd: repoRoot });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const trainLines = async () =>
      (await fs.readFile(path.join(out, 'metrics.jsonl'), 'utf8').catch(() => '')).split('\n').filter((line) => line.includes('"split":"train"')).length;
    // Past the first checkpoint (every 10 steps), so there is something to resume.
    while ((await trainLines()) < 12) await new Promise((resolve) => setTimeout(resolve, 200));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toMatch(
      /^interrupted after step \d+: the curve and summary cover it; the checkpoint of step \d+ is saved \(.*\): add --resume to continue from step \d+$/m,
    );
    expect(await fs.readFile(path.join(out, 'learning-curve.html'), 'utf8')).toMatch(/<svg/);
    const summary = JSON.parse(await fs.readFile(path.join(out, 'summary.json'), 'utf8')) as { steps: number; interrupted: boolean };
    expect(summary.interrupted).toBe(true);
    expect(summary.steps).toBeGreaterThanOrEqual(12);
    // --resume continues from the last checkpoint; the summary line counts only this run's steps.
    const resumed = await t2ir(demoTrainArgv(summary.steps + 2, out, '--resume', '--no-progress'));
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(new RegExp(`^steps ${summary.steps + 2} \\(\\d+ in this run\\) in `, 'm'));
  });
});

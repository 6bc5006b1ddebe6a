import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { encodeImage } from '@t2i-reward/core';
import { createTestImage } from '@t2i-reward/core/test';
import { runCliCaptured } from './__fixtures__/run-cli.js';
import { cliRegistry } from './registry.js';

/**
 * CONTRIBUTING's "Adding an expert" and "Adding a backend", followed literally: every ```lang file=NAME block is
 * written into a folder outside the repository that has only @t2i-reward/core installed; the toy expert is one
 * `defineExpert` declaration there, and the config's `plugins` make it usable — no file of the CLI or core names it.
 * The documented commands run in this process (runCliCaptured); one runs as a process from that folder, as a user
 * runs it.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const run = promisify(execFile);
let dir: string;
let commands: string[];

beforeAll(async () => {
  const guide = await fs.readFile(path.join(repoRoot, 'CONTRIBUTING.md'), 'utf8');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 't2ir-walkthrough-'));
  const blocks = [...guide.matchAll(/^```\w+ file=(\S+)\n([\s\S]*?)^```$/gm)];
  expect(blocks.map((block) => block[1])).toEqual(['toy-expert.mjs', 'toy-backend.mjs', 'scores.json', 'ensemble.json']);
  for (const [, name, body] of blocks) await fs.writeFile(path.join(dir, name!), body!);
  // "with only @t2i-reward/core installed next to your files"
  await fs.mkdir(path.join(dir, 'node_modules', '@t2i-reward'), { recursive: true });
  await fs.symlink(path.join(repoRoot, 'packages', 'core'), path.join(dir, 'node_modules', '@t2i-reward', 'core'), 'dir');
  await fs.writeFile(path.join(dir, 'red.png'), await encodeImage(createTestImage(16, 16, [255, 0, 0]), 'png'));
  // The documented commands (comments dropped).
  commands = [...guide.matchAll(/^npx t2ir (.*?)(?:\s+#.*)?$/gm)].map((match) => match[1]!);
  expect(commands).toEqual(['score --config ensemble.json --image red.png --prompt "a red square"', 'models --config ensemble.json']);
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** Paths of the folder: what the documented relative names mean when run from it. */
const inDir = (name: string) => path.join(dir, name);

describe('CONTRIBUTING walkthroughs, from outside the repository', () => {
  it('the toy expert and the toy backend score through the CLI config', async () => {
    const { code, stdout, stderr } = await runCliCaptured(
      'score',
      '--config',
      inDir('ensemble.json'),
      '--image',
      inDir('red.png'),
      '--prompt',
      'a red square',
      '--json',
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const [result] = JSON.parse(stdout).results as { reward: number; experts: Record<string, { kind: string; modelId: string; score: number }> }[];
    expect(result!.experts['toy-redness']).toMatchObject({ kind: 'toy-redness', modelId: 'toy-redness/gamma=1', score: 1 });
    expect(result!.experts.table).toMatchObject({ kind: 'toy-redness', modelId: 'toy-redness/toy-table', score: 0.25 });
    expect(result!.reward).toBeCloseTo(0.625, 12);
  });

  it('the entry schema derives from the declaration: a bad option is refused with its path', async () => {
    const config = inDir('bad.json');
    await fs.writeFile(config, JSON.stringify({ plugins: ['./toy-expert.mjs'], experts: [{ kind: 'toy-redness', options: { gamma: 0 } }] }));
    const bad = await runCliCaptured('score', '--config', config, '--image', inDir('red.png'), '--prompt', 'a red square');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('experts/0/options/gamma');
    await fs.writeFile(config, JSON.stringify({ plugins: ['./toy-expert.mjs'], experts: [{ kind: 'toy-redness', backend: { type: 'gpu' } }] }));
    const backend = await runCliCaptured('score', '--config', config, '--image', inDir('red.png'), '--prompt', 'a red square');
    expect(backend.stderr).toContain("'gpu' is not a backend of toy-redness (local)");
  });

  it('t2ir models --config lists the new kind from its declaration, beside the built-in kinds', async () => {
    const { code, stdout } = await runCliCaptured('models', '--config', inDir('ensemble.json'), '--json');
    expect(code).toBe(0);
    const kinds = JSON.parse(stdout) as { kind: string; package?: string; available: boolean; backends: string[]; offline: string; description?: string }[];
    expect(kinds.find((info) => info.kind === 'toy-redness')).toEqual(
      expect.objectContaining({ available: true, backends: ['local'], offline: 'yes: no model (plain JavaScript)', description: 'toy: how red the image is' }),
    );
    expect(kinds.find((info) => info.kind === 'toy-redness')!.package).toBeUndefined();
    expect(kinds.map((info) => info.kind)).toContain('detector');
    // The config's plugins never reached the CLI's registry: without --config the kind is not listed.
    const plain = await runCliCaptured('models', '--json');
    expect((JSON.parse(plain.stdout) as { kind: string }[]).map((info) => info.kind)).not.toContain('toy-redness');
    expect(cliRegistry.findExpert('toy-redness')).toBeUndefined();
  });

  it('no file of the CLI or core names the new kind', async () => {
    const { stdout } = await run('git', ['grep', '-l', 'toy-redness', '--', 'packages/cli/src', 'packages/core/src', ':!*.test.ts'], { cwd: repoRoot }).catch(
      (error: { stdout?: string; code?: number }) => {
        // git grep exits 1 when nothing matches.
        if (error.code === 1) return { stdout: error.stdout ?? '' };
        throw error;
      },
    );
    expect(stdout).toBe('');
  });

  it('the documented command, run as a process from that folder, prints the toy expert\'s own "why"', async () => {
    const argv = ['score', '--config', 'ensemble.json', '--image', 'red.png', '--prompt', 'a red square'];
    expect(`${argv.slice(0, 5).join(' ')} --prompt "a red square"`).toBe(commands[0]);
    const { stdout } = await run(
      process.execPath,
      ['--conditions=t2ir-source', '--import', import.meta.resolve('tsx'), path.join(repoRoot, 'packages/cli/src/bin.ts'), ...argv],
      { cwd: dir },
    );
    expect(stdout).toContain('redness 1.00');
    expect(stdout).toContain('0.6250');
  });
});

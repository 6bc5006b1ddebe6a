import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { encodeImage } from '@t2i-reward/core';
import { createTestImage } from '@t2i-reward/core/test';

/**
 * CONTRIBUTING's "Adding an expert" and "Adding a backend", followed literally: every ```lang file=NAME block is
 * written into a folder outside the repository that has only @t2i-reward/core installed, and the documented
 * `t2ir score --config ensemble.json` runs there.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const run = promisify(execFile);
let dir: string;

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
  // The documented command, run from that folder.
  const command = guide.match(/^npx t2ir (score --config ensemble\.json .*)$/m)![1]!;
  expect(command).toBe('score --config ensemble.json --image red.png --prompt "a red square"');
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const t2ir = (...argv: string[]) =>
  run(process.execPath, ['--conditions=t2ir-source', '--import', import.meta.resolve('tsx'), path.join(repoRoot, 'packages/cli/src/bin.ts'), ...argv], {
    cwd: dir,
  });

describe('CONTRIBUTING walkthroughs, from outside the repository', () => {
  it('scores through the CLI config with the toy expert and the toy backend', async () => {
    const { stdout } = await t2ir('score', '--config', 'ensemble.json', '--image', 'red.png', '--prompt', 'a red square', '--json');
    const [result] = JSON.parse(stdout).results as { reward: number; experts: Record<string, { kind: string; modelId: string; score: number }> }[];
    expect(result!.experts['toy-redness']).toMatchObject({ kind: 'toy-redness', modelId: 'toy-redness/gamma=1', score: 1 });
    expect(result!.experts.table).toMatchObject({ kind: 'toy-redness', modelId: 'toy-redness/toy-table', score: 0.25 });
    expect(result!.reward).toBeCloseTo(0.625, 12);
  });

  it('prints the toy expert\'s own explanation in the "why" column', async () => {
    const { stdout } = await t2ir('score', '--config', 'ensemble.json', '--image', 'red.png', '--prompt', 'a red square');
    expect(stdout).toContain('redness 1.00');
    expect(stdout).toContain('0.6250');
  });
});

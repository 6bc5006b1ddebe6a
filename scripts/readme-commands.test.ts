import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The `npm run t2ir -- score …` commands of the READMEs, run as written (through the built CLI, which is what
// `npm run t2ir` runs). Commands naming files a reader must bring (ensemble.json, out/*.png) are listed as such.
const root = fileURLToPath(new URL('..', import.meta.url));
const bin = path.join(root, 'packages/cli/dist/bin.js');
const READMES = ['README.md', 'examples/configs/README.md'];

/** Splits a command line into words (double / single quotes, backslash-newline continuations). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  const pattern = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (const match of line.replace(/\\\n\s*/g, ' ').matchAll(pattern)) words.push(match[1] ?? match[2] ?? match[3]!);
  return words;
}

function scoreCommands(file: string): string[][] {
  const text = readFileSync(path.join(root, file), 'utf8').replace(/\\\n\s*/g, ' ');
  return text
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line.startsWith('npm run t2ir -- score'))
    .map((line) => shellWords(line).slice(4));
}

const commands = READMES.flatMap((file) => scoreCommands(file).map((argv) => ({ file, argv })));
const needsUserFiles = (argv: string[]) => argv.some((word) => /\.(json|png|jpe?g)$|\*/.test(word) && !existsSync(path.join(root, word)));

describe('README t2ir score commands, run as written', () => {
  it('finds the commands', () => expect(commands.length).toBeGreaterThanOrEqual(3));
  it.each(commands.filter(({ argv }) => !needsUserFiles(argv)))('$file: t2ir $argv', async ({ argv }) => {
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [bin, ...argv], { cwd: root, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(result.code, result.stderr).toBe(0);
    // A command that scores its own example prompt must give it a reward above 0 (a wrong threshold gave 0).
    const rewards = [...result.stdout.matchAll(/"reward": ([\d.]+)|│ (\d\.\d{4}) │/g)].map((match) => Number(match[1] ?? match[2]));
    expect(rewards.length).toBeGreaterThan(0);
    expect(Math.max(...rewards)).toBeGreaterThan(0);
  });
});

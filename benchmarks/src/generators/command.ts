import { execFile } from 'node:child_process';
import { parse } from 'shell-quote';
import { BenchInputError, UsageError } from '../errors.js';
import type { BenchItem } from '../types.js';
import { fileExists, generatedImagePath, prepareImageFolder } from './layout.js';
import type { ImageSource, ImageSourceContext } from './types.js';

export interface CommandGeneratorOptions {
  /** e.g. `python gen.py --prompt {prompt} --out {out} --seed {seed}`. */
  template: string;
  /** Per image (default 600 s). */
  timeoutMs?: number;
  cwd?: string;
}

const PLACEHOLDERS = /\{(prompt|out|seed|sample|index|category)\}/g;

/**
 * Splits the template into argv once (shell-quote; no shell ever runs it), so a prompt's quotes, `;` or `$(...)`
 * reach the program as plain text inside one argument. Shell operators in the template are refused.
 */
export function parseCommandTemplate(template: string): string[] {
  // Keep $VARS literal: the template is a program + args, not a shell script.
  const tokens = parse(template, (key) => `$${key}`);
  return tokens.map((token) => {
    if (typeof token === 'string') return token;
    throw new UsageError(
      `--generator-cmd must be a plain command (no shell operators such as ${JSON.stringify(token)}); wrap it in sh -c '...' yourself if you need a shell`,
    );
  });
}

export function expandCommand(argv: readonly string[], values: Record<string, string>): string[] {
  return argv.map((arg) => arg.replace(PLACEHOLDERS, (_, name: string) => values[name] ?? ''));
}

/** Runs a command per image; it must write the PNG at `{out}`. Images already there are reused. */
export function commandGeneratorSource(options: CommandGeneratorOptions): ImageSource {
  const argv = parseCommandTemplate(options.template);
  if (!argv.some((arg) => arg.includes('{out}'))) throw new UsageError('--generator-cmd must contain {out} (where the command writes the image)');
  if (!argv.some((arg) => arg.includes('{prompt}'))) throw new UsageError('--generator-cmd must contain {prompt} (the prompt of each image)');
  const [program, ...rest] = argv;
  if (!program) throw new UsageError('--generator-cmd is empty');
  return {
    description: `command:${options.template}`,
    async obtain(item: BenchItem, sample: number, context: ImageSourceContext) {
      const out = generatedImagePath(context.runDir, item, sample, context.samplesPerPrompt);
      if (await fileExists(out)) return out;
      await prepareImageFolder(out, item);
      const seed = String(item.index * context.samplesPerPrompt + sample);
      const args = expandCommand(rest, { prompt: item.prompt, out, seed, sample: String(sample), index: String(item.index), category: item.category });
      const expandedProgram = expandCommand([program], {
        out,
        seed,
        sample: String(sample),
        index: String(item.index),
        category: item.category,
        prompt: item.prompt,
      })[0]!;
      await new Promise<void>((resolve, reject) => {
        execFile(
          expandedProgram,
          args,
          { cwd: options.cwd, timeout: options.timeoutMs ?? 600_000, signal: context.signal, maxBuffer: 16 * 1024 * 1024 },
          (error, _stdout, stderr) => {
            if (error) {
              const tail = String(stderr).trim().split('\n').slice(-3).join(' | ');
              reject(
                new BenchInputError(
                  'generator-error',
                  `generator command failed for "${item.prompt}" (sample ${sample}): ${error.message.split('\n')[0]}${tail ? ` — ${tail}` : ''}`,
                  { cause: error },
                ),
              );
            } else resolve();
          },
        );
      });
      if (!(await fileExists(out))) {
        throw new BenchInputError('generator-error', `generator command exited 0 but wrote no image at ${out} for "${item.prompt}"`);
      }
      return out;
    },
  };
}

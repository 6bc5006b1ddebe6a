import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { BenchItem } from '../types.js';

/** A prompt made safe as a file name in T2I-CompBench's `{prompt}_{idx:06d}.png` naming. */
export function compbenchFileStem(prompt: string): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = prompt.replace(/[/\\\u0000-\u001f]/g, ' ').trim();
  return Buffer.byteLength(cleaned) > 200
    ? Buffer.from(cleaned)
        .subarray(0, 200)
        .toString('utf8')
        .replace(/\uFFFD+$/, '')
    : cleaned;
}

export function compbenchFileName(prompt: string, index: number, ext = 'png'): string {
  return `${compbenchFileStem(prompt)}_${String(index).padStart(6, '0')}.${ext}`;
}

/**
 * Where a generated image goes inside the run folder. GenEval items get GenEval's layout
 * (`images/<index:05d>/samples/<s:04d>.png` + metadata.jsonl), others T2I-CompBench's naming
 * (`images/<category>/samples/{prompt}_{idx:06d}.png`), so each suite's own evaluation scripts can read them.
 */
export function generatedImagePath(runDir: string, item: BenchItem, sample: number, samplesPerPrompt: number): string {
  if (item.geneval) {
    return path.join(runDir, 'images', String(item.index).padStart(5, '0'), 'samples', `${String(sample).padStart(4, '0')}.png`);
  }
  return path.join(runDir, 'images', compbenchFileStem(item.category), 'samples', compbenchFileName(item.prompt, item.index * samplesPerPrompt + sample));
}

export async function fileExists(file: string): Promise<boolean> {
  try {
    return (await fs.stat(file)).isFile();
  } catch {
    return false;
  }
}

/** Writes atomically (temp file + rename) so a crash never leaves a half-written file (an image, specs.json) under the final name. */
export async function writeFileAtomic(file: string, bytes: string | Uint8Array): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temp, bytes);
  await fs.rename(temp, file);
}

/** Prepares the folder of a generated image (GenEval's metadata.jsonl next to its samples). */
export async function prepareImageFolder(file: string, item: BenchItem): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  if (item.geneval) {
    const metadata = path.join(path.dirname(path.dirname(file)), 'metadata.jsonl');
    if (!(await fileExists(metadata))) await fs.writeFile(metadata, `${JSON.stringify(item.geneval)}\n`);
  }
}

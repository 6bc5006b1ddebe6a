import { promises as fs } from 'node:fs';
import path from 'node:path';
import { BenchInputError } from '../errors.js';
import type { BenchItem } from '../types.js';
import { compbenchFileStem, fileExists } from './layout.js';
import type { ImageSource } from './types.js';

const COMPBENCH_NAME = /^(.*)_(\d{6})\.(png|jpe?g|webp)$/i;

/**
 * The files named in T2I-CompBench's way under `dir`, three folder levels deep (`samples/`, a run folder's
 * `images/<category>/samples`); unreadable folders are skipped. Shared by the source and the layout check.
 */
async function* compbenchFiles(dir: string, depth = 0): AsyncGenerator<{ name: string; file: string }> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory() && depth < 3) yield* compbenchFiles(file, depth + 1);
    if (entry.isFile() && COMPBENCH_NAME.test(entry.name)) yield { name: entry.name, file };
  }
}

/** A folder source's `missingImage`: the 'missing-image' error its own `obtain` throws, else undefined. */
function missingImageOf(runDir: string): ImageSource['missingImage'] {
  return async function (this: ImageSource, item: BenchItem, sample: number) {
    return this.obtain(item, sample, { runDir, samplesPerPrompt: 1 }).then(
      () => undefined,
      (error: unknown) => (BenchInputError.isInstance(error) ? error : undefined),
    );
  };
}

/**
 * Images named `{prompt}_{idx:06d}.png` (T2I-CompBench), in the folder or its `samples/` subfolder (and,
 * for a run folder, `images/<category>/samples`). The idx counts images globally in CompBench's scripts, so
 * sample s of a prompt is the s-th file of that prompt in idx order.
 */
export function compbenchFolderSource(dir: string): ImageSource {
  let index: Promise<Map<string, string[]>> | undefined;
  const build = async (): Promise<Map<string, string[]>> => {
    const byPrompt = new Map<string, { idx: number; file: string }[]>();
    for await (const { name, file } of compbenchFiles(dir)) {
      const match = COMPBENCH_NAME.exec(name)!;
      const list = byPrompt.get(match[1]!) ?? [];
      list.push({ idx: Number(match[2]), file });
      byPrompt.set(match[1]!, list);
    }
    return new Map([...byPrompt].map(([prompt, files]) => [prompt, files.sort((a, b) => a.idx - b.idx).map((f) => f.file)]));
  };
  return {
    description: `folder:compbench:${dir}`,
    missingImage: missingImageOf(dir),
    async obtain(item: BenchItem, sample: number) {
      index ??= build();
      const files = (await index).get(compbenchFileStem(item.prompt));
      const file = files?.[sample];
      if (!file) {
        throw new BenchInputError(
          'missing-image',
          `missing image: no file '${compbenchFileStem(item.prompt)}_NNNNNN.png' for sample ${sample} of "${item.prompt}" in ${dir}` +
            (files ? ` (found ${files.length})` : ''),
        );
      }
      return file;
    },
  };
}

export type ImageFolderLayout = 'geneval' | 'compbench';

/**
 * Which naming a folder of images follows: GenEval's (`<index:05d>/samples/<i:04d>.png`, with or without each
 * folder's metadata.jsonl) or T2I-CompBench's (`{prompt}_{idx:06d}.png`, also under `samples/` or
 * `<category>/samples/`). Null when it follows neither, so the caller can say so instead of reporting every image
 * missing.
 */
export async function detectImageLayout(dir: string): Promise<ImageFolderLayout | null> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw new BenchInputError('missing-image', `--images ${dir}: ${(error as Error).message}`);
  }
  for (const entry of entries) {
    if (entry.isDirectory() && /^\d{5}$/.test(entry.name)) {
      const samples = await fs.readdir(path.join(dir, entry.name, 'samples')).catch(() => [] as string[]);
      if (samples.some((name) => /^\d{4}\.(png|jpe?g|webp)$/i.test(name))) return 'geneval';
    }
  }
  for await (const _ of compbenchFiles(dir)) return 'compbench';
  return null;
}

/** GenEval's layout: `<dir>/<index:05d>/samples/<sample:04d>.png`, index = the prompt's line in the metadata. */
export function genevalFolderSource(dir: string): ImageSource {
  return {
    description: `folder:geneval:${dir}`,
    missingImage: missingImageOf(dir),
    async obtain(item: BenchItem, sample: number) {
      const file = path.join(dir, String(item.index).padStart(5, '0'), 'samples', `${String(sample).padStart(4, '0')}.png`);
      if (!(await fileExists(file))) {
        throw new BenchInputError('missing-image', `missing image: ${file} (sample ${sample} of "${item.prompt}") does not exist`);
      }
      return file;
    },
  };
}

/** Images named by the items themselves (bundled examples, a user JSONL `image` field). */
export function itemImageSource(): ImageSource {
  return {
    description: 'item-images',
    missingImage: missingImageOf(''),
    async obtain(item: BenchItem, sample: number) {
      if (!item.image)
        throw new BenchInputError('missing-image', `missing image: item ${item.id} ("${item.prompt}") names no image and no generator was given`);
      if (sample > 0) throw new BenchInputError('missing-image', `missing image: item ${item.id} has one image, sample ${sample} asked`);
      if (!(await fileExists(item.image))) throw new BenchInputError('missing-image', `missing image: ${item.image} (for "${item.prompt}") does not exist`);
      return item.image;
    },
  };
}

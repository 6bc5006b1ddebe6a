import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_IMAGES } from '@t2i-reward/core';
import { buildClipTokenizerJson } from '@t2i-reward/hpm';
import { collectLog, tempDir, writeLines } from '../__fixtures__/helpers.js';
import { itemImageSource } from '../generators/index.js';
import { runBench } from '../run.js';
import { userFileSuite } from '../suites/user-file.js';
import { createProtocol } from './factory.js';

// The hpm package's tiny random-weight CLIP in the published HF layout (real code path, meaningless weights),
// completed with the real CLIP tokenizer.json built from its committed BPE file, as hpm's own tests do.
const hpmFixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'packages', 'reward-hpm', 'fixtures');

async function tinyClipFolder(dir: string): Promise<string> {
  const folder = path.join(dir, 'tiny-clip');
  await fs.cp(path.join(hpmFixtures, 'tiny-clip'), folder, { recursive: true });
  await fs.writeFile(
    path.join(folder, 'tokenizer.json'),
    JSON.stringify(buildClipTokenizerJson(await fs.readFile(path.join(hpmFixtures, 'clip-bpe', 'bpe_simple_vocab_16e6.txt.gz')))),
  );
  return folder;
}

describe('CompBench protocol with a configured CLIP expert (hpm, transformers.js)', () => {
  it('scores non_spatial with the raw CLIP cosine and keeps color unsupported without VQA', async () => {
    const dir = await tempDir();
    const dog = EXAMPLE_IMAGES.find((e) => e.name === 'dog')!.path;
    await writeLines(path.join(dir, 'p.jsonl'), [
      { prompt: 'a dog is watching a bicycle', category: 'non_spatial', image: dog },
      { prompt: 'a brown dog', category: 'color', image: dog },
    ]);
    const tinyClip = await tinyClipFolder(dir);
    const protocol = await createProtocol('compbench', {
      config: { compbench: { clip: { kind: 'hpm', backend: { type: 'transformers', model: tinyClip }, options: { variant: 'cosine' } } } },
    });
    try {
      const result = await runBench({
        suite: userFileSuite(path.join(dir, 'p.jsonl')),
        outDir: path.join(dir, 'run'),
        protocol,
        source: itemImageSource(),
        progress: false,
        log: collectLog().log,
      });
      const [nonSpatial, color] = result.records;
      expect(nonSpatial).toMatchObject({ category: 'non_spatial', status: 'ok' });
      expect(nonSpatial!.score).toBe(nonSpatial!.experts.clip!.raw);
      expect(Math.abs(nonSpatial!.score!)).toBeLessThanOrEqual(1);
      expect(color).toMatchObject({ category: 'color', status: 'unsupported' });
    } finally {
      await protocol.dispose();
    }
  });
});

describe('GenEval colour with a configured CLIP expert (hpm): the reference classifier on the reference crops', () => {
  it('judges colour images through ClipReward.embed, as a hand computation on the same crops says', async () => {
    const { genevalFolderSuite } = await import('../suites/geneval.js');
    const { genevalFolderSource } = await import('../generators/index.js');
    const { ClipReward } = await import('@t2i-reward/hpm');
    const { genevalColorCrop, GENEVAL_COLORS } = await import('@t2i-reward/detector');
    const { loadImage } = await import('@t2i-reward/core');
    const { genevalColorPrompts } = await import('./color.js');
    const dir = await tempDir();
    const folder = path.join(dir, 'geneval-out');
    const giraffe = EXAMPLE_IMAGES.find((e) => e.name === 'giraffe')!.path;
    const rows = [
      { tag: 'colors', include: [{ class: 'zebra', count: 1, color: 'white' }], prompt: 'a photo of a white zebra' },
      { tag: 'single_object', include: [{ class: 'giraffe', count: 1 }], prompt: 'a photo of a giraffe' },
    ];
    for (const [index, row] of rows.entries()) {
      const sub = path.join(folder, String(index).padStart(5, '0'));
      await fs.mkdir(path.join(sub, 'samples'), { recursive: true });
      await fs.writeFile(path.join(sub, 'metadata.jsonl'), `${JSON.stringify(row)}\n`);
      await fs.copyFile(giraffe, path.join(sub, 'samples', '0000.png'));
    }
    const tinyClip = await tinyClipFolder(dir);
    const protocol = await createProtocol('geneval', {
      config: { geneval: { color: { kind: 'hpm', backend: { type: 'transformers', model: tinyClip }, options: { variant: 'cosine' } } } },
    });
    const clip = new ClipReward({ variant: 'cosine', model: tinyClip });
    try {
      expect(protocol.describe()).toMatchObject({ options: { color: { classifier: 'geneval-clip' } } });
      const result = await runBench({
        suite: genevalFolderSuite(folder),
        outDir: path.join(dir, 'run'),
        protocol,
        source: genevalFolderSource(folder),
        progress: false,
        log: collectLog().log,
      });
      const colors = result.records.find((r) => r.category === 'colors')!;
      expect(colors.status).toBe('ok');
      const details = colors.experts.detector!.details as {
        boxes: { label: string; box: [number, number, number, number] }[];
        objects: { color: { classified: string[] } }[];
      };
      const zebraBox = details.boxes.find((b) => b.label === 'zebra')!.box;
      // By hand: the crop, the 30 prompts, the mean of normalised text embeddings per colour, re-normalised, argmax.
      const crop = genevalColorCrop(await loadImage(giraffe), zebraBox);
      const texts = GENEVAL_COLORS.flatMap((c) => genevalColorPrompts(c, 'zebra'));
      const { images, texts: t } = await clip.embed([crop], texts);
      const scores = GENEVAL_COLORS.map((_, c) => {
        const mean = t[c * 3]!.map((v, k) => (v + t[c * 3 + 1]![k]! + t[c * 3 + 2]![k]!) / 3);
        const norm = Math.hypot(...mean);
        return images[0]!.reduce((s, v, k) => s + (v * mean[k]!) / norm, 0);
      });
      const expected = GENEVAL_COLORS[scores.indexOf(Math.max(...scores))];
      expect(details.objects[0]!.color.classified).toEqual([expected]);
      expect(colors.correct).toBe(expected === 'white');
      expect(result.summary.judgedOverall).toBeDefined();
    } finally {
      await clip.dispose();
      await protocol.dispose();
    }
  });
});

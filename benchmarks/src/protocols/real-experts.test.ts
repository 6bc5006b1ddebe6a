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
  await fs.writeFile(path.join(folder, 'tokenizer.json'), JSON.stringify(buildClipTokenizerJson(await fs.readFile(path.join(hpmFixtures, 'clip-bpe', 'bpe_simple_vocab_16e6.txt.gz')))));
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
    const protocol = await createProtocol('compbench', { config: { compbench: { clip: { kind: 'hpm', backend: { type: 'transformers', model: tinyClip }, options: { variant: 'cosine' } } } } });
    try {
      const result = await runBench({ suite: userFileSuite(path.join(dir, 'p.jsonl')), outDir: path.join(dir, 'run'), protocol, source: itemImageSource(), progress: false, log: collectLog().log });
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

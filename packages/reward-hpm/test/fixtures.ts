import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildClipTokenizerJson } from '../src/clip-tokenizer.js';

export const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const FIXTURES_DIR = join(PACKAGE_DIR, 'fixtures');
export const BPE_GZ = join(FIXTURES_DIR, 'clip-bpe', 'bpe_simple_vocab_16e6.txt.gz');

let tokenizerJson: string | undefined;
/** The real CLIP tokenizer.json (~1.5 MB, so built from the committed .gz instead of committed itself). */
export function clipTokenizerJson(): string {
  tokenizerJson ??= JSON.stringify(buildClipTokenizerJson(readFileSync(BPE_GZ)));
  return tokenizerJson;
}

/**
 * A temp copy of fixtures/tiny-clip with tokenizer.json added; `drop` removes files (e.g. to get the combined layout).
 * Returns the folder and a cleanup function.
 */
export function tinyClipFolder(drop: string[] = []): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'tiny-clip-'));
  cpSync(join(FIXTURES_DIR, 'tiny-clip'), dir, { recursive: true });
  writeFileSync(join(dir, 'tokenizer.json'), clipTokenizerJson());
  for (const file of drop) {
    if (existsSync(join(dir, file))) rmSync(join(dir, file));
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface ClipReference {
  images: { width: number; height: number; rgb: number[] }[];
  image_embeds: number[][];
  prompts: { prompt: string; ids: number[]; text_embeds: number[]; cosine: number[] }[];
}

export function clipReference(): ClipReference {
  return JSON.parse(readFileSync(join(FIXTURES_DIR, 'tiny-clip', 'reference.json'), 'utf8')) as ClipReference;
}

export interface ImageRewardReference {
  images: { width: number; height: number; rgb: number[] }[];
  cases: { prompt: string; input_ids: number[]; attention_mask: number[]; head_output: number[]; image_reward: number[] }[];
}

export const TINY_IMAGE_REWARD_DIR = join(FIXTURES_DIR, 'tiny-imagereward');

export function imageRewardReference(): ImageRewardReference {
  return JSON.parse(readFileSync(join(TINY_IMAGE_REWARD_DIR, 'reference.json'), 'utf8')) as ImageRewardReference;
}

/** Spies on every onnxruntime-node InferenceSession.run (transformers.js' sessions included); feeds are call[0]. */
export async function spyOnSessionRun() {
  const { vi } = await import('vitest');
  const ort = await import('onnxruntime-node');
  // The public type is a factory interface; at runtime it is a class whose prototype holds run().
  const prototype = (ort.InferenceSession as unknown as { prototype: { run: (feeds: Record<string, unknown>, ...rest: unknown[]) => Promise<unknown> } })
    .prototype;
  return vi.spyOn(prototype, 'run');
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildClipTokenizerJson } from './clip-tokenizer.js';
import { BPE_GZ, FIXTURES_DIR, tinyClipFolder } from '../test/fixtures.js';

interface ReferenceIds {
  count: number;
  entries: { prompt: string; ids: number[] }[];
}

describe('CLIP tokenizer.json built from bpe_simple_vocab_16e6.txt.gz', () => {
  it('has the 49,408-token OpenAI vocabulary with the known ids', () => {
    const json = buildClipTokenizerJson(readFileSync(BPE_GZ)) as { model: { vocab: Record<string, number>; merges: string[] } };
    expect(Object.keys(json.model.vocab)).toHaveLength(49408);
    expect(json.model.merges).toHaveLength(48894);
    expect(json.model.vocab['!']).toBe(0);
    expect(json.model.vocab['cat</w>']).toBe(2368);
    expect(json.model.vocab['photo</w>']).toBe(1125);
    expect(json.model.vocab['<|startoftext|>']).toBe(49406);
    expect(json.model.vocab['<|endoftext|>']).toBe(49407);
  });

  it('gives ids identical to the independent reference tokenizer on ≥ 1,000 prompts (transformers.js)', async () => {
    const reference = JSON.parse(readFileSync(join(FIXTURES_DIR, 'clip-tokenizer-reference.json'), 'utf8')) as ReferenceIds;
    expect(reference.entries.length).toBeGreaterThanOrEqual(1000);
    const { AutoTokenizer } = await import('@huggingface/transformers');
    const { dir, cleanup } = tinyClipFolder();
    try {
      const tokenizer = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
      const mismatches: string[] = [];
      for (const { prompt, ids } of reference.entries) {
        const got = tokenizer.encode(prompt);
        // openai/CLIP clip.tokenize(truncate=True): keep 77, force the last to <|endoftext|>.
        const truncated = got.length > 77 ? [...got.slice(0, 76), 49407] : got;
        if (JSON.stringify(truncated) !== JSON.stringify(ids)) mismatches.push(prompt);
      }
      expect(mismatches).toEqual([]);
    } finally {
      cleanup();
    }
  });
});

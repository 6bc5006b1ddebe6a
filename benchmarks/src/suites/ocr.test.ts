import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadImage } from '@t2i-reward/core';
import { parseBenchConfig } from '../config.js';
import { createProtocol } from '../protocols/factory.js';
import type { BenchItem } from '../types.js';
import { ocrCategory, ocrSuite, resolveSuite, SUITE_NAMES } from './index.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../packages/reward-ocr/fixtures/images');

describe('ocr suite', () => {
  it("loads Flow-GRPO's 1,018 OCR test prompts, split by the target's word count", async () => {
    expect(SUITE_NAMES).toContain('ocr');
    const suite = await resolveSuite('ocr');
    expect(suite.defaultProtocol).toBe('ocr');
    const { items, problems } = await suite.load();
    expect(problems).toEqual([]);
    expect(items).toHaveLength(1018);
    const counts: Record<string, number> = {};
    for (const item of items) counts[item.category] = (counts[item.category] ?? 0) + 1;
    expect(counts).toEqual({ 'words-1-2': 288, 'words-3': 443, 'words-4plus': 287 });
    expect(items[0]).toMatchObject({ id: 'ocr/0000', index: 0, category: 'words-3', origin: 'test.txt:1' });
    expect(items[0]!.prompt).toContain('"Spring Collection 2024"');
  });

  it('categories count words of the quoted text', () => {
    expect(ocrCategory('OPEN')).toBe('words-1-2');
    expect(ocrCategory(' Hello  World ')).toBe('words-1-2');
    expect(ocrCategory('Try Our Burger')).toBe('words-3');
    expect(ocrCategory('Try Our New Burger')).toBe('words-4plus');
  });

  it('a line without quoted text is reported, not scored', async () => {
    const { promises: fs } = await import('node:fs');
    const os = await import('node:os');
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 't2ir-ocr-suite-'));
    const file = path.join(dir, 'prompts.txt');
    await fs.writeFile(file, 'a sign "OPEN"\r\na photo of a dog\r\n');
    const { items, problems } = await ocrSuite(file).load();
    expect(items.map((i) => i.prompt)).toEqual(['a sign "OPEN"']);
    expect(problems).toEqual([{ kind: 'malformed-line', message: 'prompts.txt:2: no text in double quotes; line skipped' }]);
    await fs.rm(dir, { recursive: true, force: true });
  });
});

describe('ocr protocol (real tesseract)', () => {
  it('scores images with the OCR expert; `ocr` in the bench config sets its options', async () => {
    const config = parseBenchConfig({ ocr: { kind: 'ocr', options: { workers: 1 } } });
    const protocol = await createProtocol('ocr', { config });
    expect(protocol.name).toBe('ocr');
    const item = (id: string): BenchItem => ({ id, index: 0, prompt: 'A green shop sign that reads "Grand Opening"', category: 'words-1-2' });
    const outcomes = await protocol.score([
      { item: item('a'), image: await loadImage(path.join(fixtures, 'grand-opening.png')) },
      { item: item('b'), image: await loadImage(path.join(fixtures, 'grand.png')) },
      { item: item('c'), image: await loadImage(path.join(fixtures, 'blank.png')) },
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['ok', 'ok', 'ok']);
    expect(outcomes[0]!.score).toBe(1);
    expect(outcomes[1]!.score).toBeCloseTo(5 / 12, 10);
    expect(outcomes[2]!.score).toBe(0);
    expect(outcomes[1]!.experts.ocr).toMatchObject({ kind: 'ocr', modelId: 'ocr/tesseract/eng', raw: 7 });
    await protocol.dispose();
    expect(() => parseBenchConfig({ ocr: { options: {} } })).toThrow(/ocr/);
  });
});

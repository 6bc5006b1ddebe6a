import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { MAX_PARSED_PROMPT_CHARS, clearParseCache, parsePrompt } from './parser.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('prompt-parse cache is bounded by bytes, not only entries (issue 21)', () => {
  it('24 distinct 3 MB prompts: the cache keeps none of their text (heap back within 20 MB after GC)', () => {
    clearParseCache();
    const base = 'a photo of a red car next to a dog '.repeat(90_000);
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let index = 0; index < 24; index++) {
      // Three distinct heads (three parses, each stored), every prompt distinct by its tail.
      const prompt = `${index % 3} ${base} tail ${index}`;
      const spec = parsePrompt(prompt);
      expect(spec.prompt).toBe(prompt);
    }
    gc();
    const grownMb = (process.memoryUsage().heapUsed - before) / 1024 / 1024;
    // 24 × 3 MB were parsed; a cache keyed (and valued) by the full prompt holds all 72 MB.
    expect(grownMb).toBeLessThan(20);
  });

  it('a hit returns the caller its own prompt and the same parse; text past the parsed length does not change the key', () => {
    clearParseCache();
    const head = 'two red apples on a wooden table '.repeat(Math.ceil(MAX_PARSED_PROMPT_CHARS / 33) + 1);
    const first = parsePrompt(`${head} tail one`);
    const second = parsePrompt(`${head} and a completely different tail`);
    expect(second.prompt).toBe(`${head} and a completely different tail`);
    expect(second.objects).toEqual(first.objects);
    second.objects.length = 0;
    expect(parsePrompt(`${head} tail one`).objects).toEqual(first.objects);
  });

  it('control characters in the head pull later text in: such prompts are keyed by their whole text', () => {
    clearParseCache();
    const filler = '\u0000'.repeat(MAX_PARSED_PROMPT_CHARS);
    expect(parsePrompt(`${filler} a dog`).objects.map((object) => object.name)).toEqual(['dog']);
    expect(parsePrompt(`${filler} a cat`).objects.map((object) => object.name)).toEqual(['cat']);
  });

  it('a prompt of exactly the parsed length and a longer one with that head are cached apart', () => {
    clearParseCache();
    const exact = `${'x'.repeat(MAX_PARSED_PROMPT_CHARS - 6)} a dog`;
    expect(exact.length).toBe(MAX_PARSED_PROMPT_CHARS);
    const exactSpec = parsePrompt(exact);
    const longer = parsePrompt(`${exact}s and more`);
    expect(exactSpec.prompt).toBe(exact);
    expect(longer.prompt).toBe(`${exact}s and more`);
  });
});

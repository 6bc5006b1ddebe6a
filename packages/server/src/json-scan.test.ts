import { describe, expect, it } from 'vitest';
import { HttpError } from './http.js';
import { countJsonTokens, defaultMaxJsonTokens, refuseCostlyJson } from './json-scan.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('countJsonTokens', () => {
  it('counts { [ , : outside strings', async () => {
    expect(await countJsonTokens(bytes('{"items":[{"image":0},{"image":1}]}'), 100)).toBe(8);
    expect(await countJsonTokens(bytes('[1,2,3]'), 100)).toBe(3);
    expect(await countJsonTokens(bytes('"a,b:c{[d"'), 100)).toBe(0);
    expect(await countJsonTokens(bytes('  42  '), 100)).toBe(0);
  });

  it('skips escaped quotes inside strings, and stops at an unterminated string', async () => {
    expect(await countJsonTokens(bytes(String.raw`["a\",b","c\\",["d"]]`), 100)).toBe(4);
    expect(await countJsonTokens(bytes(String.raw`["\\\"],[",1]`), 100)).toBe(2);
    expect(await countJsonTokens(bytes('[1,"never closed,,,,'), 100)).toBe(2);
  });

  it('stops as soon as the count passes the limit', async () => {
    expect(await countJsonTokens(bytes(`[${'0,'.repeat(1000)}0]`), 10)).toBe(11);
  });

  it('yields to the event loop every slice, strings of escaped quotes included', async () => {
    for (const body of [`[${'0,'.repeat(50_000)}0]`, `["${'\\"'.repeat(50_000)}"]`]) {
      let ranBetween = false;
      setImmediate(() => (ranBetween = true));
      const counting = countJsonTokens(bytes(body), 1_000_000, 4096);
      expect(ranBetween).toBe(false);
      await counting;
      expect(ranBetween).toBe(true);
    }
  });
});

describe('refuseCostlyJson', () => {
  it('refuses more tokens than the limit with 400 json_too_complex, and lets the rest through', async () => {
    const error = await refuseCostlyJson(bytes(`{"items":[${'{"image":0},'.repeat(100)}{"image":0}]}`), 200).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: 400, code: 'json_too_complex', data: { maxJsonTokens: 200 } });
    await expect(refuseCostlyJson(bytes(`{"items":[${'{"image":0},'.repeat(60)}{"image":0}]}`), 200)).resolves.toBeUndefined();
    // A long string is one value however long it is.
    await expect(refuseCostlyJson(bytes(JSON.stringify({ items: [{ image: 'A'.repeat(1_000_000), prompt: 'x' }] })), 200)).resolves.toBeUndefined();
  });

  it('defaults to 1024 tokens per item the server admits, at least 65536', () => {
    expect(defaultMaxJsonTokens(256)).toBe(262_144);
    expect(defaultMaxJsonTokens(4)).toBe(65_536);
  });
});

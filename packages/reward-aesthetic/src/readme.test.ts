import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runReadmeSnippet } from '@t2i-reward/core/test';
import { expect, it } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));

it("the README's TypeScript snippet runs as written and prints what its comment says", async () => {
  const { printed, expected } = await runReadmeSnippet(path.join(here, '..', 'README.md'), here);
  expect(expected).toBeDefined();
  expect(printed).toEqual([expected]);
});

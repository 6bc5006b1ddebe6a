import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it, vi } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));

it("the README's TypeScript snippet runs as written and prints what its comment says", async () => {
  const readme = await fs.readFile(path.join(here, '..', 'README.md'), 'utf8');
  const snippet = /```ts\n([\s\S]*?)```/.exec(readme)![1]!;
  const expected = /console\.log\(.*\); \/\/ (.*)\n/.exec(snippet)![1]!;
  const file = path.join(here, `.readme-snippet-${process.pid}.ts`);
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    await fs.writeFile(file, snippet);
    await import(/* @vite-ignore */ file);
    expect(log.mock.calls.map((call) => call.map(String).join(' '))).toEqual([expected]);
  } finally {
    log.mockRestore();
    await fs.rm(file, { force: true });
  }
});

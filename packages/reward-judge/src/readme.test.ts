import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { startStandInJudge, userText, type StandInJudge } from './__fixtures__/judge-server.js';

const here = path.dirname(fileURLToPath(import.meta.url));
let server: StandInJudge;
beforeAll(async () => {
  // Answers only the README's prompt, so the snippet's printed line comes from this exchange.
  server = await startStandInJudge((text) =>
    text.endsWith('Text Caption: [A green shop sign that reads "Grand Opening"]')
      ? { text: 'Alignment: the sign and its text are there.\nQuality: sharp.\nFinal Score: 4.5' }
      : { status: 400 },
  );
});
afterAll(async () => {
  await server.close();
});

it("the README's TypeScript snippet runs as written (against a stand-in server) and prints what its comment says", async () => {
  const readme = await fs.readFile(path.join(here, '..', 'README.md'), 'utf8');
  const snippet = /```ts\n([\s\S]*?)```/.exec(readme)![1]!;
  const expected = /console\.log\(.*\); \/\/ (.*)\n/.exec(snippet)![1]!;
  expect(snippet).toContain("'http://127.0.0.1:8000/v1'");
  const file = path.join(here, `.readme-snippet-${process.pid}.ts`);
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    await fs.writeFile(file, snippet.replace("'http://127.0.0.1:8000/v1'", JSON.stringify(server.baseURL)));
    await import(/* @vite-ignore */ file);
    expect(log.mock.calls.map((call) => call.map(String).join(' '))).toEqual([expected]);
    expect(server.requests.map((r) => r.body.model)).toEqual(['CodeGoat24/UnifiedReward-qwen-7b']);
    expect(userText(server.requests[0]!.body)).toMatch(/^You are given a text caption and a generated image/);
  } finally {
    log.mockRestore();
    await fs.rm(file, { force: true });
  }
});

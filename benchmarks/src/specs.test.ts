import { promises as fs } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAISpecParser, type RewardSample } from '@t2i-reward/core';
import { createMockReward } from '@t2i-reward/core/test';
import { collectLog, tempDir, writeLines, writePng } from './__fixtures__/helpers.js';
import { compbenchFileName, compbenchFolderSource } from './generators/index.js';
import { createEnsembleProtocol } from './protocols/ensemble.js';
import { readManifest } from './records.js';
import { runBench } from './run.js';
import { SPECS_FILE } from './specs.js';
import { userFileSuite } from './suites/user-file.js';

// t2ir bench --parser openai: the suite's specs are asked once (a stand-in OpenAI server on loopback), kept in
// <out>/specs.json and recorded in run.json; a re-run reads them and asks nothing.
let server: Server;
let baseURL: string;
const asked: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      const body = JSON.parse(raw) as { model: string; messages: { role: string; content: string }[] };
      const prompt = body.messages.find((m) => m.role === 'user')!.content;
      asked.push(prompt);
      if (prompt.includes('fails')) {
        res.writeHead(502).end('bad gateway');
        return;
      }
      const name = prompt.split(' ').at(-1)!;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ choices: [{ message: { content: JSON.stringify({ objects: [{ name: `llm ${name}` }], relations: [], text: [] }) } }] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('runBench with a spec source', () => {
  it('precomputes every prompt spec into specs.json and the manifest; the experts see them; a re-run asks nothing', async () => {
    const dir = await tempDir();
    const prompts = ['a man riding a horse', 'a dog holding a kite', 'a cat that fails'];
    const suiteFile = path.join(dir, 'prompts.jsonl');
    await writeLines(
      suiteFile,
      prompts.map((prompt) => ({ prompt })),
    );
    const imageDir = path.join(dir, 'images');
    for (const [i, prompt] of prompts.entries()) {
      for (let s = 0; s < 2; s++) await writePng(path.join(imageDir, compbenchFileName(prompt, i * 2 + s)), [40, 80, 120]);
    }
    const seen = new Map<string, string[]>();
    const model = createMockReward({
      kind: 'probe',
      score: (sample: RewardSample) => {
        seen.set(sample.prompt, sample.spec?.objects.map((o) => o.name) ?? []);
        return 1;
      },
    });
    const run = async (out: string) => {
      const log = collectLog();
      const result = await runBench({
        suite: userFileSuite(suiteFile),
        outDir: out,
        protocol: createEnsembleProtocol({ experts: [{ name: 'probe', model }] }),
        source: compbenchFolderSource(imageDir),
        samplesPerPrompt: 2,
        progress: false,
        log: log.log,
        specSource: createOpenAISpecParser({ type: 'openai', baseURL, model: 'stand-in', cacheDir: false }, { env: {} }),
      });
      return { result, lines: log.lines };
    };
    const out = path.join(dir, 'run');
    const first = await run(out);
    expect(first.result.summary.counts).toMatchObject({ expected: 6, scored: 6 });
    // One question per prompt, not per image.
    expect(asked.filter((p) => prompts.includes(p)).sort()).toEqual([...prompts].sort());
    expect(seen.get('a man riding a horse')).toEqual(['llm horse']);
    expect(seen.get('a cat that fails')).toEqual(['cat']);
    expect(first.lines.join('\n')).toMatch(/1 prompt\(s\) got the rule parser's spec .*HTTP 502/);
    const manifest = await readManifest(out);
    expect(manifest?.specs).toEqual({ source: `openai:stand-in@${baseURL}`, file: SPECS_FILE, items: 3, llm: 2, cache: 0, rule: 1, reused: 0 });
    const stored = JSON.parse(await fs.readFile(path.join(out, SPECS_FILE), 'utf8')) as { specs: Record<string, { objects: { name: string }[] }> };
    expect(Object.values(stored.specs).map((s) => s.objects.map((o) => o.name))).toEqual([['llm horse'], ['llm kite'], ['cat']]);

    // The same run folder again: the specs come from specs.json, the server is not asked.
    const before = asked.length;
    await fs.rm(path.join(out, 'results.jsonl'));
    const second = await run(out);
    expect(asked.length).toBe(before);
    expect(second.result.summary.counts).toMatchObject({ scored: 6 });
    expect((await readManifest(out))?.specs).toMatchObject({ reused: 3, llm: 0 });
  });
});

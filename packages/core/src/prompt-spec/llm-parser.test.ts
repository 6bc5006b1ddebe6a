import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnsembleConfig } from '../config/config.js';
import { createEnsemble } from '../ensemble/ensemble.js';
import type { RewardItemResult, RewardModelV1, RewardSample } from '../spec.js';
import { LLM_SPEC_SCHEMA, createOpenAISpecParser, createSpecSource } from './llm-parser.js';
import { parsePrompt } from './parser.js';
import type { PromptSpec } from './types.js';

// A stand-in OpenAI-compatible server on loopback: the model name picks how it answers.
interface Seen {
  model: string;
  prompt: string;
  body: Record<string, unknown>;
}
const seen: Seen[] = [];
let server: Server;
let baseURL: string;
let cacheDir: string;

const GOOD = {
  objects: [{ name: 'Man' }, { name: 'horse', attributes: ['brown'] }],
  relations: [{ subject: 'man', relation: 'above', object: 'horse' }],
  text: [],
};

function answer(content: string): string {
  return JSON.stringify({ id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] });
}

beforeAll(async () => {
  cacheDir = await mkdtemp(path.join(os.tmpdir(), 't2ir-spec-cache-'));
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      const body = JSON.parse(raw) as { model: string; messages: { role: string; content: string }[] };
      const prompt = body.messages.find((m) => m.role === 'user')?.content ?? '';
      seen.push({ model: body.model, prompt, body });
      const send = (status: number, text: string) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(text);
      };
      switch (body.model) {
        case 'good':
          return send(200, answer(JSON.stringify(prompt.includes('sign') ? { objects: [{ name: 'sign' }], relations: [], text: ['OPEN'] } : GOOD)));
        case 'not-json':
          return send(200, answer('Sure! Here is the spec: {"objects": [{"name": "man"'));
        case 'bad-schema':
          return send(200, answer(JSON.stringify({ objects: [{ name: 'man', count: -1 }], relations: [], text: [] })));
        case 'stray-relation':
          return send(
            200,
            answer(JSON.stringify({ objects: [{ name: 'man' }], relations: [{ subject: 'man', relation: 'above', object: 'cloud' }], text: [] })),
          );
        case 'slow':
          setTimeout(() => send(200, answer(JSON.stringify(GOOD))), 2000).unref();
          return;
        case 'not-a-completion':
          return send(200, '<html>gateway</html>');
        default:
          return send(500, JSON.stringify({ error: { message: 'model overloaded' } }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(cacheDir, { recursive: true, force: true });
});

const parser = (model: string, extra: { timeoutMs?: number; cacheDir?: string | false } = {}) =>
  createOpenAISpecParser(
    { type: 'openai', baseURL, model, cacheDir: extra.cacheDir ?? false, ...(extra.timeoutMs ? { timeoutMs: extra.timeoutMs } : {}) },
    { env: {} },
  );

describe('LLM spec parser against a stand-in OpenAI server', () => {
  it('asks with JSON-schema structured output and returns the validated spec', async () => {
    const before = seen.length;
    const result = await parser('good').resolve('a man riding a horse');
    expect(result.from).toBe('llm');
    expect(result.warnings).toEqual([]);
    expect(result.spec).toMatchObject({
      prompt: 'a man riding a horse',
      source: 'llm',
      objects: [{ name: 'man' }, { name: 'horse', attributes: ['brown'] }],
      relations: [{ subject: 'man', relation: 'above', object: 'horse' }],
    });
    const request = seen[before]!.body;
    expect(request.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'prompt_spec', schema: LLM_SPEC_SCHEMA } });
    expect(request.temperature).toBe(0);
    expect((await parser('good').resolve('a shop sign that reads "OPEN"')).spec.text).toEqual(['OPEN']);
  });

  it.each([
    ['not-json', /not JSON/],
    ['bad-schema', /does not match the PromptSpec schema.*count/],
    ['stray-relation', /"cloud".*not both among its objects/],
    ['not-a-completion', /not a chat completion/],
    ['overloaded', /HTTP 500.*model overloaded/],
  ])('falls back to the rule parser with a warning when the server answers %s', async (model, reason) => {
    const result = await parser(model).resolve('a police officer directing traffic');
    expect(result.from).toBe('rule');
    expect(result.spec).toEqual(parsePrompt('a police officer directing traffic'));
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(/LLM spec parser .* failed: .*rule parser's spec was used/);
    expect(result.warnings[0]).toMatch(reason);
  });

  it('falls back with a warning on a timeout', async () => {
    const result = await parser('slow', { timeoutMs: 100 }).resolve('a panda eating bamboo');
    expect(result.from).toBe('rule');
    expect(result.spec.objects.map((o) => o.name)).toEqual(['panda', 'bamboo']);
    expect(result.warnings[0]).toMatch(/no answer within 100 ms/);
  });

  it('falls back when nothing listens (connection refused), and a failure is not cached', async () => {
    const dead = createOpenAISpecParser({ type: 'openai', baseURL: 'http://127.0.0.1:9/v1', model: 'good', cacheDir }, { env: {} });
    const result = await dead.resolve('a dog under a table');
    expect(result.from).toBe('rule');
    expect(result.warnings[0]).toMatch(/request failed/);
    expect((await dead.resolve('a dog under a table')).from).toBe('rule');
  });

  it('caches by prompt on disk: the second run (a new parser, same folder) asks the server nothing', async () => {
    const prompt = 'a man riding a horse at dawn';
    const first = await parser('good', { cacheDir }).resolve(prompt);
    expect(first.from).toBe('llm');
    const asked = seen.filter((s) => s.prompt === prompt).length;
    const second = await parser('good', { cacheDir }).resolve(prompt);
    expect(second.from).toBe('cache');
    expect(second.spec).toEqual(first.spec);
    expect(seen.filter((s) => s.prompt === prompt).length).toBe(asked);
    // Another model or another category is another entry.
    expect((await parser('good', { cacheDir }).resolve(prompt, { category: 'complex' })).from).toBe('llm');
  });

  it('reads the config entry, refusing a bad one with the field named', () => {
    expect(createSpecSource({ type: 'rule' }).id).toBe('rule');
    expect(createSpecSource({ type: 'openai', baseURL, model: 'good', cacheDir: false }).id).toBe(`openai:good@${baseURL}`);
    expect(() => createSpecSource({ type: 'openai', baseURL: 'ftp://x', model: 'good' })).toThrow(/parser/);
    expect(() => createSpecSource({ type: 'openai', model: 'good' } as never)).toThrow(/baseURL/);
    const config = parseEnsembleConfig({ parser: { type: 'openai', baseURL, model: 'good' }, experts: [{ kind: 'detector' }] });
    expect(config.parser).toEqual({ type: 'openai', baseURL, model: 'good' });
    expect(() => parseEnsembleConfig({ parser: { type: 'openai', model: 'good' }, experts: [{ kind: 'detector' }] })).toThrow(/parser/);
  });
});

describe('the ensemble asks its spec source once per prompt, before the experts', () => {
  it('gives every expert the LLM spec and the fallback warning on the item', async () => {
    const specsSeen: (PromptSpec | undefined)[] = [];
    const expert: RewardModelV1 = {
      specificationVersion: 'v1',
      kind: 'probe',
      modelId: 'probe',
      version: '0',
      async doScore(samples: readonly RewardSample[]): Promise<RewardItemResult[]> {
        specsSeen.push(...samples.map((s) => s.spec));
        return samples.map(() => ({ score: 1, raw: 1, warnings: [] }));
      },
      async dispose() {},
    };
    const image = { width: 1, height: 1, data: new Uint8Array(3), hash: 'h' } as unknown as RewardSample['image'];
    const good = createEnsemble({ experts: [{ model: expert }], specSource: parser('good') });
    const before = seen.length;
    const results = await good.scoreSamples([
      { image, prompt: 'a man riding a horse' },
      { image, prompt: 'a man riding a horse' },
      { image, prompt: 'kept', spec: { objects: [{ name: 'given' }], relations: [] } },
    ]);
    expect(seen.length - before).toBe(1);
    expect(specsSeen.map((s) => s?.objects.map((o) => o.name))).toEqual([['man', 'horse'], ['man', 'horse'], ['given']]);
    expect(results.every((r) => r.warnings.length === 0)).toBe(true);

    const failing = createEnsemble({ experts: [{ model: expert }], specSource: parser('overloaded') });
    const [fallback] = await failing.scoreSamples([{ image, prompt: 'a panda eating bamboo' }]);
    expect(specsSeen.at(-1)?.objects.map((o) => o.name)).toEqual(['panda', 'bamboo']);
    expect(fallback!.warnings.join(' ')).toMatch(/LLM spec parser .* failed: HTTP 500/);
  });
});

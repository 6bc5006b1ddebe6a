import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { EXAMPLE_IMAGES, encodeImage, loadImage } from '@t2i-reward/core';
import { createRewardServer, createServeEnsemble } from '@t2i-reward/server';
import { runCliCaptured } from './__fixtures__/run-cli.js';

const t2ir = runCliCaptured;

/**
 * One stand-in OpenAI-compatible server on loopback for both new kinds: a request with `logprobs: true` (the
 * vqa expert's vqascore variant) gets first-token top logprobs "Yes" 0.72 / "No" 0.18; any other (the judge) gets
 * a written answer ending "Final Score: 4.5".
 */
let server: http.Server;
let baseURL: string;
let dir: string;
const seen: { logprobs: boolean; text: string }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        logprobs?: boolean;
        messages: { content: { type: string; text?: string }[] }[];
      };
      const text = body.messages.at(-1)!.content.find((part) => part.type === 'text')!.text!;
      seen.push({ logprobs: body.logprobs === true, text });
      const top = [
        { token: 'Yes', logprob: Math.log(0.72) },
        { token: 'No', logprob: Math.log(0.18) },
      ];
      const choice = body.logprobs
        ? { message: { role: 'assistant', content: 'Yes' }, logprobs: { content: [{ ...top[0], top_logprobs: top }] }, finish_reason: 'length' }
        : { message: { role: 'assistant', content: 'The caption is depicted well.\nFinal Score: 4.5' }, finish_reason: 'stop' };
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ id: 'x', object: 'chat.completion', choices: [{ index: 0, ...choice }] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 't2ir-judge-vqascore-'));
  await fs.writeFile(
    path.join(dir, 'ensemble.json'),
    JSON.stringify({
      experts: [
        { kind: 'judge', backend: { type: 'openai', baseURL, model: 'UnifiedReward-qwen-7b' } },
        { kind: 'vqa', name: 'vqascore', backend: { type: 'openai', baseURL, model: 'llava-ov' }, options: { variant: 'vqascore' } },
      ],
    }),
  );
});
afterEach(() => {
  vi.restoreAllMocks();
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await fs.rm(dir, { recursive: true, force: true });
});

const dog = EXAMPLE_IMAGES.find((example) => example.name === 'dog')!.path;

describe('judge and vqascore in the CLI (stand-in server on loopback)', () => {
  it('t2ir score --config: both score, and the "why" column explains each', async () => {
    const config = path.join(dir, 'ensemble.json');
    const json = await t2ir('score', '--config', config, '--image', dog, '--prompt', 'a dog', '--json');
    expect(json.code, json.stderr).toBe(0);
    const [result] = (JSON.parse(json.stdout) as { results: { reward: number; experts: Record<string, { score: number; raw: number }> }[] }).results;
    expect(result!.experts.judge).toMatchObject({ score: 0.875, raw: 4.5 });
    expect(result!.experts.vqascore!.score).toBeCloseTo(0.72, 12);
    expect(result!.reward).toBeCloseTo((0.875 + 0.72) / 2, 12);
    expect(seen.some((s) => s.logprobs && s.text === 'Does this figure show "a dog"? Please answer yes or no.')).toBe(true);

    const table = await t2ir('score', '--config', config, '--image', dog, '--prompt', 'a dog');
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain('4.5 on [1, 5] ("Final Score: 4.5")');
    expect(table.stdout).toContain('P(yes) 0.72 (VQAScore)');

    // --expert picks by kind (judge) or by name (vqascore, a vqa entry) from the config.
    for (const [expert, other] of [
      ['judge', 'vqascore'],
      ['vqascore', 'judge'],
    ]) {
      const picked = await t2ir('score', '--config', config, '--expert', expert!, '--image', dog, '--prompt', 'a dog', '--json');
      expect(picked.code, picked.stderr).toBe(0);
      const experts = (JSON.parse(picked.stdout) as { results: { experts: Record<string, unknown> }[] }).results[0]!.experts;
      expect(Object.keys(experts)).toEqual([expert]);
      expect(experts[other!]).toBeUndefined();
    }
  });

  it('t2ir score --expert judge without a config says what it needs (exit 2)', async () => {
    const out = await t2ir('score', '--expert', 'judge', '--image', dog, '--prompt', 'a dog');
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/--expert judge needs a VLM judge behind an OpenAI-compatible server .*"kind":"judge"/);
  });

  it('t2ir models lists judge with its backend and what it needs offline', async () => {
    const out = await t2ir('models', '--json');
    expect(out.code, out.stderr).toBe(0);
    const list = JSON.parse(out.stdout) as { kind: string; available: boolean; backends: string[]; offline: string }[];
    const judge = list.find((entry) => entry.kind === 'judge');
    expect(judge).toMatchObject({ available: true, backends: ['openai'] });
    // One text from the judge's declaration (its setupHint), as --expert judge says it.
    expect(judge!.offline).toMatch(/^no: needs a VLM judge behind an OpenAI-compatible server/);
  });

  it('t2ir serve: the config serves both over /v1/score', async () => {
    const ensemble = await createServeEnsemble(path.join(dir, 'ensemble.json'), { pool: false });
    const rewardServer = createRewardServer({ ensemble });
    await rewardServer.listen();
    try {
      const image = (await encodeImage(await loadImage(dog), 'png')).toString('base64');
      const response = await fetch(`${rewardServer.url}/v1/score`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ items: [{ image, prompt: 'a dog' }], details: true }),
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { results: { experts: Record<string, { score: number; details: Record<string, unknown> }> }[] };
      expect(body.results[0]!.experts.judge!.score).toBe(0.875);
      expect(body.results[0]!.experts.judge!.details.answer).toBe('The caption is depicted well.\nFinal Score: 4.5');
      expect(body.results[0]!.experts.vqascore!.score).toBeCloseTo(0.72, 12);
    } finally {
      await rewardServer.close();
    }
  });

  it('t2ir bench --config: the examples suite runs both experts', async () => {
    const out = await t2ir('bench', '--config', path.join(dir, 'ensemble.json'), '--out', path.join(dir, 'bench'), '--no-cache', '--no-progress', '--json');
    expect(out.code, out.stderr).toBe(0);
    const results = (await fs.readFile(path.join(dir, 'bench', 'results.jsonl'), 'utf8')).trim().split('\n');
    expect(results.length).toBeGreaterThan(0);
    for (const line of results) {
      const row = JSON.parse(line) as { experts?: Record<string, { score: number }> };
      expect(row.experts?.judge?.score).toBe(0.875);
      expect(row.experts?.vqascore?.score).toBeCloseTo(0.72, 12);
    }
  });
});

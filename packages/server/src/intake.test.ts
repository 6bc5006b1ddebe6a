import { randomBytes } from 'node:crypto';
import { promises as fsPromises } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createEnsemble, createRgbImage, encodeImage } from '@t2i-reward/core';
import { createMockReward, createTestImage } from '@t2i-reward/core/test';
import { describe, expect, it, vi } from 'vitest';
import { GatedReward } from './__fixtures__/experts.js';
import { createRewardServer } from './server.js';

const assets = fileURLToPath(new URL('../../core/assets/images/', import.meta.url));
const MB = 1024 * 1024;

/** Runs `work` while sampling this process's RSS every 5 ms: its result, and the peak growth over the start in MB. */
async function rssGrowthDuring<T>(work: () => Promise<T>): Promise<{ result: T; growthMb: number }> {
  const before = process.memoryUsage.rss();
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
  try {
    const result = await work();
    return { result, growthMb: (Math.max(peak, process.memoryUsage.rss()) - before) / MB };
  } finally {
    clearInterval(timer);
  }
}

interface Answer {
  status: number;
  retryAfter: string | undefined;
  ms: number;
  body: string;
  /** A transport error (e.g. ECONNRESET) instead of an answer. */
  error?: string;
}

/** One POST on its own connection (no pooling), reporting the status, or the network error. */
function post(url: string, body: Buffer | string, headers: Record<string, string> = {}, agent?: Agent): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve) => {
    const request = httpRequest(url, {
      method: 'POST',
      agent: agent ?? false,
      headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers },
    });
    let answered = false;
    request.on('response', (response) => {
      answered = true;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          retryAfter: response.headers['retry-after'],
          ms: performance.now() - started,
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (!answered) resolve({ status: 0, retryAfter: undefined, ms: performance.now() - started, body: '', error: error.code ?? error.message });
    });
    if (/100-continue/i.test(headers.expect ?? '')) request.on('continue', () => request.end(body));
    else request.end(body);
  });
}

describe('admission at intake (issue 12 items 3 and 4)', () => {
  it('a 1,000-item request is refused (413) with RSS growth under 100 MB, before any image is read', async () => {
    const server = createRewardServer({ ensemble: createEnsemble({ experts: [{ name: 'bright', model: createMockReward() }] }), imageRoot: assets });
    await server.listen();
    // The work done, not the time taken: how many image files the server reads (core's loader reads them with fs.promises.readFile).
    const readFile = vi.spyOn(fsPromises, 'readFile');
    const imageReads = () => readFile.mock.calls.filter(([file]) => String(file).startsWith(assets)).length;
    try {
      await server.ready;
      const body = JSON.stringify({ items: Array.from({ length: 1000 }, () => ({ image: 'dog.jpg', prompt: 'a dog' })) });
      const { result: answer, growthMb } = await rssGrowthDuring(() => post(`${server.url}/v1/score`, body));
      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.body).error.code).toBe('too_many_items');
      expect(imageReads()).toBe(0);
      expect(growthMb).toBeLessThan(100);
      // Nothing was decoded: the image-error and item counters did not move.
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metrics).not.toMatch(/t2ir_items_total\{outcome="scored"\} [1-9]/);
      expect(server.stats()).toMatchObject({ admittedItems: 0, inflightBytes: 0, inflightPixels: 0 });
      // The same request with one item is admitted and reads its image once: the count above can see a read.
      const one = await post(`${server.url}/v1/score`, JSON.stringify({ items: [{ image: 'dog.jpg', prompt: 'a dog' }] }));
      expect(one.status, one.body).toBe(200);
      expect(imageReads()).toBe(1);
    } finally {
      readFile.mockRestore();
      await server.close();
    }
  });

  it('twenty 4000x4000 PNGs in one small request are refused (413) from their headers, before any pixel is decoded', async () => {
    const big = await encodeImage(createRgbImage(new Uint8Array(4000 * 4000 * 3).fill(90), 4000, 4000), 'png');
    const body = JSON.stringify({ items: Array.from({ length: 20 }, () => ({ image: big.toString('base64'), prompt: 'x' })) });
    const server = createRewardServer({ ensemble: createEnsemble({ experts: [{ name: 'bright', model: createMockReward() }] }) });
    await server.listen();
    try {
      await server.ready;
      const { result: answer, growthMb } = await rssGrowthDuring(() => post(`${server.url}/v1/score`, body));
      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.body).error.code).toBe('pixels_too_large');
      // 20 x 16 Mpx of RGB would be 960 MB; headers only were read.
      expect(growthMb).toBeLessThan(100);
      expect(server.stats()).toMatchObject({ admittedItems: 0, inflightPixels: 0 });
    } finally {
      await server.close();
    }
  });

  it('512 clients with maxQueue 256: the excess gets 429 + Retry-After at once, queue depth reads the truth, every accepted request finishes before its deadline', async () => {
    const gated = new GatedReward();
    const maxBatch = 16;
    const deadlineMs = 60_000;
    const server = createRewardServer({
      ensemble: createEnsemble({ experts: [{ name: 'gated', model: gated }] }),
      warmup: false,
      maxBatch,
      maxQueue: 256,
      requestTimeoutMs: deadlineMs,
    });
    await server.listen();
    const png = (await encodeImage(createTestImage(8, 8, [10, 20, 30]), 'png')).toString('base64');
    const body = JSON.stringify({ items: [{ image: png, prompt: 'x' }] });
    const agent = new Agent({ keepAlive: false, maxSockets: 1024 });
    try {
      // The gate holds the first batch: nothing finishes until every client has been admitted or refused.
      const answers = Array.from({ length: 512 }, () => post(`${server.url}/v1/score`, body, {}, agent));
      const settled: Answer[] = [];
      answers.forEach((answer) => void answer.then((value) => settled.push(value)));
      for (;;) {
        const { admittedItems } = server.stats();
        if (settled.length > 0 && admittedItems + settled.length === 512 && server.stats().runningBatches === 1) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const running = gated.batchSizes[0]!;
      expect(running).toBeGreaterThanOrEqual(1);
      expect(running).toBeLessThanOrEqual(maxBatch);
      // Every refusal was immediate (no waiting behind the queue) and says when to come back.
      expect(settled.every((answer) => answer.status === 429 && answer.retryAfter === '1')).toBe(true);
      expect(settled.length).toBe(512 - 256 - running);
      // /metrics tells the truth: 256 items wait, `running` are being scored.
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metrics).toMatch(/^t2ir_queue_depth 256$/m);
      expect(metrics).toMatch(new RegExp(`^t2ir_admitted_items ${256 + running}$`, 'm'));
      gated.release();
      const all = await Promise.all(answers);
      const accepted = all.filter((answer) => answer.status === 200);
      expect(accepted.length).toBe(256 + running);
      expect(all.filter((answer) => answer.status !== 200 && answer.status !== 429)).toEqual([]);
      for (const answer of accepted) expect(answer.ms).toBeLessThan(deadlineMs);
    } finally {
      gated.release();
      agent.destroy();
      await server.close();
    }
  }, 120_000);

  it('16 concurrent 60 MB bodies: at most maxInflightBytes are held (the rest get 429 before upload), RSS stays under the documented bound', async () => {
    // One 60 MB body, shared by the 16 clients: a 4000x4000 noise PNG (about 48 MB) as base64.
    const side = 4000;
    const noise = new Uint8Array(randomBytes(side * side * 3));
    const png = await encodeImage(createRgbImage(noise, side, side), 'png');
    const body = Buffer.from(JSON.stringify({ items: [{ image: png.toString('base64'), prompt: 'noise' }] }));
    expect(body.length).toBeGreaterThan(55 * MB);
    expect(body.length).toBeLessThan(64 * MB);
    const server = createRewardServer({ ensemble: createEnsemble({ experts: [{ name: 'bright', model: createMockReward() }] }) });
    await server.listen();
    try {
      await server.ready;
      // curl sends "Expect: 100-continue" for large bodies: refused uploads never leave the client.
      const { result: answers, growthMb: growth } = await rssGrowthDuring(() =>
        Promise.all(Array.from({ length: 16 }, () => post(`${server.url}/v1/score`, body, { expect: '100-continue' }))),
      );
      const accepted = answers.filter((answer) => answer.status === 200).length;
      const refused = answers.filter((answer) => answer.status === 429 && answer.retryAfter === '1').length;
      process.stdout.write(`16 x ${(body.length / MB).toFixed(1)} MB bodies: ${accepted} scored, ${refused} refused 429, RSS growth ${growth.toFixed(0)} MB\n`);
      expect(accepted + refused).toBe(16);
      expect(accepted).toBeGreaterThanOrEqual(2);
      // Documented bound (server README): RSS growth < 1 GB (it was 4.4 GB with no budget).
      expect(growth).toBeLessThan(1024);
      expect(server.stats()).toMatchObject({ admittedItems: 0, inflightBytes: 0, inflightPixels: 0 });
      // Without Expect the refused uploads are answered 429 from their Content-Length, then the connection closes.
      const { result: plain, growthMb: plainGrowth } = await rssGrowthDuring(() =>
        Promise.all(Array.from({ length: 16 }, () => post(`${server.url}/v1/score`, body))),
      );
      process.stdout.write(
        `without Expect: ${JSON.stringify(plain.map((answer) => answer.status || answer.error))}, RSS growth ${plainGrowth.toFixed(0)} MB\n`,
      );
      expect(plain.every((answer) => answer.status === 200 || (answer.status === 429 && answer.retryAfter === '1'))).toBe(true);
      expect(plainGrowth).toBeLessThan(1024);
    } finally {
      await server.close();
    }
  }, 180_000);
});

/**
 * A fast subset of each probe of the attack suite (scripts/attack.ts, issue 21), in-process: the same attacks,
 * scaled down, with what each must get back.
 */
import http from 'node:http';
import net from 'node:net';
import { BaseReward, createEnsemble, encodeImage, type RewardItemResult, type RewardSample } from '@t2i-reward/core';
import { createTestImage } from '@t2i-reward/core/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chargedPixels } from './core/scoring.js';
import { createRewardServer, type RewardServer, type RewardServerOptions } from './server.js';

/** Mean of a few pixels; counts the samples it scored. */
class CountingReward extends BaseReward {
  scored = 0;
  constructor() {
    super({ kind: 'count', modelId: 'test/count', version: 'test' });
  }

  protected async scoreBatch(samples: readonly RewardSample[]): Promise<RewardItemResult[]> {
    this.scored += samples.length;
    return samples.map(({ image }) => ({ score: image.data[0]! / 255, raw: image.data[0]!, warnings: [] }));
  }
}

interface Answer {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

function send(url: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}, localAddress?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request(new URL(path, url), {
      method: body === undefined ? 'GET' : 'POST',
      agent: false,
      headers: body === undefined ? headers : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers },
      ...(localAddress ? { localAddress } : {}),
    });
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: response.headers }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

async function startServer(options: Partial<RewardServerOptions> = {}): Promise<{ server: RewardServer; expert: CountingReward }> {
  const expert = new CountingReward();
  const server = createRewardServer({ ensemble: createEnsemble({ experts: [{ name: 'count', model: expert }] }), warmup: false, ...options });
  await server.listen();
  await server.ready;
  return { server, expert };
}

const until = async (condition: () => boolean, what: string, limitMs = 20_000, state: () => string = () => '') => {
  const started = performance.now();
  while (!condition()) {
    if (performance.now() - started > limitMs) throw new Error(`gave up waiting: ${what} ${state()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

let png: string;
beforeAll(async () => {
  png = (await encodeImage(createTestImage(32, 32, [200, 80, 40]), 'png')).toString('base64');
});

describe('attack probes, scaled down (issue 21)', () => {
  let server: RewardServer;
  let expert: CountingReward;
  beforeAll(async () => {
    ({ server, expert } = await startServer());
  });
  afterAll(() => server.close());

  it('prompts: longer than --max-prompt-chars (4096) is refused with 413 prompt_too_long at intake, before any scoring', async () => {
    const before = expert.scored;
    const long = await send(server.url, '/v1/score', JSON.stringify({ items: [{ image: png, prompt: 'a red car '.repeat(100_000) }] }));
    expect(long.status).toBe(413);
    expect(JSON.parse(long.body).error).toMatchObject({ code: 'prompt_too_long', data: { index: 0, length: 1_000_000, maxPromptChars: 4096 } });
    const inSpec = await send(
      server.url,
      '/v1/score',
      JSON.stringify({
        items: [
          { image: png, prompt: 'a car' },
          { image: png, prompt: 'a car', spec: { prompt: 'x'.repeat(5000), objects: [] } },
        ],
      }),
    );
    expect(inSpec.status).toBe(413);
    expect(JSON.parse(inSpec.body).error.message).toMatch(/^item 1: spec\.prompt of 5000 characters/);
    expect(expert.scored).toBe(before);
    const atLimit = await send(server.url, '/v1/score', JSON.stringify({ items: [{ image: png, prompt: 'a'.repeat(4096) }] }));
    expect(atLimit.status).toBe(200);
  });

  it('invalid: a 2 MB body of wrongly-shaped items is 400 with at most 8 errors, each with its path, in a small answer', async () => {
    const element = '{"image":0},';
    for (const count of [200, 20_000]) {
      const body = `{"items":[${element.repeat(count - 1)}{"image":0}]}`;
      const answer = await send(server.url, '/v1/score', body);
      expect(answer.status).toBe(400);
      expect(answer.body.length).toBeLessThan(64 * 1024);
      const error = JSON.parse(answer.body).error as { code: string; data: { errors: { path: string }[] } };
      expect(error.code).toBe('invalid_request');
      expect(error.data.errors.length).toBeGreaterThanOrEqual(1);
      expect(error.data.errors.length).toBeLessThanOrEqual(8);
      expect(error.data.errors[0]!.path).toMatch(/^items\/0/);
    }
    // More values than any request could need (1024 per item of the queue, here 262,144): 400 before it is parsed.
    const huge = `{"items":[${element.repeat(170_000 - 1)}{"image":0}]}`;
    const tooComplex = await send(server.url, '/v1/score', huge);
    expect(tooComplex.status).toBe(400);
    expect(tooComplex.body.length).toBeLessThan(1024);
    expect(JSON.parse(tooComplex.body).error).toMatchObject({ code: 'json_too_complex', data: { maxJsonTokens: 262_144 } });
    // The same in a KServe request's JSON.
    const kserve = await send(
      server.url,
      '/v2/models/t2i-reward/infer',
      `{"inputs":[{"name":"IMAGE","datatype":"BYTES","shape":[1],"data":[${'0,'.repeat(300_000)}0]}]}`,
    );
    expect(kserve.status).toBe(400);
    expect(kserve.body).toMatch(/json_too_complex|more than 262144 JSON values/);
    // Well-shaped but longer than the queue: 413 from the count, no per-element work.
    const many = `{"items":[${`{"image":"x","prompt":""},`.repeat(999)}{"image":"x","prompt":""}]}`;
    const refused = await send(server.url, '/v1/score', many);
    expect(refused.status).toBe(413);
    expect(JSON.parse(refused.body).error.code).toBe('too_many_items');
  });

  it('kserve-empty-bytes: 4 MB of zero bytes for IMAGE [1] is 400 before any element is built', async () => {
    const header = Buffer.from(
      JSON.stringify({
        inputs: [
          { name: 'IMAGE', datatype: 'BYTES', shape: [1], parameters: { binary_data_size: 4 * 1024 * 1024 } },
          { name: 'PROMPT', datatype: 'BYTES', shape: [1], data: ['a red car'] },
        ],
      }),
    );
    const answer = await send(server.url, '/v2/models/t2i-reward/infer', Buffer.concat([header, Buffer.alloc(4 * 1024 * 1024)]), {
      'content-type': 'application/octet-stream',
      'inference-header-content-length': String(header.length),
    });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body).error).toMatch(/shape says 1 elements, binary data holds more/);
  });

  it('kserve-outputs: malformed "outputs" are 400 before anything is scored (was 500 after scoring)', async () => {
    const before = expert.scored;
    const infer = (outputs: unknown) =>
      send(
        server.url,
        '/v2/models/t2i-reward/infer',
        JSON.stringify({
          inputs: [
            { name: 'IMAGE', datatype: 'BYTES', shape: [1], data: [png] },
            { name: 'PROMPT', datatype: 'BYTES', shape: [1], data: ['a red car'] },
          ],
          outputs,
        }),
      );
    for (const outputs of [
      { length: 5 },
      [null],
      'REWARD',
      [{ name: 5 }],
      [{ name: 'REWARD', parameters: 'x' }],
      [{ name: 'REWARD', parameters: { binary_data: 'yes' } }],
      [{ name: 'NOPE' }],
    ]) {
      const answer = await infer(outputs);
      expect(answer.status, JSON.stringify(outputs)).toBe(400);
    }
    expect(expert.scored).toBe(before);
    const good = await infer([{ name: 'REWARD', parameters: { binary_data: false } }]);
    expect(good.status).toBe(200);
    expect(JSON.parse(good.body).outputs.map((output: { name: string }) => output.name)).toEqual(['REWARD']);
  });

  it('png: four large PNGs at once are decoded one at a time under the pixel budget, each answered', async () => {
    const side = 1024;
    const big = (await encodeImage(createTestImage(side, side, [10, 120, 200]), 'png')).toString('base64');
    // Room for one at a time: its pixels plus its decoder's rows (chargedPixels).
    const { server: small } = await startServer({ maxInflightPixels: chargedPixels(side, side, 'png') });
    try {
      let most = 0;
      const sampler = setInterval(() => (most = Math.max(most, small.stats().inflightPixels)), 1);
      const answers = await Promise.all(
        Array.from({ length: 4 }, () => send(small.url, '/v1/score', JSON.stringify({ items: [{ image: big, prompt: 'a blue square' }] }))),
      );
      clearInterval(sampler);
      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
      expect(most).toBeLessThanOrEqual(chargedPixels(side, side, 'png'));
      expect(most).toBeGreaterThan(side * side);
      expect(small.stats().inflightPixels).toBe(0);
    } finally {
      await small.close();
    }
  });
});

describe('slow clients cannot take the server (issue 21 probe 3, scaled down)', () => {
  it('45 sockets dripping headers from one address: /healthz answers 200 from that address, another address is scored, and the header timeout frees them', async () => {
    const { server } = await startServer({ maxConnections: 40, headersTimeoutMs: 1500 });
    const port = Number(new URL(server.url).port);
    const sockets: net.Socket[] = [];
    try {
      let closed = 0;
      const replies: string[] = Array.from({ length: 45 }, () => '');
      for (let index = 0; index < 45; index++) {
        const socket = net.connect({ port, host: '127.0.0.1' });
        socket.on('error', () => {});
        socket.on('data', (chunk: Buffer) => (replies[index] += chunk.toString('latin1')));
        socket.once('close', () => closed++);
        socket.once('connect', () => socket.write('POST /v1/score HTTP/1.1\r\nHost: x\r\n'));
        sockets.push(socket);
      }
      // 30 of them are counted (3/4 of 40 per address); the other 15 are over the cap.
      await until(() => server.stats().connections >= 30, 'the slow sockets to connect');
      expect(server.stats().connections).toBe(30);
      const health = await send(server.url, '/healthz');
      expect(health.status).toBe(200);
      const ready = await send(server.url, '/readyz');
      expect(ready.status).toBe(200);
      const scored = await send(server.url, '/v1/score', JSON.stringify({ items: [{ image: png, prompt: 'a red car' }] }), {}, '127.0.0.2');
      expect(scored.status).toBe(200);
      // A scoring request from the flooding address over its share is refused, not queued behind it.
      const refused = await send(server.url, '/v1/score', JSON.stringify({ items: [{ image: png, prompt: 'a red car' }] }));
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toBeDefined();
      // Node's header timeout (1.5 s here, checked every second) closes the counted ones; over-cap ones go after 5 s.
      await until(
        () => closed === 45,
        'the server to close every slow socket',
        20_000,
        () => `${closed} closed, ${server.stats().connections} counted`,
      );
      expect(server.stats().connections).toBe(0);
      // Each was told why (408): the counted ones by the server's spread header timer, the over-cap ones by
      // Node's check (1.5 s here, before their 5 s lifetime).
      expect(replies.filter((reply) => /^HTTP\/1\.1 408/.test(reply)).length).toBe(45);
    } finally {
      for (const socket of sockets) socket.destroy();
      await server.close();
    }
  });

  it('--health-port: /healthz and /readyz on a port of their own, answered by a worker thread; closed with the server', async () => {
    const { server } = await startServer({ healthPort: 0 });
    const healthUrl = server.healthUrl!;
    expect(healthUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(healthUrl).not.toBe(server.url);
    try {
      expect((await send(healthUrl, '/healthz')).status).toBe(200);
      expect(JSON.parse((await send(healthUrl, '/readyz')).body)).toEqual({ ready: true });
      expect((await send(healthUrl, '/v2/health/live')).status).toBe(200);
      expect((await send(healthUrl, '/v1/score', '{}')).status).toBe(404);
    } finally {
      await server.close();
    }
    await expect(send(healthUrl, '/healthz')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('a body that stops arriving is answered 408 after bodyIdleTimeoutMs and its byte budget is given back', async () => {
    const { server } = await startServer({ bodyIdleTimeoutMs: 300 });
    const port = Number(new URL(server.url).port);
    try {
      const reply = await new Promise<string>((resolve) => {
        const socket = net.connect({ port, host: '127.0.0.1' }, () =>
          socket.write('POST /v1/score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"items":['),
        );
        let data = '';
        socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
        socket.on('close', () => resolve(data));
        socket.on('error', () => {});
      });
      expect(reply).toMatch(/^HTTP\/1\.1 408/);
      expect(reply).toMatch(/body_timeout/);
      expect(server.stats().inflightBytes).toBe(0);
    } finally {
      await server.close();
    }
  });
});

import { createServer, request as httpRequest, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { createEnsemble, encodeImage } from '@t2i-reward/core';
import { createMockReward, createTestImage, meanBrightness } from '@t2i-reward/core/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INFERENCE_HEADER_CONTENT_LENGTH } from '@t2i-reward/kserve';
import { createRewardServer, type RewardServer } from './server.js';

const grey = createTestImage(8, 8, [100, 100, 100]);

/** Sends raw bytes on a fresh connection and returns everything the server wrote before closing. */
function rawExchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('end', () => resolve(received));
    socket.on('error', reject);
  });
}

describe('server hardening (issue 12: client faults are 4xx, never 500 or a crash)', () => {
  let server: RewardServer;
  let png: string;
  let silentHost: Server;
  let silentOrigin: string;

  beforeAll(async () => {
    png = (await encodeImage(grey, 'png')).toString('base64');
    // A host that answers headers and then never finishes the body.
    silentHost = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'image/png' });
      response.write(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    });
    await new Promise<void>((resolve) => silentHost.listen(0, '127.0.0.1', resolve));
    silentOrigin = `http://127.0.0.1:${(silentHost.address() as AddressInfo).port}`;
    server = createRewardServer({
      ensemble: createEnsemble({ experts: [{ name: 'bright', model: createMockReward() }] }),
      allowUrls: [silentOrigin],
      imageFetchTimeoutMs: 200,
      maxConnections: 8,
    });
    await server.listen();
    await server.ready;
  });

  afterAll(async () => {
    await server.close();
    silentHost.closeAllConnections();
    await new Promise((resolve) => silentHost.close(resolve));
  });

  const post = (path: string, body: string, headers: Record<string, string>) => fetch(`${server.url}${path}`, { method: 'POST', headers, body });

  it('415 for text/plain, form data and no Content-Type on every scoring route; JSON (any charset, +json) is scored', async () => {
    const native = JSON.stringify({ items: [{ image: png, prompt: 'x' }] });
    const openrlhf = JSON.stringify({ query: ['x'], labels: [png] });
    const kserve = JSON.stringify({
      inputs: [
        { name: 'IMAGE', datatype: 'BYTES', shape: [1], data: [png] },
        { name: 'PROMPT', datatype: 'BYTES', shape: [1], data: ['x'] },
      ],
    });
    for (const [path, body] of [
      ['/v1/score', native],
      ['/openrlhf/reward', openrlhf],
      ['/get_reward', openrlhf],
      ['/v2/models/t2i-reward/infer', kserve],
    ] as const) {
      for (const type of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
        const response = await post(path, body, { 'content-type': type });
        expect(response.status, `${path} ${type}`).toBe(415);
      }
      // fetch with a Blob of no type sends no Content-Type at all.
      expect((await fetch(`${server.url}${path}`, { method: 'POST', body: new Blob([body]) })).status, `${path} none`).toBe(415);
      for (const type of ['application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/vnd.t2ir+json']) {
        expect((await post(path, body, { 'content-type': type })).status, `${path} ${type}`).toBe(200);
      }
    }
    const error = (await (await post('/v1/score', native, { 'content-type': 'text/plain' })).json()) as { error: { code: string } };
    expect(error.error.code).toBe('unsupported_media_type');
    // KServe's binary extension (a custom header, so never a simple cross-site request) is not JSON and is accepted.
    const header = Buffer.from(
      JSON.stringify({
        inputs: [
          { name: 'IMAGE', datatype: 'BYTES', shape: [1], parameters: { binary_data_size: 4 + Buffer.from(png, 'base64').length } },
          { name: 'PROMPT', datatype: 'BYTES', shape: [1], data: ['x'] },
        ],
      }),
    );
    const length = Buffer.alloc(4);
    length.writeUInt32LE(Buffer.from(png, 'base64').length);
    const binary = Buffer.concat([header, length, Buffer.from(png, 'base64')]);
    const response = await fetch(`${server.url}/v2/models/t2i-reward/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', [INFERENCE_HEADER_CONTENT_LENGTH]: String(header.length) },
      body: binary,
    });
    expect(response.status).toBe(200);
  });

  it('KServe: a malformed escape in the model name is 400 (was 500 "expert failed: URI malformed")', async () => {
    for (const path of ['/v2/models/%ZZ', '/v2/models/%ZZ/ready', '/v2/models/%E0%A4%A/versions/1']) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status, path).toBe(400);
      expect(((await response.json()) as { error: string }).error).toContain('percent-encoding');
    }
    const infer = await post('/v2/models/%ZZ/infer', '{}', { 'content-type': 'application/json' });
    expect(infer.status).toBe(400);
    expect((await fetch(`${server.url}/v2/models/nope`)).status).toBe(404);
  });

  it('KServe: data nested 100,000 deep is 400 (was 500 "Maximum call stack size exceeded"); a nested [1,1] shape still works', async () => {
    const deep = `${'['.repeat(100_000)}"x"${']'.repeat(100_000)}`;
    const body = `{"inputs":[{"name":"IMAGE","datatype":"BYTES","shape":[1],"data":${deep}},{"name":"PROMPT","datatype":"BYTES","shape":[1],"data":["x"]}]}`;
    const response = await post('/v2/models/t2i-reward/infer', body, { 'content-type': 'application/json' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toContain('nested deeper');
    const nested = JSON.stringify({
      inputs: [
        { name: 'IMAGE', datatype: 'BYTES', shape: [1, 1], data: [[png]] },
        { name: 'PROMPT', datatype: 'BYTES', shape: [1, 1], data: [['x']] },
      ],
    });
    expect((await post('/v2/models/t2i-reward/infer', nested, { 'content-type': 'application/json' })).status).toBe(200);
    // Deep nesting elsewhere (native metadata / spec, OpenRLHF labels) is a 200 or a 400, never a 500.
    const deepValue = JSON.parse(`${'['.repeat(50_000)}1${']'.repeat(50_000)}`) as unknown;
    for (const [path, value] of [
      ['/v1/score', { items: [{ image: png, prompt: 'x', metadata: { deep: deepValue } }] }],
      ['/v1/score', { items: [{ image: png, prompt: 'x', spec: { objects: deepValue } }] }],
      ['/openrlhf/reward', { query: ['x'], labels: [deepValue] }],
    ] as const) {
      const text = `${JSON.stringify({ ...value, _: 0 }, (key, inner: unknown) => (inner === deepValue ? '__DEEP__' : inner))}`.replace(
        '"__DEEP__"',
        `${'['.repeat(50_000)}1${']'.repeat(50_000)}`,
      );
      const status = (await post(path, text, { 'content-type': 'application/json' })).status;
      expect([200, 400], path).toContain(status);
    }
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('GET /health is an alias of /healthz (public, no token needed)', async () => {
    const response = await fetch(`${server.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('an image URL whose host goes silent fails its item at the fetch timeout; the request and the other items are answered', async () => {
    const started = performance.now();
    const response = await post(
      '/v1/score',
      JSON.stringify({
        items: [
          { image: `${silentOrigin}/a.png`, prompt: 'x' },
          { image: png, prompt: 'y' },
        ],
      }),
      { 'content-type': 'application/json' },
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as { results: { reward: number | null; error?: { code: string; message: string } }[] };
    expect(body.results[0]!.reward).toBeNull();
    expect(body.results[0]!.error!.message).toContain('within 200 ms');
    expect(body.results[1]!.reward).toBeCloseTo(meanBrightness(grey), 10);
    // Far below the request deadline (120 s): the item did not hold the request.
    expect(performance.now() - started).toBeLessThan(60_000);
  });

  it('past maxConnections a request gets 503 + Retry-After and its connection closes; the server serves again once they go', async () => {
    const { port } = new URL(server.url);
    // Hold the cap's worth of idle connections (each proves it is served by answering /healthz once).
    const held = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const socket = connect(Number(port), '127.0.0.1');
        await new Promise((resolve) => socket.once('connect', resolve));
        return socket;
      }),
    );
    try {
      const answer = await rawExchange(Number(port), 'GET /v1/models HTTP/1.1\r\nhost: x\r\n\r\n');
      expect(answer).toMatch(/^HTTP\/1\.1 503 /);
      expect(answer.toLowerCase()).toContain('retry-after: 1');
      expect(answer.toLowerCase()).toContain('connection: close');
      expect(answer).toContain('too_many_connections');
    } finally {
      for (const socket of held) socket.destroy();
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await fetch(`${server.url}/v1/models`)).status).toBe(200);
  });

  it('Expect: 100-continue: a refused upload is answered before any body byte is sent', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(`${server.url}/v1/score`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', expect: '100-continue', 'content-length': '1000000' },
      });
      request.on('continue', () => reject(new Error('the server asked for the body of a refused request')));
      request.on('response', (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject);
      request.flushHeaders();
    });
    expect(status).toBe(415);
    // And an admitted one gets "100 Continue", then its answer.
    const body = JSON.stringify({ items: [{ image: png, prompt: 'x' }] });
    const accepted = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(`${server.url}/v1/score`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', expect: '100-continue', 'content-length': String(Buffer.byteLength(body)) },
      });
      request.on('continue', () => request.end(body));
      request.on('response', (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject);
      request.flushHeaders();
    });
    expect(accepted).toBe(200);
  });

  it('chunked bodies count toward the in-flight byte budget as they stream: past it 429 + Retry-After, and the lease is given back', async () => {
    const small = createRewardServer({
      ensemble: createEnsemble({ experts: [{ name: 'bright', model: createMockReward() }] }),
      maxBodyBytes: 64 * 1024,
      maxInflightBytes: 64 * 1024,
    });
    await small.listen();
    await small.ready;
    // A slow upload declares 60 KB and sends 1 byte: it holds 60 KB of the budget.
    const holder = httpRequest(`${small.url}/v1/score`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(60 * 1024) },
    });
    holder.on('error', () => {});
    holder.write('{');
    try {
      while (small.stats().inflightBytes === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(small.stats().inflightBytes).toBe(60 * 1024);
      const chunked = await new Promise<{ status: number; retryAfter?: string }>((resolve, reject) => {
        const request = httpRequest(`${small.url}/v1/score`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
        });
        request.on('response', (response) => {
          response.resume();
          resolve({ status: response.statusCode ?? 0, ...(response.headers['retry-after'] ? { retryAfter: response.headers['retry-after'] } : {}) });
        });
        request.on('error', reject);
        for (let index = 0; index < 4; index++) request.write(Buffer.alloc(4 * 1024, 0x20));
        request.end();
      });
      expect(chunked).toEqual({ status: 429, retryAfter: '1' });
    } finally {
      holder.destroy();
    }
    while (small.stats().inflightBytes !== 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const png = (await encodeImage(grey, 'png')).toString('base64');
    expect(
      (
        await fetch(`${small.url}/v1/score`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ items: [{ image: png, prompt: 'x' }] }),
        })
      ).status,
    ).toBe(200);
    await small.close();
  });
});

import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  BaseReward,
  ModelLoadError,
  createEnsemble,
  encodeImage,
  validateWithSchema,
  type Ensemble,
  type RewardItemResult,
  type RgbImage,
} from '@t2i-reward/core';
import { createMockReward, createTestImage, meanBrightness } from '@t2i-reward/core/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatedReward } from './__fixtures__/experts.js';
import { INFERENCE_HEADER_CONTENT_LENGTH, decodeInferMessage } from '@t2i-reward/kserve';
import { scoreResponseSchema } from './schemas.js';
import { createRewardServer, type RewardServer } from './server.js';

const red = createTestImage(16, 12, [200, 10, 10]);
const grey = createTestImage(8, 8, [100, 100, 100]);

/** Expected totals, computed in-process with the same ensemble definition the server serves. */
function expectedReward(image: RgbImage): number {
  // weighted-mean of bright (w 1) = brightness and half (w 3) = brightness / 2
  const brightness = meanBrightness(image);
  return (brightness * 1 + (brightness / 2) * 3) / 4;
}

function buildEnsemble(): Ensemble {
  return createEnsemble({
    experts: [
      { name: 'bright', model: createMockReward({ kind: 'mock', failWhen: (sample) => sample.prompt === 'fail me' }) },
      { name: 'half', model: createMockReward({ kind: 'mock', modelId: 'mock/half', score: (sample) => meanBrightness(sample.image) / 2 }), weight: 3 },
    ],
    aggregate: 'weighted-mean',
  });
}

// Response bodies are checked field by field (and against the response schema), so they stay loosely typed here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Json; headers: Headers }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined, headers: response.headers };
}

/** A raw HTTP POST (node:http) that reports the status even when the server closes early. */
function rawPost(url: string, chunks: Buffer[], headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: 'POST', headers }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', reject);
    for (const chunk of chunks) request.write(chunk);
    request.end();
  });
}

let root: string;
let pngRed: Buffer;
let pngGrey: Buffer;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 't2ir-server-'));
  pngRed = await encodeImage(red, 'png');
  pngGrey = await encodeImage(grey, 'png');
  await mkdir(path.join(root, 'images'));
  await writeFile(path.join(root, 'images', 'red.png'), pngRed);
  // A real image just outside the root: reading it would succeed if confinement failed.
  await writeFile(path.join(path.dirname(root), `${path.basename(root)}-outside.png`), pngRed);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(path.join(path.dirname(root), `${path.basename(root)}-outside.png`), { force: true });
});

describe('reward server over HTTP (loopback)', () => {
  let server: RewardServer;
  let imageHost: Server;
  let imageOrigin: string;

  beforeAll(async () => {
    // A loopback "remote" image host for the URL allow-list.
    imageHost = createServer((request, response) => {
      response.writeHead(200, { 'content-type': 'image/png' });
      response.end(request.url === '/red.png' ? pngRed : pngGrey);
    });
    await new Promise<void>((resolve) => imageHost.listen(0, '127.0.0.1', resolve));
    imageOrigin = `http://127.0.0.1:${(imageHost.address() as AddressInfo).port}`;
    server = createRewardServer({
      ensemble: buildEnsemble(),
      imageRoot: path.join(root, 'images'),
      allowUrls: [`${imageOrigin}/allowed/`],
      maxBodyBytes: 256 * 1024,
    });
    await server.listen();
    await server.ready;
  });

  afterAll(async () => {
    await server.close();
    await new Promise((resolve) => imageHost.close(resolve));
  });

  it('binds to loopback by default', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('request-targets that are not valid URLs get 400 and the server stays up (was an uncaught TypeError)', async () => {
    const { port } = new URL(server.url);
    for (const target of ['//a:b', '//[', 'http://[/', '//a:99999/', '//a:b/v1/score']) {
      const head = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1', () => socket.write(`GET ${target} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`));
        let text = '';
        socket.on('data', (chunk) => (text += chunk.toString('latin1')));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
      expect(head, target).toMatch(/^HTTP\/1\.1 (400|404) /);
    }
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('POST /v1/score: base64, data URL, path and object forms; totals match in-process scoring; response fits its schema', async () => {
    const { status, json } = await postJson(`${server.url}/v1/score`, {
      items: [
        { image: pngRed.toString('base64'), prompt: 'a red square' },
        { image: `data:image/png;base64,${pngGrey.toString('base64')}`, prompt: 'a grey square' },
        { image: 'red.png', prompt: 'a red square from disk' },
        { image: { base64: pngGrey.toString('base64') }, prompt: 'grey' },
        { image: { path: 'red.png' }, prompt: 'red', spec: { objects: [{ name: 'square' }], relations: [] } },
      ],
      details: true,
    });
    expect(status).toBe(200);
    validateWithSchema(scoreResponseSchema, json, 'score response');
    const totals = json.results.map((result: { reward: number }) => result.reward);
    const expected = [red, grey, red, grey, red].map(expectedReward);
    totals.forEach((total: number, index: number) => expect(total).toBeCloseTo(expected[index]!, 10));
    expect(json.results[0].experts.bright.score).toBeCloseTo(meanBrightness(red), 10);
    expect(json.results[0].experts.half).toMatchObject({ kind: 'mock', modelId: 'mock/half', weight: 3 });
  });

  it('reports per-item failures in the item, not the request', async () => {
    const { status, json } = await postJson(`${server.url}/v1/score`, {
      items: [
        { image: pngRed.toString('base64'), prompt: 'fail me' },
        { image: { base64: Buffer.from('not an image at all, just text').toString('base64') }, prompt: 'broken' },
        { image: pngGrey.toString('base64'), prompt: 'fine' },
      ],
    });
    expect(status).toBe(200);
    validateWithSchema(scoreResponseSchema, json, 'score response');
    expect(json.results[0].experts.bright.error.code).toBe('EXPERT_FAILED');
    expect(json.results[0].reward).toBeCloseTo(meanBrightness(red) / 2, 10); // only "half" scored (onMissing skip)
    expect(json.results[1]).toMatchObject({ reward: null, error: { code: 'IMAGE_DECODE' } });
    expect(json.results[2].reward).toBeCloseTo(expectedReward(grey), 10);
  });

  it('serves the JSON schemas at GET /v1/schema', async () => {
    const response = await fetch(`${server.url}/v1/schema`);
    const schemas = (await response.json()) as Record<string, { title: string }>;
    expect(Object.keys(schemas).sort()).toEqual(['openRlhfRequest', 'scoreRequest', 'scoreResponse']);
    expect(schemas.scoreRequest!.title).toContain('/v1/score');
  });

  it('answers 400 for malformed JSON and for a request that breaks the schema', async () => {
    const malformed = await postJson(`${server.url}/v1/score`, '{"items": [');
    expect(malformed.status).toBe(400);
    expect(malformed.json.error.code).toBe('malformed_json');
    const invalid = await postJson(`${server.url}/v1/score`, { items: [{ prompt: 'no image' }] });
    expect(invalid.status).toBe(400);
    expect(invalid.json.error.message).toContain('image');
  });

  it('answers 413 for a body over the limit (declared length and chunked)', async () => {
    const big = Buffer.alloc(300 * 1024, 0x20);
    expect(await rawPost(`${server.url}/v1/score`, [big], { 'content-type': 'application/json', 'content-length': String(big.length) })).toBe(413);
    const chunks = Array.from({ length: 5 }, () => Buffer.alloc(64 * 1024, 0x20));
    expect(await rawPost(`${server.url}/v1/score`, chunks, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' })).toBe(413);
    // The server still serves afterwards.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('refuses paths outside the image root, "../" traversal, and absolute paths (403)', async () => {
    const outside = path.join(path.dirname(root), `${path.basename(root)}-outside.png`);
    for (const image of [outside, `../../${path.basename(root)}-outside.png`, 'sub/../red.png', { path: '../images/red.png' }, '/etc/passwd']) {
      const { status, json } = await postJson(`${server.url}/v1/score`, { items: [{ image, prompt: 'x' }] });
      expect(status, JSON.stringify(image)).toBe(403);
      expect(json.error.code).toBe('IMAGE_SOURCE_NOT_ALLOWED');
    }
  });

  it('refuses http URLs off the allow-list and fetches allow-listed ones', async () => {
    const refused = await postJson(`${server.url}/v1/score`, { items: [{ image: `${imageOrigin}/red.png`, prompt: 'x' }] });
    expect(refused.status).toBe(403);
    expect(refused.json.error.code).toBe('IMAGE_SOURCE_NOT_ALLOWED');
    const otherScheme = await postJson(`${server.url}/v1/score`, { items: [{ image: 'ftp://example.com/a.png', prompt: 'x' }] });
    expect(otherScheme.status).toBe(403);
    const allowed = await postJson(`${server.url}/v1/score`, { items: [{ image: { url: `${imageOrigin}/allowed/grey.png` }, prompt: 'x' }] });
    expect(allowed.status).toBe(200);
    expect(allowed.json.results[0].reward).toBeCloseTo(expectedReward(grey), 10);
  });

  it('speaks OpenRLHF: images in "labels" (string or {image}) or "images"; rewards, scores, extra_logs', async () => {
    const { status, json } = await postJson(`${server.url}/openrlhf/reward`, {
      query: ['a red square. <image>', 'a grey square. <image>'],
      prompts: ['a red square', 'a grey square'],
      labels: [pngRed.toString('base64'), { image: `data:image/png;base64,${pngGrey.toString('base64')}` }],
    });
    expect(status).toBe(200);
    expect(json.rewards).toHaveLength(2);
    expect(json.rewards[0]).toBeCloseTo(expectedReward(red), 10);
    expect(json.rewards[1]).toBeCloseTo(expectedReward(grey), 10);
    expect(json.scores).toEqual(json.rewards);
    expect(json.extra_logs.bright[0]).toBeCloseTo(meanBrightness(red), 10);
    expect(json.extra_logs.half[1]).toBeCloseTo(meanBrightness(grey) / 2, 10);

    const viaImages = await postJson(`${server.url}/get_reward?failed_reward=-1`, {
      query: ['fine', 'broken'],
      images: [pngRed.toString('base64'), { base64: Buffer.from('garbage bytes, not an image').toString('base64') }],
    });
    expect(viaImages.status).toBe(200);
    expect(viaImages.json.rewards[0]).toBeCloseTo(expectedReward(red), 10);
    expect(viaImages.json.rewards[1]).toBe(-1);
    expect(viaImages.json.errors[1].code).toBe('IMAGE_DECODE');

    const missing = await postJson(`${server.url}/openrlhf/reward`, { query: ['no image'] });
    expect(missing.status).toBe(400);
  });

  it('speaks KServe v2: health, server and model metadata, readiness, JSON inference', async () => {
    expect((await fetch(`${server.url}/v2/health/live`)).status).toBe(200);
    expect((await fetch(`${server.url}/v2/health/ready`)).status).toBe(200);
    expect(((await (await fetch(`${server.url}/v2`)).json()) as { extensions: string[] }).extensions).toContain('binary_tensor_data');
    const metadata = (await (await fetch(`${server.url}/v2/models/t2i-reward`)).json()) as { inputs: { name: string }[]; outputs: { name: string }[] };
    expect(metadata.inputs.map((input) => input.name)).toEqual(['IMAGE', 'PROMPT', 'SPEC']);
    expect(metadata.outputs.map((output) => output.name)).toEqual(['REWARD', 'SCORE_bright', 'RAW_bright', 'SCORE_half', 'RAW_half', 'INFO']);
    expect((await fetch(`${server.url}/v2/models/t2i-reward/ready`)).status).toBe(200);
    expect((await fetch(`${server.url}/v2/models/bright/versions/1/ready`)).status).toBe(200);
    expect((await fetch(`${server.url}/v2/models/nope/ready`)).status).toBe(404);

    const { status, json } = await postJson(`${server.url}/v2/models/t2i-reward/infer`, {
      id: 'req-1',
      inputs: [
        { name: 'IMAGE', shape: [2], datatype: 'BYTES', data: [pngRed.toString('base64'), `data:image/png;base64,${pngGrey.toString('base64')}`] },
        { name: 'PROMPT', shape: [2], datatype: 'BYTES', data: ['red', 'fail me'] },
      ],
    });
    expect(status).toBe(200);
    expect(json).toMatchObject({ model_name: 't2i-reward', model_version: '1', id: 'req-1' });
    const output = (name: string) => json.outputs.find((tensor: { name: string }) => tensor.name === name);
    expect(output('REWARD')).toMatchObject({ datatype: 'FP32', shape: [2] });
    expect(output('REWARD').data[0]).toBeCloseTo(expectedReward(red), 6);
    expect(output('SCORE_bright').data[1]).toBeNull(); // NaN travels as null in JSON
    expect(JSON.parse(output('INFO').data[1]).experts.bright.error.code).toBe('EXPERT_FAILED');

    const bad = await postJson(`${server.url}/v2/models/t2i-reward/infer`, { inputs: [{ name: 'PROMPT', shape: [1], datatype: 'BYTES', data: ['x'] }] });
    expect(bad.status).toBe(400);
    expect(typeof bad.json.error).toBe('string');
  });

  it('speaks KServe v2 binary-data extension: BYTES images in, binary FP32 and BYTES out', async () => {
    // Built by hand (not with the codec under test): JSON header, then per element a 4-byte LE length + bytes.
    const element = (bytes: Buffer) => Buffer.concat([Buffer.from(Uint32Array.of(bytes.length).buffer), bytes]);
    const imageData = Buffer.concat([element(pngRed), element(pngGrey)]);
    const promptData = Buffer.concat([element(Buffer.from('red')), element(Buffer.from('grey'))]);
    const header = Buffer.from(
      JSON.stringify({
        inputs: [
          { name: 'IMAGE', shape: [2, 1], datatype: 'BYTES', parameters: { binary_data_size: imageData.length } },
          { name: 'PROMPT', shape: [2, 1], datatype: 'BYTES', parameters: { binary_data_size: promptData.length } },
        ],
        outputs: [{ name: 'REWARD', parameters: { binary_data: true } }, { name: 'INFO', parameters: { binary_data: true } }, { name: 'RAW' }],
      }),
    );
    const response = await fetch(`${server.url}/v2/models/bright/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', [INFERENCE_HEADER_CONTENT_LENGTH]: String(header.length) },
      body: Buffer.concat([header, imageData, promptData]),
    });
    expect(response.status).toBe(200);
    const body = Buffer.from(await response.arrayBuffer());
    const headerLength = Number(response.headers.get(INFERENCE_HEADER_CONTENT_LENGTH));
    const json = JSON.parse(body.subarray(0, headerLength).toString()) as {
      outputs: { name: string; parameters?: { binary_data_size: number }; data?: number[] }[];
    };
    expect(json.outputs.map((output) => output.name)).toEqual(['REWARD', 'INFO', 'RAW']);
    expect(json.outputs[0]!.parameters!.binary_data_size).toBe(8);
    const rewards = new Float32Array(
      body.subarray(headerLength, headerLength + 8).buffer.slice(body.byteOffset + headerLength, body.byteOffset + headerLength + 8),
    );
    expect(rewards[0]).toBeCloseTo(meanBrightness(red), 6);
    expect(rewards[1]).toBeCloseTo(meanBrightness(grey), 6);
    expect(json.outputs[2]!.data![0]).toBeCloseTo(meanBrightness(red), 6); // the mock's raw is its score
    // And the codec reads the same message back.
    const decoded = decodeInferMessage(body, headerLength, 'outputs');
    expect(JSON.parse(String(decoded.tensors[1]!.values[0]))).toEqual({ warnings: [] });
  });

  it('exposes Prometheus metrics: per-expert latency, batch sizes, queue depth, errors', async () => {
    const response = await fetch(`${server.url}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toMatch(/t2ir_expert_duration_seconds_bucket\{le="[^"]+",expert="bright"\} \d+/);
    expect(text).toMatch(/t2ir_expert_duration_seconds_count\{expert="half"\} [1-9]/);
    expect(text).toMatch(/t2ir_batch_size_count [1-9]/);
    expect(text).toMatch(/t2ir_queue_depth 0/);
    expect(text).toMatch(/t2ir_errors_total\{stage="image",code="IMAGE_SOURCE_NOT_ALLOWED"\} [1-9]/);
    expect(text).toMatch(/t2ir_requests_total\{protocol="native",status="200"\} [1-9]/);
    expect(text).toMatch(/t2ir_ready 1/);
  });
});

describe('auth', () => {
  it('answers 401 without the bearer token or with a wrong one; health stays public', async () => {
    const server = createRewardServer({ ensemble: buildEnsemble(), token: 's3cret' });
    await server.listen();
    await server.ready;
    try {
      const body = { items: [{ image: (await encodeImage(red, 'png')).toString('base64'), prompt: 'x' }] };
      const missing = await postJson(`${server.url}/v1/score`, body);
      expect(missing.status).toBe(401);
      expect(missing.headers.get('www-authenticate')).toBe('Bearer');
      expect((await postJson(`${server.url}/v1/score`, body, { authorization: 'Bearer wrong' })).status).toBe(401);
      expect((await postJson(`${server.url}/v2/models/t2i-reward/infer`, {}, { authorization: 'Basic czNjcmV0' })).status).toBe(401);
      expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
      expect((await postJson(`${server.url}/v1/score`, body, { authorization: 'Bearer s3cret' })).status).toBe(200);
      expect((await fetch(`${server.url}/v2/health/ready`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('serving behaviour (gated expert: the queue fills without timing)', () => {
  async function until(condition: () => boolean): Promise<void> {
    while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  it('batches items of concurrent requests together up to maxBatch', async () => {
    const gated = new GatedReward();
    const server = createRewardServer({
      ensemble: createEnsemble({ experts: [{ name: 'gated', model: gated }] }),
      warmup: false,
      maxBatch: 4,
      maxWaitMs: 0,
      maxQueue: 100,
    });
    await server.listen();
    const png = (await encodeImage(red, 'png')).toString('base64');
    const one = () => postJson(`${server.url}/v1/score`, { items: [{ image: png, prompt: 'x' }] });
    try {
      const first = one();
      await until(() => server.stats().runningBatches === 1);
      const rest = Array.from({ length: 6 }, one);
      await until(() => server.stats().batchQueue === 6);
      gated.release();
      const responses = await Promise.all([first, ...rest]);
      expect(responses.map((response) => response.status)).toEqual(Array(7).fill(200));
      // First alone, then the six queued ones in batches of at most 4.
      expect(gated.batchSizes).toEqual([1, 4, 2]);
      for (const response of responses) expect(response.json.results[0].reward).toBeCloseTo(meanBrightness(red), 10);
    } finally {
      await server.close();
    }
  });

  it('answers 429 with Retry-After when the queue is full while every accepted request gets its answer', async () => {
    const gated = new GatedReward();
    const server = createRewardServer({
      ensemble: createEnsemble({ experts: [{ name: 'gated', model: gated }] }),
      warmup: false,
      maxBatch: 1,
      maxWaitMs: 0,
      maxQueue: 2,
      retryAfterSeconds: 3,
    });
    await server.listen();
    const png = (await encodeImage(grey, 'png')).toString('base64');
    const one = () => postJson(`${server.url}/v1/score`, { items: [{ image: png, prompt: 'x' }] });
    try {
      const running = one();
      await until(() => server.stats().runningBatches === 1);
      const queued = [one(), one()];
      await until(() => server.stats().batchQueue === 2);
      const refused = await one();
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('3');
      expect(refused.json.error.code).toBe('queue_full');
      const tooMany = await postJson(`${server.url}/v1/score`, { items: [1, 2, 3].map(() => ({ image: png, prompt: 'x' })) });
      expect(tooMany.status).toBe(413);
      gated.release();
      const accepted = await Promise.all([running, ...queued]);
      for (const response of accepted) {
        expect(response.status).toBe(200);
        expect(response.json.results[0].reward).toBeCloseTo(meanBrightness(grey), 10);
      }
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metrics).toMatch(/t2ir_errors_total\{stage="request",code="queue_full"\} 1/);
      // Once per refusal: not also under the admission's own reason name.
      expect(metrics).not.toMatch(/code="queue-full"/);
    } finally {
      await server.close();
    }
  });

  it('answers 503 while not ready and while shutting down; close() finishes accepted work first', async () => {
    const gated = new GatedReward();
    const server = createRewardServer({ ensemble: createEnsemble({ experts: [{ name: 'gated', model: gated }] }), maxBatch: 8, maxWaitMs: 0 });
    await server.listen();
    const png = (await encodeImage(grey, 'png')).toString('base64');
    const one = () => postJson(`${server.url}/v1/score`, { items: [{ image: png, prompt: 'x' }] });
    // The warm-up batch is held by the gate: models "still loading".
    const notReady = await one();
    expect(notReady.status).toBe(503);
    expect(notReady.headers.get('retry-after')).toBe('1');
    expect((await fetch(`${server.url}/v2/health/ready`)).status).toBe(503);
    gated.release();
    await server.ready;
    const gated2 = new GatedReward();
    const server2 = createRewardServer({ ensemble: createEnsemble({ experts: [{ name: 'gated', model: gated2 }] }), warmup: false, maxBatch: 1, maxWaitMs: 0 });
    await server2.listen();
    const inFlight = [0, 1, 2].map(() => postJson(`${server2.url}/v1/score`, { items: [{ image: png, prompt: 'x' }] }));
    await until(() => server2.stats().runningBatches === 1 && server2.stats().queued === 2);
    const closed = server2.close();
    await until(() => !server2.isReady());
    // New work on a live keep-alive connection gets 503; a new connection is refused.
    const late = await postJson(`${server2.url}/v1/score`, { items: [{ image: png, prompt: 'x' }] }).catch((error: Error) => ({ status: 0, error }));
    expect([0, 503]).toContain(late.status);
    gated2.release();
    const answers = await Promise.all(inFlight);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    await closed;
    await server.close();
  });

  it('stays not ready (503) when the warm-up cannot load a model', async () => {
    class UnloadableReward extends BaseReward {
      constructor() {
        super({ kind: 'broken', modelId: 'broken/missing-weights', version: 'test' });
      }
      protected async scoreBatch(): Promise<RewardItemResult[]> {
        throw new ModelLoadError('weights not found');
      }
    }
    const server = createRewardServer({ ensemble: createEnsemble({ experts: [{ model: new UnloadableReward() }] }) });
    await server.listen();
    try {
      await expect(server.ready).rejects.toThrow(/broken: weights not found/);
      expect((await fetch(`${server.url}/v2/health/ready`)).status).toBe(503);
      expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
    } finally {
      await server.close();
    }
  });

  it('answers 504 when a request outlives its deadline, and withdraws its queued items', async () => {
    const gated = new GatedReward();
    const server = createRewardServer({
      ensemble: createEnsemble({ experts: [{ name: 'gated', model: gated }] }),
      warmup: false,
      maxBatch: 1,
      maxWaitMs: 0,
      requestTimeoutMs: 100,
    });
    await server.listen();
    const png = (await encodeImage(grey, 'png')).toString('base64');
    try {
      const [first, second] = await Promise.all([0, 1].map(() => postJson(`${server.url}/v1/score`, { items: [{ image: png, prompt: 'x' }] })));
      expect(first!.status).toBe(504);
      expect(second!.status).toBe(504);
      expect(server.stats().queued).toBe(0);
    } finally {
      gated.release();
      await server.close();
    }
  });
});

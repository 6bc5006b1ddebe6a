import { connect } from 'node:net';
import { createEnsemble, encodeImage } from '@t2i-reward/core';
import { createMockReward, createTestImage } from '@t2i-reward/core/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRewardServer, type RewardServer } from './server.js';

/** mulberry32: a small seeded PRNG, so a failing case can be replayed from its index. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH', 'TRACE', 'CONNECT', 'PROPFIND', 'get', 'G3T', '', 'POST POST', '\u00e9'];
const TARGET_PARTS = [
  '/',
  '//',
  '///',
  '/v1/score',
  '/v1/models',
  '/v1/schema',
  '/openrlhf/reward',
  '/get_reward',
  '/v2',
  '/v2/health/ready',
  '/v2/models/',
  '/v2/models/t2i-reward',
  '/infer',
  '/ready',
  '/versions/1',
  '/metrics',
  '/healthz',
  '/health',
  '/readyz',
  '%',
  '%ZZ',
  '%00',
  '%2F',
  '%E0%A4%A',
  '[',
  ']',
  '::',
  ':',
  '@',
  '?',
  '?failed_reward=x',
  '#',
  '..',
  '/../',
  '\\',
  '*',
  'http://',
  'http://[/',
  '//a:b',
  '//a:99999/',
  'ftp://x/',
  '\u00e9',
  '\u{1F436}',
  '\t',
  ' ',
  'a'.repeat(3000),
  '?x=' + '%'.repeat(50),
];
const HEADER_LINES = [
  'Host: x',
  'host:',
  'Content-Type: application/json',
  'Content-Type: text/plain',
  'content-type: application/octet-stream',
  'Content-Length: 0',
  'Content-Length: 5',
  'Content-Length: -1',
  'Content-Length: 99999999999999999999',
  'Content-Length: abc',
  'Content-Length: 1\r\nContent-Length: 2',
  'Transfer-Encoding: chunked',
  'Transfer-Encoding: gzip, chunked',
  'Transfer-Encoding: bogus',
  'Expect: 100-continue',
  'Expect: 999-nope',
  'Authorization: Bearer x',
  'Authorization: Basic',
  'Connection: keep-alive',
  'Connection: upgrade',
  'Upgrade: websocket',
  'Inference-Header-Content-Length: 3',
  'Inference-Header-Content-Length: -9',
  'Inference-Header-Content-Length: x',
  'X-Folded: a\r\n b',
  'NoColonHeader',
  ': empty-name',
  'X-Long: ' + 'b'.repeat(20_000),
  'X-Ctl: \u0001\u0002',
  'X-Utf8: \u00e9\u{1F436}',
];
const BODIES = [
  '',
  '{',
  '{}',
  '{"items":[]}',
  '{"items":[{"image":"x","prompt":"p"}]}',
  '0\r\n\r\n',
  '5\r\nhello\r\n0\r\n\r\n',
  'zz\r\n',
  '\u0000\u0001\u0002',
  '[]'.repeat(500),
];

function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)]!;
}

/** Parts an HTTP parser lets through, so that half of the cases reach routing, auth, admission and the protocols. */
const TAME_METHODS = METHODS.slice(0, 9);
const TAME_PARTS = TARGET_PARTS.filter((part) => /^[\x21-\x7e]*$/.test(part));
const TAME_HEADERS = HEADER_LINES.filter((line) => /^[A-Za-z-]+: [\x20-\x7e]*$/.test(line) && !/^(content-length|transfer-encoding):/i.test(line));
const TAME_TYPES = ['Content-Type: application/json', 'Content-Type: text/plain', 'Content-Type: application/octet-stream'];

function fuzzCase(index: number): string {
  const random = prng(0x5eed + index);
  const tame = index % 2 === 0;
  const method = pick(random, tame ? TAME_METHODS : METHODS);
  const parts = Array.from({ length: 1 + Math.floor(random() * 4) }, () => pick(random, tame ? TAME_PARTS : TARGET_PARTS));
  const joined = parts.join('');
  const target = tame ? (joined.startsWith('/') ? joined : `/${joined}`) : random() < 0.1 ? '' : joined;
  const version = tame || random() < 0.9 ? 'HTTP/1.1' : pick(random, ['HTTP/1.0', 'HTTP/2.0', 'HTTP/9', 'http/1.1', '']);
  const headers = Array.from({ length: Math.floor(random() * 5) }, () => pick(random, tame ? TAME_HEADERS : HEADER_LINES));
  if (tame || random() < 0.8) headers.unshift('Host: localhost');
  const body = random() < 0.5 ? pick(random, BODIES) : '';
  // Tame cases frame their body correctly, so the request reaches the routes and the protocols.
  if (tame && body) headers.push(pick(random, TAME_TYPES), `Content-Length: ${Buffer.byteLength(body)}`);
  const lineEnd = tame || random() < 0.95 ? '\r\n' : '\n';
  return `${method} ${target} ${version}${lineEnd}${headers.join(lineEnd)}${headers.length ? lineEnd : ''}${lineEnd}${body}`;
}

/** Writes one request (then half-closes) on a fresh connection; resolves with what came back when the server closes. */
function exchange(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const timer = setTimeout(() => socket.destroy(), 5_000);
    socket.on('connect', () => socket.end(Buffer.from(text, 'utf8')));
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
    socket.on('error', () => {});
  });
}

const CASES = 1_200;

describe('fuzz: random request-targets, header lines and methods through a raw socket', () => {
  let server: RewardServer;
  let port: number;

  beforeAll(async () => {
    server = createRewardServer({ ensemble: createEnsemble({ experts: [{ name: 'bright', model: createMockReward() }] }), requestTimeoutMs: 5_000 });
    await server.listen();
    await server.ready;
    port = Number(new URL(server.url).port);
  });

  afterAll(async () => {
    await server.close();
  });

  it(`the server is up and answering after every one of ${CASES} cases, and never answers 500`, async () => {
    const statuses = new Map<string, number>();
    for (let index = 0; index < CASES; index++) {
      const text = fuzzCase(index);
      const answer = await exchange(port, text);
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1] ?? 'closed';
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      expect(status, `case ${index}: ${JSON.stringify(text.slice(0, 300))}`).not.toBe('500');
      const health = await exchange(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      expect(health, `after case ${index}: ${JSON.stringify(text.slice(0, 300))}`).toMatch(/^HTTP\/1\.1 200 /);
    }
    // The cases reach the routes (not only the HTTP parser): several kinds of answers came back.
    expect([...statuses.keys()].filter((status) => status !== 'closed').length).toBeGreaterThanOrEqual(5);
    const png = (await encodeImage(createTestImage(4, 4, [1, 2, 3]), 'png')).toString('base64');
    const scored = await fetch(`${server.url}/v1/score`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items: [{ image: png, prompt: 'x' }] }),
    });
    expect(scored.status).toBe(200);
    expect(server.stats()).toMatchObject({ admittedItems: 0, inflightBytes: 0, inflightPixels: 0 });
  }, 300_000);
});

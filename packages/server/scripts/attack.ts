/**
 * Soak / attack suite (issue 21): replays what broke the server as an attacker would (loopback only, default
 * options, a cheap mock expert behind the real ensemble so prompts are parsed as in production) and prints one
 * table: probe, requests, status codes, /healthz max latency, RSS peak and RSS after idle (of the server
 * process, read from /proc; the peak is VmHWM after resetting it through /proc/PID/clear_refs).
 * Each probe gets a fresh server process.
 *
 *   npm run attack -w @t2i-reward/server [-- --only prompts,invalid --scale 0.25 --idle 30 --slow-seconds 30 --server '{"healthPort":0}']
 *
 * --scale shrinks every size and count (0.1 for a quick look); --idle is how long to wait before reading "after idle".
 * Not part of `npm test` (it takes minutes); `attack.test.ts` runs a fast subset of each probe.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { getPriority, loadavg, setPriority } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { DEFAULT_MAX_INFLIGHT_PIXELS } from '../src/server.js';
import { chargedPixels } from '../src/core/scoring.js';

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    scale: { type: 'string', default: '1' },
    idle: { type: 'string', default: '30' },
    'slow-seconds': { type: 'string', default: '30' },
    'load-seconds': { type: 'string', default: '10' },
    server: { type: 'string', default: '{}' },
    'client-nice': { type: 'string', default: '10' },
    json: { type: 'string' },
  },
});
const SCALE = Number(values.scale);
const IDLE_S = Number(values.idle);
const SLOW_S = Number(values['slow-seconds']);
const LOAD_S = Number(values['load-seconds']);
const CLIENT_NICE = Number(values['client-nice']);
const serverScript = fileURLToPath(new URL('./attack-server.ts', import.meta.url));
const MB = 1024 * 1024;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Row {
  probe: string;
  requests: number;
  statuses: string;
  healthMaxMs: number;
  healthP99Ms: number;
  /** The server's main-thread event-loop delay over the probe (monitorEventLoopDelay, 10 ms resolution). */
  loopMaxMs: number;
  rssBeforeMb: number;
  rssPeakMb: number;
  rssIdleMb: number;
  notes: string;
}

interface ServerProc {
  child: ChildProcess;
  url: string;
  /** Where /healthz is polled: the health port when the server has one (--server '{"healthPort":0}'). */
  healthUrl: string;
  port: number;
  exited: Promise<number | null>;
  stderr: () => string;
  /** The server's event-loop delay since the last call (it answers SIGUSR2 on stdout); NaN when it does not answer. */
  loopDelay: () => Promise<{ maxMs: number; p99Ms: number }>;
}

async function startServer(extra: Record<string, unknown> = {}): Promise<ServerProc> {
  const options = { ...(JSON.parse(values.server!) as Record<string, unknown>), ...extra };
  // ATTACK_NODE_ARGS: extra node flags for the server (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
  const nodeArgs = (process.env.ATTACK_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, '--conditions=t2ir-source', '--import', 'tsx', serverScript, JSON.stringify(options)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()).slice(-4000));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  const reader = createInterface({ input: child.stdout! });
  const { url, healthUrl } = await new Promise<{ url: string; healthUrl?: string }>((resolve, reject) => {
    reader.once('line', (line) => resolve(JSON.parse(line) as { url: string; healthUrl?: string }));
    void exited.then((code) => reject(new Error(`attack server exited (${code}): ${stderr}`)));
  });
  const loopDelay = async () => {
    const none = { maxMs: NaN, p99Ms: NaN };
    if (child.exitCode !== null || child.signalCode !== null) return none;
    const line = new Promise<{ maxMs: number; p99Ms: number }>((resolve) => {
      reader.once('line', (text) => resolve((JSON.parse(text) as { loop: { maxMs: number; p99Ms: number } }).loop));
    });
    child.kill('SIGUSR2');
    return Promise.race([line, sleep(10_000).then(() => none)]);
  };
  return { child, url, healthUrl: healthUrl ?? url, port: Number(new URL(url).port), exited, stderr: () => stderr, loopDelay };
}

async function stopServer(server: ServerProc): Promise<void> {
  if (server.child.exitCode === null && server.child.signalCode === null) {
    server.child.kill('SIGTERM');
    await Promise.race([server.exited, sleep(5000)]);
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
  }
}

/** A memory field of /proc/<pid>/status (VmRSS: now, VmHWM: peak since start or resetHwm), in MB; NaN when unreadable. */
function procStatusMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

const rssMb = (pid: number): number => procStatusMb(pid, 'VmRSS');
const hwmMb = (pid: number): number => procStatusMb(pid, 'VmHWM');

function resetHwm(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    /* older kernels: the peak is then since start */
  }
}

interface Answer {
  status: number | string;
  ms: number;
  bytes: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

function request(
  url: string,
  options: {
    method?: string;
    path: string;
    body?: Buffer | string;
    headers?: Record<string, string>;
    localAddress?: string;
    timeoutMs?: number;
    agent?: http.Agent;
  },
): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve) => {
    const target = new URL(options.path, url);
    const req = http.request(
      target,
      {
        method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
        agent: options.agent ?? false,
        headers: {
          ...(options.body !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(options.body)) } : {}),
          ...options.headers,
        },
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      },
      (response) => {
        const chunks: Buffer[] = [];
        let bytes = 0;
        response.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes < 4096) chunks.push(chunk);
        });
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            ms: performance.now() - started,
            bytes,
            body: Buffer.concat(chunks).toString('utf8').slice(0, 4096),
            headers: response.headers,
          }),
        );
        response.on('error', (error) =>
          resolve({ status: (error as NodeJS.ErrnoException).code ?? 'error', ms: performance.now() - started, bytes, body: '', headers: {} }),
        );
      },
    );
    req.setTimeout(options.timeoutMs ?? 300_000, () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (error) =>
      resolve({ status: (error as NodeJS.ErrnoException).code ?? 'error', ms: performance.now() - started, bytes: 0, body: '', headers: {} }),
    );
    req.end(options.body);
  });
}

/**
 * Polls /healthz every `everyMs` (a fresh connection each time, as a kubelet does) until stopped, from a
 * process of its own: the probes' own work (1,100 dripping sockets, big bodies) would otherwise delay the
 * poller's event loop and be read as the server's latency.
 */
function healthPoller(url: string, everyMs = 50) {
  const source = `
    const http = require('node:http');
    const results = [];
    let running = true;
    process.stdin.on('data', () => (running = false));
    process.stdin.resume();
    const once = () => new Promise((resolve) => {
      const started = performance.now();
      const request = http.get(${JSON.stringify(url)} + '/healthz', { agent: false, timeout: 60000 }, (response) => {
        response.resume();
        response.on('end', () => resolve([performance.now() - started, String(response.statusCode)]));
      });
      request.on('timeout', () => request.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
      request.on('error', (error) => resolve([performance.now() - started, error.code || 'error']));
    });
    (async () => {
      while (running) {
        results.push(await once());
        await new Promise((resolve) => setTimeout(resolve, ${everyMs}));
      }
      process.stdout.write(JSON.stringify(results), () => process.exit(0));
    })();`;
  const child = spawn(process.execPath, ['-e', source], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    async stop() {
      child.stdin!.end('stop');
      await exited;
      const results = out ? (JSON.parse(out) as [number, string][]) : [];
      const statuses = new Map<string, number>();
      for (const [, status] of results) statuses.set(status, (statuses.get(status) ?? 0) + 1);
      const sorted = results.map(([ms]) => ms).sort((a, b) => a - b);
      const p99 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? NaN;
      return { max: Math.max(0, ...sorted), p99, count: sorted.length, statuses: countText(statuses) };
    },
  };
}

function countText(counts: Map<string, number>): string {
  return [...counts.entries()]
    .sort()
    .map(([status, count]) => `${status}×${count}`)
    .join(' ');
}

function tally(answers: readonly Answer[]): string {
  const counts = new Map<string, number>();
  for (const answer of answers) counts.set(String(answer.status), (counts.get(String(answer.status)) ?? 0) + 1);
  return countText(counts);
}

let smallPng: string | undefined;
async function tinyPngBase64(): Promise<string> {
  smallPng ??= (
    await sharp({ create: { width: 32, height: 32, channels: 3, background: { r: 200, g: 80, b: 40 } } })
      .png()
      .toBuffer()
  ).toString('base64');
  return smallPng;
}

/** Runs one probe on a fresh server: health polled throughout, RSS peak over the probe and after idle. */
async function probe(
  name: string,
  work: (server: ServerProc, partial: Answer[]) => Promise<{ answers: Answer[]; notes?: string }>,
  extra: Record<string, unknown> = {},
): Promise<Row> {
  const server = await startServer(extra);
  const pid = server.child.pid!;
  try {
    await sleep(500);
    const before = rssMb(pid);
    resetHwm(pid);
    await server.loopDelay(); // starts the server's loop histogram over (start-up and warm-up are not the probe's)
    const health = healthPoller(server.healthUrl);
    await sleep(1000); // the poller's process is up and polling before the probe starts
    let result: { answers: Answer[]; notes?: string };
    let crashed = '';
    // Answers a probe got before the server died (the probe itself never returns then).
    const partial: Answer[] = [];
    try {
      result = await Promise.race([
        work(server, partial),
        server.exited.then((code) => {
          throw new Error(`server exited (${code})`);
        }),
      ]);
    } catch (error) {
      crashed = (error as Error).message;
      result = { answers: partial };
    }
    const peak = hwmMb(pid);
    const healthStats = await health.stop();
    const loop = await server.loopDelay();
    let idle = NaN;
    if (server.child.exitCode === null && server.child.signalCode === null) {
      await sleep(IDLE_S * 1000);
      idle = rssMb(pid);
    }
    const died =
      server.child.exitCode !== null || server.child.signalCode !== null
        ? `; server died: ${/FATAL ERROR[^\n]*/.exec(server.stderr())?.[0] ?? server.stderr().slice(-200)}`
        : '';
    return {
      probe: name,
      requests: result.answers.length,
      statuses: tally(result.answers),
      healthMaxMs: healthStats.max,
      healthP99Ms: healthStats.p99,
      loopMaxMs: loop.maxMs,
      rssBeforeMb: before,
      rssPeakMb: peak,
      rssIdleMb: idle,
      notes: `${result.notes ?? ''}${crashed ? `; ${crashed}` : ''}${died}; healthz ${healthStats.statuses}, p99 ${healthStats.p99.toFixed(0)} ms, max ${healthStats.max.toFixed(0)} ms (${healthStats.count} probes); server event loop delay max ${loop.maxMs.toFixed(0)} ms, p99 ${loop.p99Ms.toFixed(0)} ms`,
    };
  } finally {
    await stopServer(server);
  }
}

// ---- the probes ----

/** Issue 21 #1: distinct large prompts, one item each, sequentially. */
async function distinctPrompts(server: ServerProc, partial: Answer[]) {
  const count = Math.max(2, Math.round(60 * SCALE));
  const size = Math.max(1, Math.round(50 * MB * SCALE));
  const image = await tinyPngBase64();
  const answers = partial;
  const base = 'a photo of a red car next to a dog '.repeat(Math.ceil(size / 35)).slice(0, size);
  for (let index = 0; index < count; index++) {
    const prompt = `${index} ${base}`.slice(0, size);
    const body = JSON.stringify({ items: [{ image, prompt }] });
    answers.push(await request(server.url, { path: '/v1/score', body }));
    if (server.child.exitCode !== null || server.child.signalCode !== null) break;
  }
  const worst = Math.max(...answers.map((answer) => answer.ms));
  return { answers, notes: `${count} × ${(size / MB).toFixed(1)} MB prompts; slowest ${worst.toFixed(0)} ms; first body: ${answers[0]?.body.slice(0, 120)}` };
}

/** Issue 21 #2: one body of wrongly-shaped items, sent 5 times one after the other (health is polled throughout). */
async function invalidItems(server: ServerProc) {
  const size = Math.max(64 * 1024, Math.round(16 * MB * SCALE));
  const element = '{"image":0},';
  const body = `{"items":[${element.repeat(Math.floor(size / element.length) - 1)}{"image":0}]}`;
  const answers: Answer[] = [];
  for (let round = 0; round < 5; round++) answers.push(await request(server.url, { path: '/v1/score', body }));
  const answer = answers[0]!;
  return {
    answers,
    notes: `${(body.length / MB).toFixed(1)} MB body ×5 → ${tally(answers)} in ${answers.map((each) => each.ms.toFixed(0)).join(', ')} ms, response ${Math.max(...answers.map((each) => each.bytes))} bytes: ${answer.body.slice(0, 160)}`,
  };
}

/** Issue 21 #3: 1,100 sockets dripping headers from 127.0.0.1; scoring from 127.0.0.2 meanwhile. */
async function slowHeaders(server: ServerProc) {
  const count = Math.max(20, Math.round(1100 * Math.min(1, SCALE)));
  const sockets: net.Socket[] = [];
  let closedByServer = 0;
  const line = `POST /v1/score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Slow: ${'a'.repeat(1000)}`;
  for (let index = 0; index < count; index++) {
    const socket = net.connect({ port: server.port, host: '127.0.0.1' });
    socket.on('error', () => {});
    socket.once('close', () => closedByServer++);
    socket.setNoDelay(true);
    sockets.push(socket);
  }
  let position = 0;
  const drip = setInterval(() => {
    for (const socket of sockets) if (!socket.destroyed && position < line.length) socket.write(line[position]!);
    position++;
  }, 10_000);
  for (const socket of sockets) socket.once('connect', () => socket.write(line[0]!));
  position = 1;
  const image = await tinyPngBase64();
  const others: Answer[] = [];
  const sameAddress: Answer[] = [];
  const started = performance.now();
  while (performance.now() - started < SLOW_S * 1000) {
    others.push(
      await request(server.url, {
        path: '/v1/score',
        body: JSON.stringify({ items: [{ image, prompt: 'a red car' }] }),
        localAddress: '127.0.0.2',
        timeoutMs: 30_000,
      }),
    );
    sameAddress.push(await request(server.healthUrl, { path: '/readyz', timeoutMs: 30_000 }));
    await sleep(500);
  }
  clearInterval(drip);
  const open = sockets.filter((socket) => !socket.destroyed).length;
  for (const socket of sockets) socket.destroy();
  return {
    answers: others,
    notes: `${count} slow sockets for ${SLOW_S} s: ${closedByServer} closed by the server, ${open} still open; scoring from 127.0.0.2: ${tally(others)}; /readyz from 127.0.0.1: ${tally(sameAddress)}`,
  };
}

function kserveBinary(
  inputs: { name: string; shape: number[]; raw: Buffer }[],
  extraHeader: Record<string, unknown> = {},
): { body: Buffer; headerLength: number } {
  const header = Buffer.from(
    JSON.stringify({
      inputs: inputs.map((input) => ({ name: input.name, datatype: 'BYTES', shape: input.shape, parameters: { binary_data_size: input.raw.length } })),
      ...extraHeader,
    }),
  );
  return { body: Buffer.concat([header, ...inputs.map((input) => input.raw)]), headerLength: header.length };
}

function lengthPrefixed(values: Buffer[]): Buffer {
  return Buffer.concat(
    values.flatMap((value) => {
      const length = Buffer.alloc(4);
      length.writeUInt32LE(value.length);
      return [length, value];
    }),
  );
}

/** Issue 21 #4: 60 MB of zero bytes as BYTES (15.7 M empty elements), one alone then two at once. */
async function kserveEmpty(server: ServerProc) {
  const size = Math.max(MB, Math.round(60 * MB * SCALE));
  const { body, headerLength } = kserveBinary([
    { name: 'IMAGE', shape: [1], raw: Buffer.alloc(size) },
    { name: 'PROMPT', shape: [1], raw: lengthPrefixed([Buffer.from('a red car')]) },
  ]);
  const send = () =>
    request(server.url, {
      path: '/v2/models/t2i-reward/infer',
      body,
      headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(headerLength) },
    });
  const pid = server.child.pid!;
  const base = rssMb(pid);
  resetHwm(pid);
  const first = await send();
  const growthOne = hwmMb(pid) - base;
  const pair = await Promise.all([send(), send()]);
  return {
    answers: [first, ...pair],
    notes: `${(size / MB).toFixed(0)} MB of zeros → ${first.status} in ${first.ms.toFixed(0)} ms, RSS +${growthOne.toFixed(0)} MB (${first.body.slice(0, 90)}); two at once: ${pair.map((a) => `${a.status} ${a.ms.toFixed(0)} ms`).join(', ')}`,
  };
}

/** Issue 21 #5: malformed "outputs" in a KServe JSON request. */
async function kserveOutputs(server: ServerProc) {
  const image = await tinyPngBase64();
  const answers: Answer[] = [];
  for (const outputs of [{ length: 5 }, [null], 'REWARD', [{ name: 5 }], [{ name: 'REWARD', parameters: 'x' }]]) {
    const body = JSON.stringify({
      inputs: [
        { name: 'IMAGE', datatype: 'BYTES', shape: [1], data: [image] },
        { name: 'PROMPT', datatype: 'BYTES', shape: [1], data: ['a red car'] },
      ],
      outputs,
    });
    answers.push(await request(server.url, { path: '/v2/models/t2i-reward/infer', body }));
  }
  return { answers, notes: answers.map((answer) => `${answer.status} ${answer.body.slice(0, 60)}`).join(' | ') };
}

let bigPng: string | undefined;
async function bigPngBase64(side: number): Promise<string> {
  bigPng ??= (
    await sharp({ create: { width: side, height: side, channels: 3, background: { r: 10, g: 120, b: 200 } } })
      .png({ compressionLevel: 9 })
      .toBuffer()
  ).toString('base64');
  return bigPng;
}

/** Issue 21 #6: an 8192×8192 PNG (at the default pixel limit), alone, then 4 at once. */
async function hugePng(server: ServerProc) {
  const side = Math.max(1024, Math.round(8192 * Math.sqrt(SCALE)));
  const image = await bigPngBase64(side);
  const body = JSON.stringify({ items: [{ image, prompt: 'a blue square' }] });
  const pid = server.child.pid!;
  const base = rssMb(pid);
  resetHwm(pid);
  const one = await request(server.url, { path: '/v1/score', body });
  const peakOne = hwmMb(pid) - base;
  await sleep(2000);
  const base4 = rssMb(pid);
  resetHwm(pid);
  const four = await Promise.all(Array.from({ length: 4 }, () => request(server.url, { path: '/v1/score', body })));
  const peakFour = hwmMb(pid) - base4;
  const charged = (chargedPixels(side, side, 'png') * 3) / MB;
  const serverOptions = JSON.parse(values.server!) as { maxInflightPixels?: number };
  const promise = ((serverOptions.maxInflightPixels ?? DEFAULT_MAX_INFLIGHT_PIXELS) * 3) / MB;
  return {
    answers: [one, ...four],
    notes: `${side}² PNG (${(image.length / 1024).toFixed(0)} KB base64), budget charges ${charged.toFixed(0)} MB/image (RGB ${((side * side * 3) / MB).toFixed(0)} MB + decoder rows): one → ${one.status} in ${one.ms.toFixed(0)} ms, RSS +${peakOne.toFixed(0)} MB (${(peakOne / charged).toFixed(2)}× the charge); four at once → ${tally(four)}, RSS +${peakFour.toFixed(0)} MB (${(peakFour / promise).toFixed(2)}× the budget's promise of ${promise.toFixed(0)} MB)`,
  };
}

/** Last round's breakers: malformed request targets, %ZZ in a KServe model name, KServe data nested 100,000 deep. */
async function oldBreakers(server: ServerProc) {
  const answers: Answer[] = [];
  answers.push(await rawRequest(server.port, 'GET //%zz HTTP/1.1\r\nHost: x\r\n\r\n'));
  answers.push(await rawRequest(server.port, 'GET http://[::1 HTTP/1.1\r\nHost: x\r\n\r\n'));
  answers.push(await request(server.url, { path: '/v2/models/%ZZ/infer', body: '{}' }));
  const deep = `${'['.repeat(100_000)}1${']'.repeat(100_000)}`;
  answers.push(
    await request(server.url, {
      path: '/v2/models/t2i-reward/infer',
      body: `{"inputs":[{"name":"IMAGE","datatype":"BYTES","shape":[1],"data":${deep}},{"name":"PROMPT","datatype":"BYTES","shape":[1],"data":["x"]}]}`,
    }),
  );
  return { answers, notes: answers.map((answer) => answer.status).join(', ') };
}

function rawRequest(port: number, text: string): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' }, () => socket.write(text));
    let data = '';
    socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => {
      const status = /^HTTP\/1\.1 (\d+)/.exec(data)?.[1];
      resolve({ status: status ? Number(status) : 'reset', ms: performance.now() - started, bytes: data.length, body: data.slice(0, 200), headers: {} });
    });
    setTimeout(() => socket.end(), 2000);
  });
}

/** Last round's backlog: 512 clients at once (one item each) against the default queue of 256. */
async function backlog(server: ServerProc) {
  const clients = Math.max(16, Math.round(512 * Math.min(1, SCALE)));
  const image = await tinyPngBase64();
  const answers = await Promise.all(
    Array.from({ length: clients }, (_, index) =>
      request(server.url, { path: '/v1/score', body: JSON.stringify({ items: [{ image, prompt: `a red car ${index}` }] }) }),
    ),
  );
  const refused = answers.filter((answer) => answer.status === 429);
  return {
    answers,
    notes: `${clients} clients: 429 with Retry-After ${refused.filter((answer) => answer.headers['retry-after'] !== undefined).length}/${refused.length}`,
  };
}

/**
 * The load table (no regression): `clients` keep-alive clients, each looping one-item requests for LOAD_S
 * seconds. Each client sends its own gray level and checks the score it gets back is its own (a mixed-up
 * answer would carry another client's); counts resets, 429s without Retry-After, and /healthz p99.
 */
function load(clients: number) {
  return async (server: ServerProc) => {
    const pngs = await Promise.all(
      Array.from({ length: 64 }, async (_, level) =>
        (
          await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: level * 4, g: level * 4, b: level * 4 } } })
            .png()
            .toBuffer()
        ).toString('base64'),
      ),
    );
    const answers: Answer[] = [];
    let mixed = 0;
    let noRetryAfter = 0;
    // /healthz is timed from a process of its own: this one is saturated by the clients, and its own event-loop
    // delay would be read as the server's.
    const health = healthProcess(server.healthUrl, LOAD_S);
    // On one machine the clients compete with the server for the CPU (the server is not to blame for a load
    // generator that starves it or the health prober): the clients' thread runs at a lower priority
    // (--client-nice, default 10) while the server and the prober keep theirs.
    const niceBefore = getPriority();
    try {
      setPriority(Math.max(niceBefore, CLIENT_NICE));
    } catch {
      /* not permitted: measured at equal priority */
    }
    const deadline = performance.now() + LOAD_S * 1000;
    await Promise.all(
      Array.from({ length: clients }, async (_, client) => {
        const level = client % 64;
        const body = JSON.stringify({ items: [{ image: pngs[level], prompt: `client ${client}` }] });
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        try {
          while (performance.now() < deadline) {
            const answer = await request(server.url, { path: '/v1/score', body, agent, timeoutMs: 120_000 });
            answers.push(answer);
            if (answer.status === 200) {
              const reward = (JSON.parse(answer.body) as { results: { reward: number }[] }).results[0]!.reward;
              if (Math.abs(reward - (level * 4) / 255) > 1e-9) mixed++;
            } else if (answer.status === 429) {
              if (answer.headers['retry-after'] === undefined) noRetryAfter++;
              await sleep(Number(answer.headers['retry-after'] ?? 1) * 1000);
            } else await sleep(100);
          }
        } finally {
          agent.destroy();
        }
      }),
    );
    try {
      setPriority(niceBefore);
    } catch {
      /* an unprivileged process cannot lower its niceness again: the later probes' clients stay nice */
    }
    const latencies = (await health).sort((a, b) => a - b);
    const p99 = latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? NaN;
    const resets = answers.filter((answer) => typeof answer.status === 'string').length;
    return {
      answers,
      notes: `${clients} keep-alive clients × ${LOAD_S} s: ${resets} resets/transport errors, ${mixed} mixed-up answers, ${noRetryAfter} 429 without Retry-After, /healthz p99 ${p99.toFixed(0)} ms (${latencies.length} probes)`,
    };
  };
}

/** Polls `url`/healthz every 25 ms for `seconds` from a child process; resolves with the latencies in ms. */
function healthProcess(url: string, seconds: number): Promise<number[]> {
  const source = `
    const http = require('node:http');
    const latencies = [];
    const deadline = Date.now() + ${seconds * 1000};
    const once = () => new Promise((resolve) => {
      const started = performance.now();
      const request = http.get(${JSON.stringify(url)} + '/healthz', { agent: false }, (response) => {
        response.resume();
        response.on('end', () => resolve(performance.now() - started));
      });
      request.on('error', () => resolve(performance.now() - started));
    });
    (async () => {
      while (Date.now() < deadline) {
        latencies.push(await once());
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      process.stdout.write(JSON.stringify(latencies));
    })();`;
  const child = spawn(process.execPath, ['-e', source], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve) => child.once('exit', () => resolve(out ? (JSON.parse(out) as number[]) : [])));
}

const PROBES: Record<
  string,
  { run: (server: ServerProc, partial: Answer[]) => Promise<{ answers: Answer[]; notes?: string }>; extra?: Record<string, unknown> }
> = {
  prompts: { run: distinctPrompts },
  invalid: { run: invalidItems },
  'slow-headers': { run: slowHeaders },
  'kserve-empty-bytes': { run: kserveEmpty },
  'kserve-outputs': { run: kserveOutputs },
  'png-8192': { run: hugePng },
  'old-breakers': { run: oldBreakers },
  backlog: { run: backlog },
  'load-64': { run: load(64) },
  'load-256': { run: load(256) },
  'load-512': { run: load(512) },
};

const wanted = values.only ? values.only.split(',') : Object.keys(PROBES);
console.log(
  `attack suite: scale ${SCALE}, idle ${IDLE_S} s, node ${process.version}, server options ${values.server}, load average ${loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')}`,
);
const rows: Row[] = [];
for (const name of wanted) {
  const entry = PROBES[name];
  if (!entry) throw new Error(`unknown probe ${name}; known: ${Object.keys(PROBES).join(', ')}`);
  const started = performance.now();
  const row = await probe(name, entry.run, entry.extra);
  rows.push(row);
  console.log(`${name}: ${((performance.now() - started) / 1000).toFixed(1)} s — ${row.notes}`);
}
const fmt = (value: number) => (Number.isFinite(value) ? value.toFixed(0) : '—');
console.log(
  `\nload average at the end: ${loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')}`,
);
console.log('| probe | requests | status codes | /healthz p99 ms | /healthz max ms | loop delay max ms | RSS before MB | RSS peak MB | RSS after idle MB |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const row of rows) {
  console.log(
    `| ${row.probe} | ${row.requests} | ${row.statuses} | ${fmt(row.healthP99Ms)} | ${fmt(row.healthMaxMs)} | ${fmt(row.loopMaxMs)} | ${fmt(row.rssBeforeMb)} | ${fmt(row.rssPeakMb)} | ${fmt(row.rssIdleMb)} |`,
  );
}
if (values.json) writeFileSync(values.json, JSON.stringify(rows, null, 2));

import { Worker } from 'node:worker_threads';

/**
 * `--health-port`: liveness and readiness on a port of their own, answered by a worker thread (as Triton and
 * KServe offer a separate health port). Neither a connection flood on the main port nor a long synchronous
 * step on the main thread (JSON.parse of a 64 MB body takes a second) can delay them. Liveness still means
 * what a probe wants: the main thread beats a shared clock every 100 ms, and /healthz answers 503 once that
 * beat is older than `staleMs` (the event loop is stuck); /readyz also needs the server ready.
 */
export interface HealthPortOptions {
  port: number;
  host: string;
  /** Heartbeat age past which liveness fails. Default 10000 ms. */
  staleMs?: number;
}

export interface HealthPort {
  readonly url: string;
  readonly port: number;
  /** Beats now (the server calls it when readiness changes, so /readyz does not lag the 100 ms beat). */
  refresh(): void;
  close(): Promise<void>;
}

// Runs in the worker: a bare HTTP server reading the shared state [beatMs (f64), ready (f64)].
const WORKER_SOURCE = `
const { createServer } = require('node:http');
const { parentPort, workerData } = require('node:worker_threads');
const state = new Float64Array(workerData.state);
const send = (response, status, body) => {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  response.end(text);
};
const server = createServer({ headersTimeout: 5000, requestTimeout: 5000 }, (request, response) => {
  const path = (request.url || '/').split('?')[0];
  const age = Date.now() - state[0];
  const live = age < workerData.staleMs;
  if (path === '/health' || path === '/healthz' || path === '/v2/health/live') return send(response, live ? 200 : 503, live ? { status: 'ok' } : { status: 'stalled', lastBeatMsAgo: age });
  if (path === '/readyz' || path === '/v2/health/ready') {
    const ready = live && state[1] === 1;
    return send(response, ready ? 200 : 503, { ready });
  }
  send(response, 404, { error: { code: 'not_found', message: 'the health port serves /healthz, /health, /readyz, /v2/health/live, /v2/health/ready' } });
});
server.on('error', (error) => parentPort.postMessage({ error: error.message }));
server.listen(workerData.port, workerData.host, () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (message) => {
  if (message !== 'close') return;
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
`;

export async function startHealthPort(options: HealthPortOptions, isReady: () => boolean): Promise<HealthPort> {
  const shared = new SharedArrayBuffer(16);
  const state = new Float64Array(shared);
  const beat = () => {
    state[0] = Date.now();
    state[1] = isReady() ? 1 : 0;
  };
  beat();
  const timer = setInterval(beat, 100);
  timer.unref();
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { state: shared, port: options.port, host: options.host, staleMs: options.staleMs ?? 10_000 },
  });
  worker.unref();
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      worker.once('message', (message: { port?: number; error?: string }) =>
        message.error ? reject(new Error(`health port: ${message.error}`)) : resolve(message.port!),
      );
      worker.once('error', reject);
    });
  } catch (error) {
    clearInterval(timer);
    await worker.terminate();
    throw error;
  }
  const urlHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    refresh: beat,
    async close() {
      clearInterval(timer);
      worker.postMessage('close');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
      await worker.terminate();
    },
  };
}

import { readFile } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { createRewardServer, createServeEnsemble, ServerMetrics } from '@t2i-reward/server';
import { resolveNormalizeSpecs, type NormalizeOverride } from '@t2i-reward/core';
import { poolOption, THREADS_FLAG_HELP } from './ensemble-setup.js';

interface ServeFlags {
  config?: string;
  host: string;
  port: number;
  maxBatch: number;
  maxWaitMs: number;
  maxQueue: number;
  concurrency: number;
  timeoutMs: number;
  maxBodyMb: number;
  maxInflightMb?: number;
  maxImagePixels?: number;
  maxInflightPixels?: number;
  maxConnections: number;
  maxConnectionsPerClient?: number;
  headersTimeoutMs: number;
  bodyIdleTimeoutMs: number;
  maxPromptChars: number;
  healthPort?: number;
  imageFetchTimeoutMs: number;
  token?: string;
  tokenFile?: string;
  imageRoot?: string;
  allowUrl?: string[];
  modelName: string;
  warmup: boolean;
  threads?: number;
  normalize?: NormalizeOverride;
  state?: string;
}

/** --normalize: a mode name ("running-z") or JSON (a spec, or specs by expert name). */
function normalizeFlag(value: string): NormalizeOverride {
  if (!/^\s*[{[]/.test(value)) return value as unknown as NormalizeOverride;
  try {
    return JSON.parse(value) as NormalizeOverride;
  } catch {
    throw new InvalidArgumentError('must be a mode (none, batch-z, group-z, running-z, rank) or JSON');
  }
}

function integer(min: number) {
  return (value: string): number => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < min) throw new InvalidArgumentError(`must be an integer >= ${min}`);
    return number;
  };
}

/** A usage error: runCli prints it and exits 2 (like a bad flag). */
class ServeUsageError extends Error {
  readonly exitCode = 2;
}

/** The token from --token-file (first line, surrounding whitespace dropped), --token or $T2IR_SERVE_TOKEN. */
async function resolveToken(flags: ServeFlags): Promise<string | undefined> {
  if (flags.tokenFile === undefined) return flags.token ?? process.env.T2IR_SERVE_TOKEN;
  if (flags.token !== undefined) throw new ServeUsageError('give --token or --token-file, not both');
  let text: string;
  try {
    text = await readFile(flags.tokenFile, 'utf8');
  } catch (error) {
    throw new ServeUsageError(`--token-file ${flags.tokenFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const token = text.split(/\r?\n/)[0]!.trim();
  if (token === '') throw new ServeUsageError(`--token-file ${flags.tokenFile} is empty`);
  return token;
}

/** One line for a failed bind, e.g. "cannot listen on 127.0.0.1:8000: address already in use (EADDRINUSE)". */
function listenError(error: unknown, host: string, port: number): Error {
  const code = (error as NodeJS.ErrnoException).code;
  const reason =
    code === 'EADDRINUSE'
      ? 'address already in use'
      : code === 'EACCES'
        ? 'permission denied'
        : code === 'EADDRNOTAVAIL'
          ? 'address not available'
          : (error as Error).message;
  return new Error(`serve: cannot listen on ${host}:${port}: ${reason}${code ? ` (${code})` : ''}`);
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** `t2ir serve`: the ensemble as an HTTP service (native, OpenRLHF, KServe v2, Prometheus). */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Serve the reward ensemble over HTTP: POST /v1/score, OpenRLHF /openrlhf/reward, KServe v2 /v2/..., /metrics')
    .option('--config <file>', 'ensemble config (JSON); default: the offline CenterNet detector')
    .option('--host <host>', 'address to bind (loopback unless you say otherwise)', '127.0.0.1')
    .option('--port <n>', 'port (0: any free port)', integer(0), 8000)
    .option('--max-batch <n>', 'most items per ensemble call (dynamic batching)', integer(1), 16)
    .option('--max-wait-ms <n>', 'longest a batch waits for items still arriving', integer(0), 5)
    .option('--max-queue <n>', 'most items waiting; more is answered 429', integer(1), 256)
    .option('--concurrency <n>', 'ensemble calls at once', integer(1), 1)
    .option('--timeout-ms <n>', 'per-request deadline (504 past it)', integer(1), 120_000)
    .option('--max-body-mb <n>', 'largest request body in MiB (413 past it)', integer(1), 64)
    .option('--max-inflight-mb <n>', 'request bodies held at once over all requests, MiB (429 past it; default max(body, 128))', integer(1))
    .option('--max-image-pixels <n>', 'largest image in pixels, width*height (the item fails past it; default 64 Mi)', integer(1))
    .option(
      '--max-inflight-pixels <n>',
      'decoded pixels held at once over all requests, each image charged its decode peak (requests wait; 413 if one needs more; default 72 Mi)',
      integer(1),
    )
    .option('--max-connections <n>', 'open connections; past it requests (but health) get 503 + Retry-After', integer(1), 1024)
    .option(
      '--max-connections-per-client <n>',
      'open connections from one remote address (default 3/4 of --max-connections; behind a load balancer every client shares its address: set it to --max-connections)',
      integer(1),
    )
    .option('--headers-timeout-ms <n>', 'longest a client may take to send request headers (408 and closed past it)', integer(1), 10_000)
    .option('--body-idle-timeout-ms <n>', 'longest silence while a request body arrives (408 and closed past it)', integer(1), 15_000)
    .option('--max-prompt-chars <n>', 'longest prompt in characters; a request with a longer one gets 413 prompt_too_long', integer(1), 4096)
    .option('--health-port <n>', 'also answer /healthz and /readyz on this port, from a thread that floods and long requests cannot delay', integer(0))
    .option('--image-fetch-timeout-ms <n>', 'longest an image URL download may take (the item fails past it)', integer(1), 10_000)
    .option('--token <token>', 'require "Authorization: Bearer <token>" (default: $T2IR_SERVE_TOKEN; visible in ps: prefer --token-file)')
    .option('--token-file <file>', 'read the bearer token from the first line of this file')
    .option('--image-root <dir>', 'let clients name image files under this folder (refused otherwise)')
    .option('--allow-url <origin...>', 'origins / URL prefixes the server may fetch images from (refused otherwise)')
    .option('--model-name <name>', 'KServe model name of the ensemble', 't2i-reward')
    .option('--threads <n>', THREADS_FLAG_HELP, integer(0))
    .option('--no-warmup', 'report ready without scoring a warm-up image first')
    .option(
      '--normalize <mode|json>',
      'normalise each expert before the reward is aggregated, per request: none, batch-z, group-z, running-z, rank, or JSON ({"mode":"running-z","statistics":"ema"}, or specs by expert name); a request\'s own "normalize" replaces it',
      normalizeFlag,
    )
    .option('--state <file>', 'running-z statistics: read on start, written on SIGTERM (default with --config: <config>.state.json)')
    .addHelpText(
      'after',
      `
Examples:
  t2ir serve --image-root ./images             # CenterNet detector on 127.0.0.1:8000
  curl -s localhost:8000/v1/score -H 'content-type: application/json' -d '{"items":[{"image":"dog.jpg","prompt":"a dog"}]}'
  t2ir serve --config ensemble.json --host 0.0.0.0 --port 8080 --max-batch 32 --token-file ./token
  t2ir serve --threads 0                       # the detector on the server's own thread (no worker pool)
  t2ir serve --config ensemble.json --normalize running-z   # z-scores with running statistics per expert (kept in ensemble.json.state.json)

Binds first (a busy port fails at once, before any model loads), then loads the models; /readyz says when.
Scoring routes take only Content-Type: application/json (415 otherwise; KServe binary with its header).
SIGTERM / Ctrl-C: every request already read is answered; new ones get 503 + Retry-After; then it exits.`,
    )
    .action(async (flags: ServeFlags) => {
      const token = await resolveToken(flags);
      if (!isLoopback(flags.host) && token === undefined) {
        process.stderr.write(`t2ir serve: warning: binding ${flags.host} without --token: anyone who can reach it can use it\n`);
      }
      const log = (line: string) => process.stderr.write(`t2ir serve: ${line}\n`);
      // Builds the experts from the config (a bad config fails here); models load after the bind, in the warm-up.
      // The experts are built instrumented (the server's metrics middleware, given at build); the server gets the same
      // metrics and does not wrap them again. The ready line reads where each runs from the ensemble's placement.
      const metrics = new ServerMetrics();
      const ensemble = await createServeEnsemble(flags.config, { ...poolOption(flags.threads), metrics });
      const specs = resolveNormalizeSpecs(ensemble.experts, flags.normalize); // a bad --normalize fails here, naming the key
      const running = specs.some((spec) => spec?.mode === 'running-z');
      const state = flags.state ?? (running && flags.config ? `${flags.config}.state.json` : undefined);
      if (running && state === undefined) log('running-z statistics are kept in memory only (give --state <file> to keep them across restarts)');
      const server = createRewardServer({
        ensemble,
        metrics,
        instrumentExperts: false,
        modelName: flags.modelName,
        maxBatch: flags.maxBatch,
        maxWaitMs: flags.maxWaitMs,
        maxQueue: flags.maxQueue,
        concurrency: flags.concurrency,
        requestTimeoutMs: flags.timeoutMs,
        maxBodyBytes: flags.maxBodyMb * 1024 * 1024,
        ...(flags.maxInflightMb !== undefined ? { maxInflightBytes: Math.max(flags.maxInflightMb, flags.maxBodyMb) * 1024 * 1024 } : {}),
        ...(flags.maxImagePixels !== undefined ? { maxImagePixels: flags.maxImagePixels } : {}),
        ...(flags.maxInflightPixels !== undefined ? { maxInflightPixels: flags.maxInflightPixels } : {}),
        maxConnections: flags.maxConnections,
        ...(flags.maxConnectionsPerClient !== undefined ? { maxConnectionsPerClient: flags.maxConnectionsPerClient } : {}),
        headersTimeoutMs: flags.headersTimeoutMs,
        bodyIdleTimeoutMs: flags.bodyIdleTimeoutMs,
        maxPromptChars: flags.maxPromptChars,
        ...(flags.healthPort !== undefined ? { healthPort: flags.healthPort } : {}),
        imageFetchTimeoutMs: flags.imageFetchTimeoutMs,
        ...(token !== undefined ? { token } : {}),
        ...(flags.imageRoot !== undefined ? { imageRoot: flags.imageRoot } : {}),
        ...(flags.allowUrl ? { allowUrls: flags.allowUrl } : {}),
        warmup: flags.warmup,
        ...(flags.normalize !== undefined ? { normalize: flags.normalize } : {}),
        ...(state !== undefined ? { normalizerState: state } : {}),
        log,
      });
      // Signals are handled from the start: with --no-warmup the server is ready as soon as it listens.
      const stopped = new Promise<void>((resolve) => {
        let signals = 0;
        const onSignal = (signal: NodeJS.Signals) => {
          signals++;
          if (signals > 1) {
            log(`${signal} again: exiting without waiting`);
            process.exit(1);
          }
          log(`${signal}: finishing accepted requests`);
          void server.close().then(resolve);
        };
        process.on('SIGTERM', onSignal);
        process.on('SIGINT', onSignal);
      });
      try {
        await server.listen({ host: flags.host, port: flags.port });
      } catch (error) {
        await server.close();
        throw listenError(error, flags.host, flags.port);
      }
      // With --no-warmup models load on the first request (ready is already logged).
      if (flags.warmup) log(flags.config ? `loading ${flags.config}` : 'loading the default ensemble (CenterNet detector, TF.js)');
      try {
        await server.ready;
      } catch (error) {
        await server.close();
        throw error;
      }
      await stopped;
    });
}

import { InvalidArgumentError, type Command } from 'commander';
import { createRewardServer, createServeEnsemble } from '@t2i-reward/server';

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
  token?: string;
  imageRoot?: string;
  allowUrl?: string[];
  modelName: string;
  warmup: boolean;
}

function integer(min: number) {
  return (value: string): number => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < min) throw new InvalidArgumentError(`must be an integer >= ${min}`);
    return number;
  };
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
    .option('--token <token>', 'require "Authorization: Bearer <token>" (default: $T2IR_SERVE_TOKEN)')
    .option('--image-root <dir>', 'let clients name image files under this folder (refused otherwise)')
    .option('--allow-url <origin...>', 'origins / URL prefixes the server may fetch images from (refused otherwise)')
    .option('--model-name <name>', 'KServe model name of the ensemble', 't2i-reward')
    .option('--no-warmup', 'report ready without scoring a warm-up image first')
    .addHelpText(
      'after',
      `
Examples:
  t2ir serve --image-root ./images             # CenterNet detector on 127.0.0.1:8000
  curl -s localhost:8000/v1/score -d '{"items":[{"image":"dog.jpg","prompt":"a dog"}]}'   # ./images/dog.jpg
  t2ir serve --config ensemble.json --host 0.0.0.0 --port 8080 --max-batch 32 --token "$TOKEN"

SIGTERM / Ctrl-C: stops accepting work, answers every accepted request, then exits.`,
    )
    .action(async (flags: ServeFlags) => {
      const token = flags.token ?? process.env.T2IR_SERVE_TOKEN;
      if (!isLoopback(flags.host) && token === undefined) {
        process.stderr.write(`t2ir serve: warning: binding ${flags.host} without --token: anyone who can reach it can use it\n`);
      }
      const log = (line: string) => process.stderr.write(`t2ir serve: ${line}\n`);
      log(flags.config ? `loading ${flags.config}` : 'loading the default ensemble (CenterNet detector, TF.js)');
      const ensemble = await createServeEnsemble(flags.config);
      const server = createRewardServer({
        ensemble,
        modelName: flags.modelName,
        maxBatch: flags.maxBatch,
        maxWaitMs: flags.maxWaitMs,
        maxQueue: flags.maxQueue,
        concurrency: flags.concurrency,
        requestTimeoutMs: flags.timeoutMs,
        maxBodyBytes: flags.maxBodyMb * 1024 * 1024,
        ...(token !== undefined ? { token } : {}),
        ...(flags.imageRoot !== undefined ? { imageRoot: flags.imageRoot } : {}),
        ...(flags.allowUrl ? { allowUrls: flags.allowUrl } : {}),
        warmup: flags.warmup,
        log,
      });
      await server.listen({ host: flags.host, port: flags.port });
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
        await server.ready;
      } catch (error) {
        await server.close();
        throw error;
      }
      await stopped;
    });
}

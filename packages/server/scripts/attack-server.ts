/**
 * The server side of attack.ts, in its own process (so its RSS is its own): default server options and a cheap
 * expert (mean brightness) behind the real ensemble, which parses every prompt into a spec as with real
 * experts. argv[2]: JSON of extra RewardServerOptions (e.g. {"maxInflightPixels": 67108864}; {"serveEnsemble": true}
 * serves the default `t2ir serve` ensemble instead). Prints {"url"}
 * (and {"healthUrl"} when a health port is set) once ready; exits on SIGTERM.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { BaseReward, createEnsemble, type RewardItemResult, type RewardSample } from '@t2i-reward/core';
import { createRewardServer, createServeEnsemble, type RewardServerOptions } from '@t2i-reward/server';

/**
 * Mean brightness over at most ~64k samples of the pixels (the suite measures the server, not an expert's CPU
 * time: a full pass over an 8192² image would block the event loop for seconds); unlike core's MockReward it
 * keeps nothing of what it scored (MockReward records every call, images and prompts included).
 */
class BrightnessReward extends BaseReward {
  constructor() {
    super({ kind: 'brightness', modelId: 'attack/brightness', version: 'test' });
  }

  protected async scoreBatch(samples: readonly RewardSample[]): Promise<RewardItemResult[]> {
    return samples.map(({ image }) => {
      const step = Math.max(1, Math.floor(image.data.length / 65_536));
      let sum = 0;
      let count = 0;
      for (let index = 0; index < image.data.length; index += step, count++) sum += image.data[index]!;
      const score = sum / Math.max(1, count) / 255;
      return { score, raw: score, warnings: [] };
    });
  }
}

// {"serveEnsemble": true}: the default `t2ir serve` ensemble (CenterNet in the worker pool) instead of the cheap expert.
const { serveEnsemble, ...extra } = JSON.parse(process.argv[2] ?? '{}') as Partial<RewardServerOptions> & { serveEnsemble?: boolean };
const ensemble = serveEnsemble ? await createServeEnsemble(undefined, {}) : createEnsemble({ experts: [{ name: 'bright', model: new BrightnessReward() }] });
const server = createRewardServer({ ensemble, ...extra });
const { url } = await server.listen();
await server.ready;
process.stdout.write(`${JSON.stringify({ url, ...(server.healthUrl ? { healthUrl: server.healthUrl } : {}) })}\n`);
// The main thread's event-loop delay (10 ms resolution): attack.ts sends SIGUSR2 after a probe and reads
// {"loop":{"maxMs","p99Ms"}} on stdout (then the histogram starts over), to show where the server stalled.
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
process.on('SIGUSR2', () => {
  process.stdout.write(`${JSON.stringify({ loop: { maxMs: loopDelay.max / 1e6, p99Ms: loopDelay.percentile(99) / 1e6 } })}\n`);
  loopDelay.reset();
});
process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));

/**
 * Test helpers for code that serves an ensemble (`@t2i-reward/server/test`): the serve-then-POST round trip the
 * server's and the CLI's tests both make.
 */
import { createRewardServer, type RewardServerOptions } from '../server.js';

/** The status and JSON body of one POST /v1/score. */
export interface ServedScore<Body> {
  status: number;
  body: Body;
}

/**
 * Serves `options.ensemble` on a free loopback port, waits until it is ready (models loaded, warm-up done), POSTs
 * `{ items }` to /v1/score once and closes the server, which disposes the ensemble (unless `disposeOnClose: false`).
 */
export async function serveAndScore<Body = unknown>(options: RewardServerOptions, items: readonly unknown[]): Promise<ServedScore<Body>> {
  const server = createRewardServer({ disposeOnClose: true, ...options });
  await server.listen();
  try {
    await server.ready;
    const response = await fetch(`${server.url}/v1/score`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items }),
    });
    return { status: response.status, body: (await response.json()) as Body };
  } finally {
    await server.close();
  }
}

import { Agent, request as httpRequest } from 'node:http';
import { encodeImage } from '@t2i-reward/core';
import { createTestImage, meanBrightness } from '@t2i-reward/core/test';
import { describe, expect, it } from 'vitest';
import { spawnServer } from './__fixtures__/spawn.js';

function gauge(metrics: string, name: string): number {
  const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics);
  return match ? Number(match[1]) : Number.NaN;
}

describe('SIGTERM during load (real child process)', () => {
  it('finishes every accepted request, refuses new ones, then exits 0', async () => {
    const server = await spawnServer('gated');
    try {
      const image = createTestImage(10, 10, [30, 60, 90]);
      const png = (await encodeImage(image, 'png')).toString('base64');
      const score = () =>
        fetch(`${server.url}/v1/score`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ items: [{ image: png, prompt: 'p' }] }),
        });
      const inFlight = Array.from({ length: 6 }, score);
      // The expert holds batches until SIGUSR2: all six items are accepted (one batch running, the rest queued)
      // and none answered, whatever the speed.
      for (;;) {
        const metrics = await (await fetch(`${server.url}/metrics`)).text();
        const accepted = gauge(metrics, 't2ir_batch_size_sum') + gauge(metrics, 't2ir_queue_depth');
        if (gauge(metrics, 't2ir_running_batches') === 1 && accepted === 6) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      server.child.kill('SIGTERM');
      // Shutdown has begun (readiness drops first); new scoring requests are answered 503 + Retry-After at once.
      while ((await fetch(`${server.url}/readyz`)).status !== 503) await new Promise((resolve) => setTimeout(resolve, 20));
      const late = await score();
      expect(late.status).toBe(503);
      expect(late.headers.get('retry-after')).toBe('1');
      server.child.kill('SIGUSR2');
      const responses = await Promise.all(inFlight);
      expect(responses.map((response) => response.status)).toEqual(Array(6).fill(200));
      for (const response of responses) {
        const body = (await response.json()) as { results: { reward: number }[] };
        expect(body.results[0]!.reward).toBeCloseTo(meanBrightness(image), 10);
      }
      expect(await server.exited).toBe(0);
      expect(server.lines).toContain('closed');
    } finally {
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
    }
  });
});

/** A POST through `agent`; resolves with the status, or the transport error code (a reset reads ECONNRESET). */
function postVia(agent: Agent, url: string, body: string): Promise<{ status: number; retryAfter?: string; error?: string }> {
  return new Promise((resolve) => {
    const request = httpRequest(`${url}/v1/score`, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
    });
    request.on('response', (response) => {
      response.resume();
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, ...(response.headers['retry-after'] ? { retryAfter: response.headers['retry-after'] } : {}) }),
      );
      response.on('error', (error: NodeJS.ErrnoException) => resolve({ status: 0, error: error.code ?? error.message }));
    });
    request.on('error', (error: NodeJS.ErrnoException) => resolve({ status: 0, error: error.code ?? error.message }));
    request.end(body);
  });
}

describe('SIGTERM with 32 requests in flight, 10 rounds (real child process, kept-alive connections)', () => {
  it('0 resets: every request read before the signal gets 200, later ones 503 + Retry-After', async () => {
    const server = await spawnServer('rounds');
    const png = (await encodeImage(createTestImage(6, 6, [70, 80, 90]), 'png')).toString('base64');
    const body = JSON.stringify({ items: [{ image: png, prompt: 'p' }] });
    const tally = { ok: 0, refused: 0, resets: 0, racing200: 0, racing503: 0 };
    let url = server.url;
    try {
      for (let round = 0; round < 10; round++) {
        const agent = new Agent({ keepAlive: true, maxSockets: 64 });
        const metricsText = () => fetch(`${url}/metrics`).then((response) => response.text());
        const inFlight = Array.from({ length: 32 }, () => postVia(agent, url, body));
        while (gauge(await metricsText(), 't2ir_admitted_items') !== 32) await new Promise((resolve) => setTimeout(resolve, 10));
        // Sent just before the signal, possibly not read yet when it lands: an answer either way, never a reset.
        const racing = Array.from({ length: 4 }, () => postVia(agent, url, body));
        server.child.kill('SIGTERM');
        while (
          (await fetch(`${url}/readyz`).then(
            (response) => response.status,
            () => 0,
          )) === 200
        )
          await new Promise((resolve) => setTimeout(resolve, 5));
        const late = await Promise.all(Array.from({ length: 8 }, () => postVia(agent, url, body)));
        server.child.kill('SIGUSR2');
        const answered = await Promise.all(inFlight);
        const raced = await Promise.all(racing);
        for (const answer of [...answered, ...raced, ...late]) if (answer.error) tally.resets++;
        expect(
          answered.map((answer) => answer.status),
          `round ${round}`,
        ).toEqual(Array(32).fill(200));
        expect(
          late.map((answer) => `${answer.status} ${answer.retryAfter}`),
          `round ${round}`,
        ).toEqual(Array(8).fill('503 1'));
        for (const answer of raced) {
          expect([200, 503], `round ${round}`).toContain(answer.status);
          if (answer.status === 200) tally.racing200++;
          else tally.racing503++;
        }
        tally.ok += 32;
        tally.refused += 8;
        agent.destroy();
        // Next round: the fixture prints "closed", then the URL of a fresh server.
        while (server.lines.filter((line) => line === 'closed').length <= round) await new Promise((resolve) => setTimeout(resolve, 10));
        while (server.lines.filter((line) => line.startsWith('{')).length <= round) await new Promise((resolve) => setTimeout(resolve, 10));
        url = (JSON.parse(server.lines.filter((line) => line.startsWith('{'))[round]!) as { url: string }).url;
      }
      process.stdout.write(`SIGTERM x 10: ${JSON.stringify(tally)}\n`);
      expect(tally.resets).toBe(0);
    } finally {
      server.child.kill('SIGINT');
      if (server.child.exitCode === null) setTimeout(() => server.child.kill('SIGKILL'), 2_000).unref();
    }
  }, 300_000);
});

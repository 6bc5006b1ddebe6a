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
        fetch(`${server.url}/v1/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items: [{ image: png, prompt: 'p' }] }) });
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

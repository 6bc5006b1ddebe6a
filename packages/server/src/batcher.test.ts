import { describe, expect, it } from 'vitest';
import { BatcherRefusedError, DynamicBatcher } from './batcher.js';

/** A scorer that records batches and doubles numbers. */
function recorder() {
  const batches: number[][] = [];
  return { batches, score: async (items: number[]) => (batches.push([...items]), items.map((item) => item * 2)) };
}

describe('DynamicBatcher', () => {
  it('starts at once when nothing else is being admitted, however long maxWaitMs is', async () => {
    const { batches, score } = recorder();
    const batcher = new DynamicBatcher<number, number>({ maxBatch: 8, maxWaitMs: 60_000, maxQueue: 8 }, score);
    const ticket = batcher.submit([1, 2]);
    expect(await Promise.all(ticket.results)).toEqual([2, 4]);
    expect(batches).toEqual([[1, 2]]);
  });

  it('waits for items still being admitted, then scores them together', async () => {
    const { batches, score } = recorder();
    const batcher = new DynamicBatcher<number, number>({ maxBatch: 8, maxWaitMs: 60_000, maxQueue: 8 }, score);
    const admittedB = batcher.admit(1);
    const a = batcher.submit([1]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toEqual([]); // held for B
    const b = batcher.submit([2]);
    admittedB();
    expect(await Promise.all([...a.results, ...b.results])).toEqual([2, 4]);
    expect(batches).toEqual([[1, 2]]);
  });

  it('starts as soon as a batch is full, and splits the queue into batches of maxBatch', async () => {
    const { batches, score } = recorder();
    const batcher = new DynamicBatcher<number, number>({ maxBatch: 2, maxWaitMs: 60_000, maxQueue: 8 }, score);
    const hold = batcher.admit(1); // would make a partial batch wait
    const ticket = batcher.submit([1, 2, 3, 4]);
    expect(await Promise.all(ticket.results)).toEqual([2, 4, 6, 8]);
    expect(batches).toEqual([
      [1, 2],
      [3, 4],
    ]);
    hold();
  });

  it('refuses whole requests when the queue is full, too large, or closing; cancel withdraws waiting items', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const batcher = new DynamicBatcher<number, number>({ maxBatch: 1, maxWaitMs: 0, maxQueue: 2 }, async (items) => (await gate, items));
    const running = batcher.submit([1]);
    const waiting = batcher.submit([2, 3]);
    expect(batcher.queued).toBe(2);
    expect(() => batcher.submit([4])).toThrow(expect.objectContaining({ reason: 'queue-full' }));
    expect(() => batcher.submit([4, 5, 6])).toThrow(expect.objectContaining({ reason: 'too-large' }));
    waiting.cancel(new Error('timed out'));
    expect(batcher.queued).toBe(0);
    const settled = await Promise.allSettled(waiting.results);
    expect(settled.map((outcome) => outcome.status === 'rejected' && (outcome.reason as Error).message)).toEqual(['timed out', 'timed out']);
    const drained = batcher.drain();
    expect(() => batcher.submit([7])).toThrow(BatcherRefusedError);
    release();
    await drained;
    expect(await running.results[0]).toBe(1);
  });

  it('passes a failed batch to every item of it', async () => {
    const batcher = new DynamicBatcher<number, number>({ maxBatch: 4, maxWaitMs: 0, maxQueue: 4 }, async () => {
      throw new Error('model crashed');
    });
    const ticket = batcher.submit([1, 2]);
    for (const result of ticket.results) await expect(result).rejects.toThrow('model crashed');
  });
});

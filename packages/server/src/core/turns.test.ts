import { describe, expect, it } from 'vitest';
import { nextTurn, waitingTurns } from './turns.js';

describe('nextTurn', () => {
  it('resolves the waiting steps first come, first served, one per loop iteration', async () => {
    const seen: { step: number; waitingBehind: number }[] = [];
    const steps = Array.from({ length: 5 }, (_, step) => nextTurn().then(() => seen.push({ step, waitingBehind: waitingTurns() })));
    expect(waitingTurns()).toBe(5);
    await Promise.all(steps);
    // Each step ran while the ones after it were still waiting: one step per turn, in order.
    expect(seen).toEqual([4, 3, 2, 1, 0].map((waitingBehind, step) => ({ step, waitingBehind })));
    expect(waitingTurns()).toBe(0);
  });

  it('lets the event loop run between two steps', async () => {
    const order: string[] = [];
    const first = nextTurn().then(() => {
      order.push('step 1');
      // Queued during step 1: runs before step 2, which waits for the next iteration.
      setImmediate(() => order.push('other work'));
    });
    const second = nextTurn().then(() => order.push('step 2'));
    await Promise.all([first, second]);
    expect(order).toEqual(['step 1', 'other work', 'step 2']);
  });
});

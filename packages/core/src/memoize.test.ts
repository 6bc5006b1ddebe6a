import { describe, expect, it } from 'vitest';
import { memoizeAsync } from './memoize.js';

describe('memoizeAsync', () => {
  it('runs once for concurrent and later callers', async () => {
    let runs = 0;
    const load = memoizeAsync(async () => ++runs);
    expect(await Promise.all([load(), load()])).toEqual([1, 1]);
    expect(await load()).toBe(1);
    expect(runs).toBe(1);
  });

  it('forgets a failed run, so the next call retries', async () => {
    let runs = 0;
    const load = memoizeAsync(async () => {
      runs++;
      if (runs === 1) throw new Error('first load fails');
      return runs;
    });
    await expect(load()).rejects.toThrow('first load fails');
    expect(await load()).toBe(2);
  });

  it('clear() hands back the memoised promise and the next call runs again', async () => {
    let runs = 0;
    const load = memoizeAsync(async () => ++runs);
    expect(load.clear()).toBeUndefined();
    const first = load();
    expect(load.clear()).toBe(first);
    expect(await load()).toBe(2);
  });

  it('a cleared run that fails later does not forget the newer run', async () => {
    let reject!: (error: Error) => void;
    let runs = 0;
    const load = memoizeAsync(() => (++runs === 1 ? new Promise<number>((_, r) => (reject = r)) : Promise.resolve(runs)));
    const stale = load();
    load.clear();
    const fresh = load();
    reject(new Error('stale load fails'));
    await expect(stale).rejects.toThrow('stale load fails');
    expect(load()).toBe(fresh);
    expect(await fresh).toBe(2);
  });
});

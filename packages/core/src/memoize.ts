/** A memoised async function (see memoizeAsync). */
export interface MemoizedAsync<T> {
  (): Promise<T>;
  /** Forgets the memoised promise, so the next call runs again; returns it (undefined when there was none). */
  clear(): Promise<T> | undefined;
}

/**
 * Memoises a lazy async loader: the first call runs `run`, concurrent and later callers share its promise, and a
 * failed run is forgotten so the next call retries. `clear()` (dispose) hands back the promise to release.
 */
export function memoizeAsync<T>(run: () => Promise<T>): MemoizedAsync<T> {
  let promise: Promise<T> | undefined;
  const memoized = (): Promise<T> => {
    if (promise) return promise;
    const started: Promise<T> = run().catch((error: unknown) => {
      // Only forget this run: after a clear() the slot may already hold a newer one.
      if (promise === started) promise = undefined;
      throw error;
    });
    promise = started;
    return started;
  };
  memoized.clear = (): Promise<T> | undefined => {
    const forgotten = promise;
    promise = undefined;
    return forgotten;
  };
  return memoized;
}

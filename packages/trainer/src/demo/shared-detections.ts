import type { Detection, DetectorBackend } from '@t2i-reward/detector';

/**
 * Wraps a closed-vocabulary detector so that several detector experts (different formulas, one model) see
 * each image's detections computed once: results are memoised by the image's content hash for the last
 * `maxEntries` images, in flight included (a failed detection is forgotten and retried). Disposing the wrapper
 * disposes the model once, however many experts hold it. Open-vocabulary detectors pass through (their
 * detections depend on the queries).
 */
export function sharedDetections(inner: DetectorBackend, maxEntries = 512): DetectorBackend & { readonly runs: number } {
  const byHash = new Map<string, Promise<Detection[]>>();
  let runs = 0;
  let disposed: Promise<void> | undefined;
  return {
    id: inner.id,
    vocabulary: inner.vocabulary,
    get runs() {
      return runs;
    },
    ...(inner.load ? { load: () => inner.load!() } : {}),
    async detect(images, queries, signal) {
      if (inner.vocabulary === 'open') return inner.detect(images, queries, signal);
      const out = images.map((image) => byHash.get(image.hash));
      const todo = images.flatMap((image, i) => (out[i] === undefined && !images.slice(0, i).some((other) => other.hash === image.hash) ? [i] : []));
      const local = new Map<string, Promise<Detection[]>>();
      if (todo.length > 0) {
        runs += todo.length;
        const batch = inner.detect(
          todo.map((i) => images[i]!),
          todo.map((i) => queries[i] ?? []),
          signal,
        );
        todo.forEach((i, j) => {
          const hash = images[i]!.hash;
          const pending = batch.then((lists) => lists[j] ?? []);
          local.set(hash, pending);
          byHash.set(hash, pending);
          if (byHash.size > maxEntries) byHash.delete(byHash.keys().next().value!);
          pending.catch(() => {
            if (byHash.get(hash) === pending) byHash.delete(hash);
          });
        });
      }
      return Promise.all(images.map((image, i) => out[i] ?? local.get(image.hash)!));
    },
    dispose() {
      disposed ??= inner.dispose();
      return disposed;
    },
  };
}

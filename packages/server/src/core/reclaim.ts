import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Decoded pixels live in buffers that libvips allocated outside the JS heap; V8 frees them only when a full
 * collection finds them unreachable, which on a quiet heap can be many requests later. Measured (issue 21):
 * four 8192×8192 PNGs at once, serialised by the pixel budget (one fits), still peaked at 4 × 192 MB because
 * each decoded image outlived its request. Collecting right after a large image's budget is given back, before
 * the next request decodes, keeps the peak at the budget. A full GC costs milliseconds at this heap size and
 * runs only after an image of at least `minPixels`.
 */
/** V8's exposed `gc`: a full collection, or `{ type: 'minor' }` for the young generation only. */
type Collect = (options?: { type: 'minor' | 'major' }) => void;
let collect: Collect | null | undefined;

function collector(): Collect | null {
  if (collect !== undefined) return collect;
  const exposed = (globalThis as { gc?: Collect }).gc;
  if (typeof exposed === 'function') return (collect = exposed);
  try {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as Collect;
  } catch {
    collect = null;
  }
  return collect;
}

/** Images of this many pixels or more are collected right after their request (16 Mpx: 48 MB of RGB). */
export const RECLAIM_MIN_PIXELS = 16 * 1024 * 1024;

/** Lease releases waiting for the next collection (one collection serves every release queued before it runs). */
let waiting: (() => void)[] = [];

/**
 * Gives back `pixels` of budget through `release` only once their memory is actually free: for `minPixels` or
 * more, after one full collection (coalesced, on the next timer turn: by then the request's answer is on its
 * way and nothing references its decoded images). Released at once for smaller images, or where no collector
 * can be had. Measured (issue 21): giving the budget back first let the next request's decode (in libuv's
 * threads) allocate its output before the previous image was collected, so four 8192×8192 PNGs at once peaked
 * above the budget although it admits one at a time.
 */
export function releaseAfterReclaim(pixels: number, release: () => void, minPixels = RECLAIM_MIN_PIXELS): void {
  if (pixels < minPixels || !collector()) {
    release();
    return;
  }
  waiting.push(release);
  if (waiting.length > 1) return;
  setTimeout(() => {
    const releases = waiting;
    waiting = [];
    try {
      reclaimDecodedPixels(pixels, minPixels);
    } finally {
      for (const next of releases) next();
    }
  }, 0);
}

/**
 * Collects now when `pixels` were just given back and are at least `minPixels`: a young-generation collection
 * first (under a millisecond to ~15 ms; the decoded image's buffer is usually still young), and a full one
 * (~80 ms of main thread with a detector's heap loaded) only when that did not free at least `minPixels` × 3
 * bytes of array buffers.
 */
export function reclaimDecodedPixels(pixels: number, minPixels = RECLAIM_MIN_PIXELS): boolean {
  if (pixels < minPixels) return false;
  const gc = collector();
  if (!gc) return false;
  const before = process.memoryUsage().arrayBuffers;
  gc({ type: 'minor' });
  if (before - process.memoryUsage().arrayBuffers < minPixels * 3) gc();
  return true;
}

/**
 * Admission control at intake: what a request holds from the moment it is read until it is answered.
 *
 * - **bytes**: request bodies being received or held (declared Content-Length up front, streamed bytes as they
 *   arrive); past `maxBytes` a request is refused at once (429), before its body is read.
 * - **items**: the items of every request from parsing to their answer. Those not yet in a running batch
 *   (decoding, waiting) are the queue `--max-queue` bounds and `t2ir_queue_depth` reports; a request with more
 *   items than the queue can ever hold is refused with 413, one that does not fit now with 429.
 * - **pixels**: decoded pixels held by requests (an image lives from decoding until its batch is scored). A
 *   request takes its whole pixel count at once (no request holds part of the budget while waiting for the
 *   rest, so requests never deadlock each other); requests wait in arrival order, at most `maxPixelWaiters`
 *   of them, more get 429; a request that needs more than the whole budget gets 413.
 */

export type AdmissionRefusal = 'too-many-items' | 'queue-full' | 'body-budget' | 'pixels-too-large' | 'pixels-busy';

/** A refusal at intake; `status` is the HTTP status it maps to (413 never fits, 429 try again later). */
export class AdmissionRefusedError extends Error {
  constructor(
    readonly reason: AdmissionRefusal,
    message: string,
  ) {
    super(message);
    this.name = 'AdmissionRefusedError';
  }

  get status(): 413 | 429 {
    return this.reason === 'too-many-items' || this.reason === 'pixels-too-large' ? 413 : 429;
  }
}

export interface AdmissionOptions {
  /** Most items between intake and answer. */
  maxItems: number;
  /** Most request-body bytes held at once. */
  maxBytes: number;
  /** Most decoded pixels held at once. */
  maxPixels: number;
  /** Most requests waiting for pixel budget; more are refused (429). Default 64. */
  maxPixelWaiters?: number;
}

/** What a request holds; `release()` gives it back (idempotent). */
export interface Lease {
  readonly amount: number;
  release(): void;
}

/** A growable byte lease for a body streamed without Content-Length. */
export interface ByteLease extends Lease {
  /** Adds `bytes`; throws AdmissionRefusedError (body-budget) when the budget cannot hold them. */
  grow(bytes: number): void;
}

interface PixelWaiter {
  pixels: number;
  resolve: (lease: Lease) => void;
  reject: (error: unknown) => void;
}

export class Admission {
  readonly options: Required<AdmissionOptions>;
  #items = 0;
  #bytes = 0;
  #pixels = 0;
  #waiters: PixelWaiter[] = [];
  readonly #inService: () => number;

  /** `inService`: how many admitted items are being scored now (they hold no place in the queue). */
  constructor(options: AdmissionOptions, inService: () => number = () => 0) {
    this.options = { maxPixelWaiters: 64, ...options };
    this.#inService = inService;
    for (const key of ['maxItems', 'maxBytes', 'maxPixels'] as const) {
      if (!(this.options[key] >= 1)) throw new RangeError(`${key} must be >= 1`);
    }
  }

  /** Items admitted and not yet answered. */
  get items(): number {
    return this.#items;
  }

  /** Items admitted and not yet being scored: the queue. */
  get queued(): number {
    return Math.max(0, this.#items - this.#inService());
  }

  get bytes(): number {
    return this.#bytes;
  }

  get pixels(): number {
    return this.#pixels;
  }

  /** Requests waiting for pixel budget. */
  get pixelWaiters(): number {
    return this.#waiters.length;
  }

  /** Reserves `count` items, all or none. */
  reserveItems(count: number): Lease {
    const max = this.options.maxItems;
    if (count > max) throw new AdmissionRefusedError('too-many-items', `request has ${count} items; the queue holds at most ${max}`);
    const queued = this.queued;
    if (queued + count > max) throw new AdmissionRefusedError('queue-full', `queue full (${queued} of ${max} items waiting)`);
    this.#items += count;
    return this.#lease(count, () => (this.#items -= count));
  }

  /** Reserves body bytes: `declared` now (Content-Length, 0 when unknown); `grow` adds streamed bytes. */
  reserveBytes(declared: number): ByteLease {
    let held = 0;
    let released = false;
    const take = (bytes: number) => {
      if (released || bytes <= 0) return;
      if (this.#bytes + bytes > this.options.maxBytes) {
        throw new AdmissionRefusedError(
          'body-budget',
          `request bodies in flight would hold ${this.#bytes + bytes} bytes; the server takes at most ${this.options.maxBytes}`,
        );
      }
      this.#bytes += bytes;
      held += bytes;
    };
    take(declared);
    return {
      get amount() {
        return held;
      },
      grow: take,
      release: () => {
        if (released) return;
        released = true;
        this.#bytes -= held;
      },
    };
  }

  /**
   * Takes `pixels` of decoded-pixel budget, waiting in arrival order while others hold it. Rejects with
   * AdmissionRefusedError (413 more than the whole budget, 429 too many waiting) or with `signal`'s reason.
   */
  acquirePixels(pixels: number, signal?: AbortSignal): Promise<Lease> {
    const max = this.options.maxPixels;
    if (pixels > max) {
      return Promise.reject(new AdmissionRefusedError('pixels-too-large', `request decodes to ${pixels} pixels; the server holds at most ${max} at once`));
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#waiters.length === 0 && this.#pixels + pixels <= max) return Promise.resolve(this.#takePixels(pixels));
    if (this.#waiters.length >= this.options.maxPixelWaiters) {
      return Promise.reject(new AdmissionRefusedError('pixels-busy', `${this.#waiters.length} requests already wait for decoding room`));
    }
    return new Promise<Lease>((resolve, reject) => {
      const waiter: PixelWaiter = {
        pixels,
        resolve: (lease) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(lease);
        },
        reject,
      };
      const onAbort = () => {
        const index = this.#waiters.indexOf(waiter);
        if (index >= 0) this.#waiters.splice(index, 1);
        reject(signal!.reason);
        this.#wake();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  #takePixels(pixels: number): Lease {
    this.#pixels += pixels;
    return this.#lease(pixels, () => {
      this.#pixels -= pixels;
      this.#wake();
    });
  }

  /** Hands freed budget to waiters in arrival order (the first one that does not fit blocks those behind it). */
  #wake(): void {
    while (this.#waiters.length > 0 && this.#pixels + this.#waiters[0]!.pixels <= this.options.maxPixels) {
      const waiter = this.#waiters.shift()!;
      waiter.resolve(this.#takePixels(waiter.pixels));
    }
  }

  #lease(amount: number, free: () => void): Lease {
    let released = false;
    return {
      amount,
      release: () => {
        if (released) return;
        released = true;
        free();
      },
    };
  }
}

import type { Admission, Lease } from './admission.js';
import { releaseAfterReclaim } from './reclaim.js';

/**
 * One request's door to the pixel budget. Each item reports its header size (or that it failed before
 * decoding); once every item has, the request takes the sum from the budget in one step and all its items
 * decode. Items never hold part of the budget while others of the same request wait, so requests cannot
 * deadlock each other.
 */
export class PixelGate {
  readonly #admission: Admission;
  readonly #signal: AbortSignal | undefined;
  readonly #state: ('pending' | 'reported' | 'skipped')[];
  #pending: number;
  #total = 0;
  #lease: Lease | undefined;
  #error: unknown;
  #settled = false;
  readonly #opened: Promise<void>;
  #open!: () => void;
  #fail!: (error: unknown) => void;

  constructor(itemCount: number, admission: Admission, signal?: AbortSignal) {
    this.#admission = admission;
    this.#signal = signal;
    this.#state = Array.from({ length: itemCount }, () => 'pending' as const);
    this.#pending = itemCount;
    this.#opened = new Promise<void>((resolve, reject) => {
      this.#open = resolve;
      this.#fail = reject;
    });
    // Items that never wait on the gate must not leave an unhandled rejection behind.
    this.#opened.catch(() => {});
  }

  /** The refusal (AdmissionRefusedError) or abort that closed the gate, if any. */
  get error(): unknown {
    return this.#error;
  }

  /** Pixels this request holds. */
  get pixels(): number {
    return this.#lease?.amount ?? 0;
  }

  /** Item `index` knows its size; resolves when the request's budget is granted (rejects when refused). */
  report(index: number, pixels: number): Promise<void> {
    if (this.#state[index] === 'pending') {
      this.#state[index] = 'reported';
      this.#total += pixels;
      this.#arrive();
    }
    return this.#opened;
  }

  /** Item `index` failed before its header was read: it needs no pixels. No-op once reported. */
  skip(index: number): void {
    if (this.#state[index] !== 'pending') return;
    this.#state[index] = 'skipped';
    this.#arrive();
  }

  /** Gives the budget back (after the request's items were scored or dropped). */
  release(): void {
    // Large decoded images are collected once the request's last references are gone, and only then is their
    // budget given back to the next request (see reclaim.ts).
    const lease = this.#lease;
    this.#lease = undefined;
    if (lease) releaseAfterReclaim(lease.amount, () => lease.release());
  }

  #arrive(): void {
    this.#pending -= 1;
    if (this.#pending > 0 || this.#settled) return;
    this.#settled = true;
    if (this.#total === 0) {
      this.#open();
      return;
    }
    this.#admission.acquirePixels(this.#total, this.#signal).then(
      (lease) => {
        this.#lease = lease;
        this.#open();
      },
      (error: unknown) => {
        this.#error = error;
        this.#fail(error);
      },
    );
  }
}

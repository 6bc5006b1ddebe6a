/**
 * Dynamic batching across concurrent requests: items from many HTTP requests wait in one bounded queue and
 * are scored together, up to `maxBatch` items per call, after at most `maxWaitMs` of waiting for company.
 * The queue is bounded in items; a request that does not fit is refused whole (HTTP 429) rather than
 * partially accepted, so every accepted item is always answered.
 */

export interface BatcherOptions {
  /** Most items per scoring call. */
  maxBatch: number;
  /** How long the oldest waiting item may wait for a fuller batch (0: score what is there at once). */
  maxWaitMs: number;
  /** Most items waiting (not counting the batch being scored). */
  maxQueue: number;
  /** Scoring calls that may run at once (1 for CPU-bound models that use every core). */
  concurrency?: number;
}

export interface BatchInfo {
  size: number;
  /** How long the oldest item of the batch waited, in seconds. */
  waitedSeconds: number;
}

export type BatchScoreFn<In, Out> = (items: In[], info: BatchInfo) => Promise<Out[]>;

/** Refused because the queue is full (429) or the batcher is closing (503). */
export class BatcherRefusedError extends Error {
  constructor(
    readonly reason: 'queue-full' | 'closing' | 'too-large',
    message: string,
  ) {
    super(message);
    this.name = 'BatcherRefusedError';
  }
}

interface Pending<In, Out> {
  input: In;
  enqueuedAt: number;
  resolve: (value: Out) => void;
  reject: (error: unknown) => void;
}

export interface BatchTicket<Out> {
  results: Promise<Out>[];
  cancel(reason: unknown): void;
}

export class DynamicBatcher<In, Out> {
  readonly #options: Required<BatcherOptions>;
  readonly #scoreBatch: BatchScoreFn<In, Out>;
  #queue: Pending<In, Out>[] = [];
  #running = 0;
  #runningItems = 0;
  #timer: NodeJS.Timeout | undefined;
  #closing = false;
  #idleWaiters: (() => void)[] = [];
  #admitting = 0;
  #freeSince = 0;

  constructor(options: BatcherOptions, scoreBatch: BatchScoreFn<In, Out>) {
    this.#options = { concurrency: 1, ...options };
    if (!(this.#options.maxBatch >= 1)) throw new RangeError('maxBatch must be >= 1');
    if (!(this.#options.maxQueue >= 1)) throw new RangeError('maxQueue must be >= 1');
    if (!(this.#options.maxWaitMs >= 0)) throw new RangeError('maxWaitMs must be >= 0');
    this.#scoreBatch = scoreBatch;
  }

  /** Items waiting for a batch. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Items in the batches being scored. */
  get runningItems(): number {
    return this.#runningItems;
  }

  /** Scoring calls in progress. */
  get running(): number {
    return this.#running;
  }

  get closing(): boolean {
    return this.#closing;
  }

  /**
   * Announces `count` items on their way (request parsed, images decoding); call the returned function once
   * they are submitted or dropped. A batch about to start waits for announced items, up to `maxWaitMs`.
   */
  admit(count: number): () => void {
    this.#admitting += count;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#admitting -= count;
      if (this.#admitting === 0) this.#schedule();
    };
  }

  /** Items announced by `admit` and not yet submitted. */
  get admitting(): number {
    return this.#admitting;
  }

  /**
   * Enqueues all items of one request, or none: throws BatcherRefusedError synchronously when they do not fit.
   * Each promise of the ticket settles with that item's output (or the batch's error).
   */
  submit(inputs: readonly In[]): BatchTicket<Out> {
    if (this.#closing) throw new BatcherRefusedError('closing', 'server is shutting down');
    if (inputs.length > this.#options.maxQueue) {
      throw new BatcherRefusedError('too-large', `request has ${inputs.length} items; the queue holds at most ${this.#options.maxQueue}`);
    }
    if (this.#queue.length + inputs.length > this.#options.maxQueue) {
      throw new BatcherRefusedError('queue-full', `queue full (${this.#queue.length} of ${this.#options.maxQueue} items waiting)`);
    }
    const now = performance.now();
    const entries: Pending<In, Out>[] = [];
    const results = inputs.map(
      (input) =>
        new Promise<Out>((resolve, reject) => {
          const pending = { input, enqueuedAt: now, resolve, reject };
          entries.push(pending);
          this.#queue.push(pending);
        }),
    );
    this.#schedule();
    return {
      results,
      // Items still waiting leave the queue (e.g. their request timed out); items already in a running batch
      // are scored anyway and their results dropped by the caller.
      cancel: (reason: unknown) => {
        const withdrawn = new Set(entries);
        const kept: Pending<In, Out>[] = [];
        for (const pending of this.#queue) {
          if (withdrawn.has(pending)) pending.reject(reason);
          else kept.push(pending);
        }
        this.#queue = kept;
        this.#wakeIdleWaiters();
      },
    };
  }

  /** Stops accepting work; resolves once every accepted item has been scored. */
  async drain(): Promise<void> {
    this.#closing = true;
    // Waiting items go out now, without waiting for company.
    this.#flushNow();
    if (this.#queue.length === 0 && this.#running === 0) return;
    await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
  }

  #flushNow(): void {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    while (this.#queue.length > 0 && this.#running < this.#options.concurrency) this.#startBatch();
  }

  #wakeIdleWaiters(): void {
    if (this.#queue.length > 0 || this.#running > 0) return;
    for (const wake of this.#idleWaiters.splice(0)) wake();
  }

  /**
   * Starts a batch now when it is full, when nothing is on its way (no admission in progress: waiting would
   * only add latency), when closing, or when batching is off; otherwise waits for the items being admitted,
   * at most `maxWaitMs` from the later of the oldest item's arrival and the moment the scorer became free.
   */
  #schedule(): void {
    if (this.#running >= this.#options.concurrency || this.#queue.length === 0) return;
    if (this.#queue.length >= this.#options.maxBatch || this.#options.maxWaitMs === 0 || this.#closing || this.#admitting === 0) {
      this.#flushNow();
      return;
    }
    if (this.#timer) return;
    const deadline = Math.max(this.#queue[0]!.enqueuedAt, this.#freeSince) + this.#options.maxWaitMs;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#flushNow();
      },
      Math.max(0, deadline - performance.now()),
    );
  }

  #startBatch(): void {
    const batch = this.#queue.splice(0, this.#options.maxBatch);
    if (batch.length === 0) return;
    this.#running += 1;
    this.#runningItems += batch.length;
    const info: BatchInfo = { size: batch.length, waitedSeconds: (performance.now() - batch[0]!.enqueuedAt) / 1000 };
    let call: Promise<Out[]>;
    try {
      call = this.#scoreBatch(
        batch.map((pending) => pending.input),
        info,
      );
    } catch (error) {
      call = Promise.reject(error);
    }
    call
      .then(
        (outputs) => {
          batch.forEach((pending, index) => {
            if (index < outputs.length) pending.resolve(outputs[index]!);
            else pending.reject(new Error(`batch returned ${outputs.length} results for ${batch.length} items`));
          });
        },
        (error: unknown) => {
          for (const pending of batch) pending.reject(error);
        },
      )
      .finally(() => {
        this.#running -= 1;
        this.#runningItems -= batch.length;
        this.#freeSince = performance.now();
        // After a macrotask: requests that arrived while a synchronous model blocked the event loop get
        // parsed and admitted first, and can join the next batch.
        if (this.#queue.length > 0) setImmediate(() => this.#schedule());
        else this.#wakeIdleWaiters();
      });
    // More room (concurrency > 1) with a full queue: start the next one too.
    if (this.#queue.length >= this.#options.maxBatch) this.#schedule();
  }
}

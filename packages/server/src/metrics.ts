import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256];

/**
 * The server's Prometheus metrics, in a registry of their own (several servers in one process, as in tests,
 * do not collide). Exposed at GET /metrics in the text format.
 */
export class ServerMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'protocol' | 'status'>;
  readonly requestDuration: Histogram<'protocol'>;
  readonly expertDuration: Histogram<'expert'>;
  readonly expertItems: Counter<'expert' | 'outcome'>;
  readonly batchDuration: Histogram;
  readonly batchSize: Histogram;
  readonly queueWait: Histogram;
  readonly queueDepth: Gauge;
  readonly runningBatches: Gauge;
  readonly items: Counter<'outcome'>;
  readonly errors: Counter<'stage' | 'code'>;
  readonly ready: Gauge;
  #queueDepthSource: () => number = () => 0;
  readonly #prefix: string;

  constructor(options: { prefix?: string; defaultMetrics?: boolean } = {}) {
    const prefix = options.prefix ?? 't2ir_';
    this.#prefix = prefix;
    const registry = new Registry();
    this.registry = registry;
    const registers = [registry];
    this.requests = new Counter({
      name: `${prefix}requests_total`,
      help: 'HTTP requests by protocol and status code.',
      labelNames: ['protocol', 'status'],
      registers,
    });
    this.requestDuration = new Histogram({
      name: `${prefix}request_duration_seconds`,
      help: 'HTTP request latency, from the first byte read to the response written.',
      labelNames: ['protocol'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.expertDuration = new Histogram({
      name: `${prefix}expert_duration_seconds`,
      help: 'Latency of one expert scoring one batch.',
      labelNames: ['expert'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.expertItems = new Counter({
      name: `${prefix}expert_items_total`,
      help: 'Items scored per expert by outcome (ok, error, null).',
      labelNames: ['expert', 'outcome'],
      registers,
    });
    this.batchDuration = new Histogram({
      name: `${prefix}batch_duration_seconds`,
      help: 'Latency of one ensemble batch (all experts).',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.batchSize = new Histogram({ name: `${prefix}batch_size`, help: 'Items per ensemble batch (dynamic batching).', buckets: BATCH_BUCKETS, registers });
    this.queueWait = new Histogram({
      name: `${prefix}queue_wait_seconds`,
      help: 'How long the oldest item of a batch waited in the queue.',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    const depth = () => this.#queueDepthSource();
    this.queueDepth = new Gauge({
      name: `${prefix}queue_depth`,
      help: 'Items admitted and not yet being scored: from the moment their request was read (decoding, waiting for a batch).',
      registers,
      collect() {
        this.set(depth());
      },
    });
    this.runningBatches = new Gauge({ name: `${prefix}running_batches`, help: 'Batches being scored now.', registers });
    this.items = new Counter({ name: `${prefix}items_total`, help: 'Items answered by outcome (scored, failed).', labelNames: ['outcome'], registers });
    this.errors = new Counter({
      name: `${prefix}errors_total`,
      help: 'Errors by stage (request, image, expert, batch) and code (e.g. queue_full, IMAGE_DECODE).',
      labelNames: ['stage', 'code'],
      registers,
    });
    this.ready = new Gauge({ name: `${prefix}ready`, help: '1 when the models are loaded and the server accepts work.', registers });
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix });
  }

  /** Where queue_depth reads the live depth at scrape time. */
  setQueueDepthSource(source: () => number): void {
    this.#queueDepthSource = source;
  }

  /** A gauge read from `source` at scrape time (e.g. bytes or pixels in flight). */
  addLiveGauge(name: string, help: string, source: () => number): Gauge {
    return new Gauge({
      name: `${this.#prefix}${name}`,
      help,
      registers: [this.registry],
      collect() {
        this.set(source());
      },
    });
  }

  /** A labelled gauge whose rows come from `source` at scrape time (e.g. running-z statistics per model and expert). */
  addLabelledLiveGauge<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    source: () => { labels: Record<L, string>; value: number }[],
  ): Gauge<L> {
    return new Gauge<L>({
      name: `${this.#prefix}${name}`,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const row of source()) this.set(row.labels as never, row.value);
      },
    });
  }

  /** Records one expert's batch call (the instrumented model calls this). */
  observeExpert(expert: string, seconds: number, outcomes: { ok: number; error: number; nullScore: number }): void {
    this.expertDuration.observe({ expert }, seconds);
    if (outcomes.ok) this.expertItems.inc({ expert, outcome: 'ok' }, outcomes.ok);
    if (outcomes.error) this.expertItems.inc({ expert, outcome: 'error' }, outcomes.error);
    if (outcomes.nullScore) this.expertItems.inc({ expert, outcome: 'null' }, outcomes.nullScore);
  }

  error(stage: 'request' | 'image' | 'expert' | 'batch', code: string): void {
    this.errors.inc({ stage, code });
  }
}

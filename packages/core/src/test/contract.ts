import { ModelDisposedError, RewardAbortedError, T2IRewardError } from '../errors.js';
import type { RewardItemResult, RewardModelV1, RewardSample } from '../spec.js';
import { createTestImage } from './mock.js';

export interface RewardContractOptions {
  /**
   * Samples the expert can score (at least 2; real photos and fitting prompts for a real expert). Default:
   * three synthetic images with simple prompts.
   */
  samples?: readonly RewardSample[];
  /**
   * A sample this expert cannot process (e.g. a 1x1 image, an empty prompt for a prompt-bound model). When
   * given, a batch of [samples[0], this, samples[1]] must fail only the middle item (error set or score null)
   * and score the others as when they were alone.
   */
  unprocessableSample?: RewardSample;
  /** Allowed score range (default [0, 1]). */
  scoreRange?: readonly [number, number];
  /** Largest difference between two scores that count as equal (default 1e-6). */
  tolerance?: number;
  /** Check that a repeated batch scores the same (default true). */
  determinism?: boolean;
  /** Time limit per check in ms (default 120 000), so a hanging expert fails a check instead of the run. */
  checkTimeoutMs?: number;
}

export interface ContractViolation {
  check: string;
  message: string;
}

export interface RewardContractReport {
  passed: string[];
  violations: ContractViolation[];
  /** Checks not run: no unprocessable sample given, determinism turned off. */
  skipped: string[];
}

type Outcome = { status: 'passed' } | { status: 'skipped'; reason: string } | { status: 'failed'; messages: string[] };

/** Shared state of one contract run: the model and its baseline results. */
export class ContractContext {
  readonly samples: readonly RewardSample[];
  readonly range: readonly [number, number];
  readonly tolerance: number;
  #baseline: Promise<RewardItemResult[]> | undefined;

  constructor(
    readonly model: RewardModelV1,
    readonly options: RewardContractOptions,
  ) {
    this.samples = options.samples ?? defaultSamples();
    if (this.samples.length < 2) throw new Error('the reward contract needs at least 2 samples');
    this.range = options.scoreRange ?? [0, 1];
    this.tolerance = options.tolerance ?? 1e-6;
  }

  /** The first scoring of `samples`, shared by the checks that compare against it. */
  baseline(): Promise<RewardItemResult[]> {
    this.#baseline ??= this.model.doScore(this.samples);
    return this.#baseline;
  }

  same(a: number | null, b: number | null): boolean {
    if (a === null || b === null) return a === b;
    return Math.abs(a - b) <= this.tolerance;
  }
}

function defaultSamples(): RewardSample[] {
  return [
    { image: createTestImage(64, 48, [200, 30, 30]), prompt: 'a red square' },
    { image: createTestImage(48, 64, (x, y) => [x * 4, y * 4, 128]), prompt: 'a photo of a dog next to a bicycle' },
    { image: createTestImage(32, 32, [20, 20, 220]), prompt: 'three blue circles' },
  ];
}

function describeError(error: unknown): string {
  if (T2IRewardError.isInstance(error)) return `${error.name} (${error.code}): ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** Problems with one result, or none. */
function resultProblems(result: unknown, index: number, context: ContractContext): string[] {
  const problems: string[] = [];
  const at = `result ${index}`;
  if (typeof result !== 'object' || result === null) return [`${at} is ${result === null ? 'null' : typeof result}, not an object`];
  const item = result as Partial<RewardItemResult>;
  const [min, max] = context.range;
  if (item.score !== null && (typeof item.score !== 'number' || !Number.isFinite(item.score))) {
    problems.push(`${at}: score ${String(item.score)} is neither a finite number nor null`);
  } else if (typeof item.score === 'number' && (item.score < min || item.score > max)) {
    problems.push(`${at}: score ${item.score} is outside [${min}, ${max}]`);
  }
  if (item.raw !== null && (typeof item.raw !== 'number' || !Number.isFinite(item.raw))) {
    problems.push(`${at}: raw ${String(item.raw)} is neither a finite number nor null`);
  }
  if (!Array.isArray(item.warnings) || !item.warnings.every((warning) => typeof warning === 'string')) {
    problems.push(`${at}: warnings must be an array of strings`);
  }
  if (item.error !== undefined) {
    if (!T2IRewardError.isInstance(item.error)) problems.push(`${at}: error is not a T2IRewardError (${describeError(item.error)})`);
    if (item.score !== null) problems.push(`${at}: has an error but score ${String(item.score)} (must be null)`);
  }
  if (item.details !== undefined) {
    if (typeof item.details !== 'object' || item.details === null || Array.isArray(item.details)) {
      problems.push(`${at}: details must be an object`);
    } else {
      try {
        JSON.stringify(item.details);
      } catch (error) {
        problems.push(`${at}: details are not JSON-serialisable (${(error as Error).message})`);
      }
    }
  }
  return problems;
}

export interface ContractCheck {
  name: string;
  description: string;
  run(context: ContractContext): Promise<Outcome>;
}

const passed: Outcome = { status: 'passed' };
const failed = (...messages: string[]): Outcome => ({ status: 'failed', messages });

async function expectRejection(promise: Promise<unknown>, isExpected: (error: unknown) => boolean, expected: string): Promise<Outcome> {
  try {
    const value = await promise;
    return failed(`resolved (${Array.isArray(value) ? `${value.length} results` : typeof value}) instead of rejecting with ${expected}`);
  } catch (error) {
    return isExpected(error) ? passed : failed(`rejected with ${describeError(error)} instead of ${expected}`);
  }
}

/** The checks, in the order they run (dispose last: it ends the model). */
export const CONTRACT_CHECKS: readonly ContractCheck[] = [
  {
    name: 'identity',
    description: "specificationVersion 'v1', kind / modelId / version strings, doScore and dispose",
    async run({ model }) {
      const messages: string[] = [];
      if (model.specificationVersion !== 'v1') messages.push(`specificationVersion is ${JSON.stringify(model.specificationVersion)}, expected 'v1'`);
      for (const key of ['kind', 'modelId', 'version'] as const) {
        if (typeof model[key] !== 'string' || model[key].length === 0) messages.push(`${key} must be a non-empty string, got ${JSON.stringify(model[key])}`);
      }
      if (typeof model.doScore !== 'function') messages.push('doScore is not a function');
      if (typeof model.dispose !== 'function') messages.push('dispose is not a function');
      return messages.length ? failed(...messages) : passed;
    },
  },
  {
    name: 'empty-batch',
    description: 'an empty batch resolves to []',
    async run({ model }) {
      try {
        const results = await model.doScore([]);
        return Array.isArray(results) && results.length === 0 ? passed : failed(`expected [], got ${JSON.stringify(results)}`);
      } catch (error) {
        return failed(`rejected: ${describeError(error)}`);
      }
    },
  },
  {
    name: 'batch-length',
    description: 'one result per sample',
    async run(context) {
      try {
        const results = await context.baseline();
        if (!Array.isArray(results)) return failed(`doScore resolved to ${typeof results}, not an array`);
        return results.length === context.samples.length ? passed : failed(`${results.length} results for ${context.samples.length} samples`);
      } catch (error) {
        return failed(`doScore rejected a batch of valid samples: ${describeError(error)}`);
      }
    },
  },
  {
    name: 'result-shape',
    description: 'score finite in range or null, raw number or null, warnings string[], typed errors, JSON details',
    async run(context) {
      let results: RewardItemResult[];
      try {
        results = await context.baseline();
      } catch (error) {
        return failed(`doScore rejected: ${describeError(error)}`);
      }
      if (!Array.isArray(results)) return failed('doScore did not resolve to an array');
      const messages = results.flatMap((result, index) => resultProblems(result, index, context));
      if (results.length > 0 && results.every((result) => result?.error !== undefined)) {
        messages.push(`every valid sample failed (first: ${describeError(results[0]!.error)})`);
      }
      return messages.length ? failed(...messages) : passed;
    },
  },
  {
    name: 'order',
    description: 'results follow the order of the samples',
    async run(context) {
      try {
        const baseline = await context.baseline();
        const reversed = await context.model.doScore([...context.samples].reverse());
        if (!Array.isArray(reversed) || reversed.length !== baseline.length) return failed('a reversed batch gave a different number of results');
        const messages: string[] = [];
        baseline.forEach((result, index) => {
          const other = reversed[reversed.length - 1 - index];
          if (!context.same(result?.score ?? null, other?.score ?? null)) {
            messages.push(`sample ${index} scored ${String(result?.score)} in order and ${String(other?.score)} when the batch was reversed`);
          }
        });
        return messages.length ? failed(...messages) : passed;
      } catch (error) {
        return failed(`doScore rejected: ${describeError(error)}`);
      }
    },
  },
  {
    name: 'determinism',
    description: 'the same batch scores the same twice',
    async run(context) {
      if (context.options.determinism === false) return { status: 'skipped', reason: 'determinism: false' };
      try {
        const baseline = await context.baseline();
        const again = await context.model.doScore(context.samples);
        const messages: string[] = [];
        baseline.forEach((result, index) => {
          const other = again[index];
          if (!context.same(result?.score ?? null, other?.score ?? null) || !context.same(result?.raw ?? null, other?.raw ?? null)) {
            messages.push(`sample ${index}: score ${String(result?.score)} / raw ${String(result?.raw)} then ${String(other?.score)} / ${String(other?.raw)}`);
          }
        });
        return messages.length ? failed(...messages) : passed;
      } catch (error) {
        return failed(`doScore rejected: ${describeError(error)}`);
      }
    },
  },
  {
    name: 'per-item-error',
    description: 'a sample the expert cannot process fails only its own item',
    async run(context) {
      const bad = context.options.unprocessableSample;
      if (!bad) return { status: 'skipped', reason: 'no unprocessableSample given' };
      const [first, second] = context.samples as [RewardSample, RewardSample];
      let results: RewardItemResult[];
      let baseline: RewardItemResult[];
      try {
        baseline = await context.baseline();
        results = await context.model.doScore([first, bad, second]);
      } catch (error) {
        return failed(`the whole batch rejected because of one bad sample: ${describeError(error)}`);
      }
      if (!Array.isArray(results) || results.length !== 3) return failed(`expected 3 results, got ${Array.isArray(results) ? results.length : typeof results}`);
      const messages: string[] = [];
      const middle = results[1]!;
      if (!(middle.error !== undefined || middle.score === null)) messages.push(`the unprocessable sample scored ${String(middle.score)} without an error`);
      if (middle.error !== undefined && !T2IRewardError.isInstance(middle.error))
        messages.push(`its error is not a T2IRewardError: ${describeError(middle.error)}`);
      for (const [position, baselineIndex] of [
        [0, 0],
        [2, 1],
      ] as const) {
        const result = results[position]!;
        if (result.error) messages.push(`good sample ${baselineIndex} failed too: ${describeError(result.error)}`);
        else if (!context.same(result.score, baseline[baselineIndex]?.score ?? null)) {
          messages.push(`good sample ${baselineIndex} scored ${String(result.score)} next to the bad one, ${String(baseline[baselineIndex]?.score)} otherwise`);
        }
      }
      return messages.length ? failed(...messages) : passed;
    },
  },
  {
    name: 'abort',
    description: 'an aborted signal rejects with RewardAbortedError',
    async run({ model, samples }) {
      const controller = new AbortController();
      controller.abort(new Error('test abort'));
      return expectRejection(model.doScore(samples, { signal: controller.signal }), RewardAbortedError.isInstance, 'RewardAbortedError');
    },
  },
  {
    name: 'dispose',
    description: 'dispose is idempotent and later calls reject with ModelDisposedError',
    async run({ model, samples }) {
      try {
        await model.dispose();
        await model.dispose();
      } catch (error) {
        return failed(`dispose rejected: ${describeError(error)}`);
      }
      return expectRejection(model.doScore(samples), ModelDisposedError.isInstance, 'ModelDisposedError');
    },
  },
];

/** Runs one check under the time limit, turning a throw into a failed outcome. */
export async function runContractCheck(check: ContractCheck, context: ContractContext): Promise<Outcome> {
  const limit = context.options.checkTimeoutMs ?? 120_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve(failed(`did not finish within ${limit} ms`)), limit);
    timer.unref?.();
  });
  try {
    return await Promise.race([check.run(context).catch((error: unknown) => failed(`threw: ${describeError(error)}`)), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs every contract check on a fresh model from `createModel` (disposed at the end) and reports which passed.
 * Usable outside vitest, e.g. to vet a plugin before registering it.
 */
export async function checkRewardContract(
  createModel: () => RewardModelV1 | Promise<RewardModelV1>,
  options: RewardContractOptions = {},
): Promise<RewardContractReport> {
  const report: RewardContractReport = { passed: [], violations: [], skipped: [] };
  const model = await createModel();
  const context = new ContractContext(model, options);
  for (const check of CONTRACT_CHECKS) {
    const outcome = await runContractCheck(check, context);
    if (outcome.status === 'passed') report.passed.push(check.name);
    else if (outcome.status === 'skipped') report.skipped.push(check.name);
    else for (const message of outcome.messages) report.violations.push({ check: check.name, message });
  }
  await Promise.resolve(model.dispose?.()).catch(() => undefined);
  return report;
}

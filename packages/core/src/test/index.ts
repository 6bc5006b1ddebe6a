/**
 * `@t2i-reward/core/test`: the reward contract every expert package runs, plus test helpers.
 * `describeRewardContract` needs vitest (an optional peer); `checkRewardContract` runs anywhere.
 */
import { InvalidConfigError, T2IRewardError } from '../errors.js';
import type { RewardModelV1 } from '../spec.js';
import { CONTRACT_CHECKS, ContractContext, runContractCheck, type RewardContractOptions } from './contract.js';

export {
  checkRewardContract,
  CONTRACT_CHECKS,
  type ContractCheck,
  type ContractViolation,
  type RewardContractOptions,
  type RewardContractReport,
} from './contract.js';
export { createMockReward, createTestImage, meanBrightness, MockReward, type MockRewardOptions } from './mock.js';
export { describeRepoFiles, gitBlobId, sha256Hex, startStandInHub, type StandInHub, type StandInRepo, type StandInRequest } from './stand-in-hub.js';

// Loaded only if installed, so that checkRewardContract and the helpers work without vitest.
const vitest = await import('vitest').catch(() => undefined);

/**
 * Registers a vitest suite "<name>: reward contract" with one test per check (identity, empty-batch,
 * batch-length, result-shape, order, determinism, per-item-error, abort, dispose) on one model from
 * `createModel`, created before the first test and disposed by the last.
 */
export function describeRewardContract(name: string, createModel: () => RewardModelV1 | Promise<RewardModelV1>, options: RewardContractOptions = {}): void {
  if (!vitest) throw new Error('describeRewardContract needs vitest; use checkRewardContract elsewhere');
  const { describe, it, beforeAll, afterAll } = vitest;
  const timeout = (options.checkTimeoutMs ?? 120_000) + 5_000;
  describe(`${name}: reward contract`, () => {
    let context: ContractContext | undefined;
    beforeAll(async () => {
      context = new ContractContext(await createModel(), options);
    }, timeout);
    afterAll(async () => {
      await Promise.resolve(context?.model.dispose()).catch(() => undefined);
    });
    for (const check of CONTRACT_CHECKS) {
      it(
        `${check.name}: ${check.description}`,
        async (test) => {
          if (!context) throw new Error('the model could not be created');
          const outcome = await runContractCheck(check, context);
          if (outcome.status === 'skipped') test.skip(outcome.reason);
          else if (outcome.status === 'failed') throw new Error(`reward contract violated (${check.name}):\n- ${outcome.messages.join('\n- ')}`);
        },
        timeout,
      );
    }
  });
}

/** What a test captured from a stream: everything written since capture started or the last `clear()`. */
export interface CapturedWrites {
  readonly text: string;
  clear(): void;
}

/**
 * Captures what is written to `process.stdout` or `process.stderr` (a vitest spy on its `write`, which swallows the
 * output) until `vi.restoreAllMocks()`.
 */
export function captureWrites(stream: NodeJS.WriteStream): CapturedWrites {
  if (!vitest) throw new Error('captureWrites needs vitest');
  let text = '';
  vitest.vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
    text += String(chunk);
    return true;
  });
  return {
    get text() {
      return text;
    },
    clear() {
      text = '';
    },
  };
}

/**
 * Runs the first ```ts snippet of a README as written — saved into `dir` (so its imports resolve as the package's own
 * files do), imported, removed — and returns what it printed with `console.log` (one string per call, arguments
 * joined by spaces) and what the comment of its `console.log(...); // ...` line says it prints. The import needs
 * vitest (or another TypeScript loader).
 */
export async function runReadmeSnippet(readme: string, dir: string): Promise<{ printed: string[]; expected: string | undefined }> {
  if (!vitest) throw new Error('runReadmeSnippet needs vitest');
  const { promises: fs } = await import('node:fs');
  const path = await import('node:path');
  const snippet = /```ts\n([\s\S]*?)```/.exec(await fs.readFile(readme, 'utf8'))?.[1];
  if (snippet === undefined) throw new Error(`${readme} has no \`\`\`ts snippet`);
  const expected = /console\.log\(.*\); \/\/ (.*)\n/.exec(snippet)?.[1];
  const file = path.join(dir, `.readme-snippet-${process.pid}-${Date.now()}.ts`);
  const log = vitest.vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    await fs.writeFile(file, snippet);
    await import(/* @vite-ignore */ file);
    return { printed: log.mock.calls.map((call) => call.map(String).join(' ')), expected };
  } finally {
    log.mockRestore();
    await fs.rm(file, { force: true });
  }
}

/**
 * The typed error that `fn` throws, of class `type` (default: any T2IRewardError, matched by `isInstance`); any
 * other error is rethrown, and none at all is an error.
 */
export function thrownBy<E extends T2IRewardError = T2IRewardError>(
  fn: () => unknown,
  type: (abstract new (...args: never[]) => E) & { isInstance(error: unknown): boolean; name: string } = T2IRewardError as never,
): E {
  try {
    fn();
  } catch (error) {
    if (type.isInstance(error)) return error as E;
    throw error;
  }
  throw new Error(`expected ${type.name}`);
}

/** The InvalidConfigError that `fn` throws; any other error is rethrown, and none at all is an error. */
export function configErrorOf(fn: () => unknown): InvalidConfigError {
  return thrownBy(fn, InvalidConfigError);
}

/** The T2IRewardError that `promise` rejects with; any other error is rethrown, and fulfilment is an error. */
export async function rejectionOf(promise: Promise<unknown>): Promise<T2IRewardError> {
  try {
    await promise;
  } catch (error) {
    if (T2IRewardError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

import pLimit from 'p-limit';
import { isFatalRewardError, toRewardError, throwIfAborted, type RewardSample, type T2IRewardError } from '@t2i-reward/core';
import { queryText, type YesNoAnswer, type YesNoBackend, type YesNoQuery } from './backend.js';

export interface AskManyOptions {
  temperature?: number;
  /** See YesNoAskOptions.topK. */
  topK?: number;
  signal?: AbortSignal | undefined;
  /** Distinct images asked at once (default 1). */
  imageConcurrency?: number;
}

/** Distinct images asked at once unless configured: 16 for a remote `openai` backend, 1 for in-process ones. */
export function defaultImageConcurrency(backend: YesNoBackend): number {
  return backend.id.startsWith('openai/') ? 16 : 1;
}

/**
 * Asks each sample's questions, grouping samples by image (`hash`): one `ask` per distinct image with the union
 * of its questions, so an image shared by several samples is encoded once and a repeated question asked once.
 * Returns per sample its answers (in its query order) or the error of its image's group.
 */
export async function askGroupedByImage(
  backend: YesNoBackend,
  samples: readonly RewardSample[],
  queriesOf: readonly (readonly YesNoQuery[])[],
  options: AskManyOptions = {},
): Promise<(YesNoAnswer[] | T2IRewardError)[]> {
  const groups = new Map<string, number[]>();
  samples.forEach((sample, index) => {
    const members = groups.get(sample.image.hash);
    if (members) members.push(index);
    else groups.set(sample.image.hash, [index]);
  });
  const results: (YesNoAnswer[] | T2IRewardError)[] = samples.map(() => []);
  const limit = pLimit(Math.max(1, options.imageConcurrency ?? 1));
  await Promise.all(
    [...groups.values()].map((members) =>
      limit(async () => {
        throwIfAborted(options.signal);
        const unique = new Map<string, YesNoQuery>();
        for (const index of members) {
          for (const query of queriesOf[index]!) unique.set(keyOf(query), query);
        }
        const queries = [...unique.values()];
        try {
          const answers =
            queries.length === 0
              ? []
              : await backend.ask(samples[members[0]!]!.image, queries, {
                  ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
                  ...(options.topK !== undefined ? { topK: options.topK } : {}),
                  ...(options.signal ? { signal: options.signal } : {}),
                });
          const byKey = new Map(queries.map((query, i) => [keyOf(query), answers[i]!]));
          for (const index of members) results[index] = queriesOf[index]!.map((query) => byKey.get(keyOf(query))!);
        } catch (error) {
          throwIfAborted(options.signal);
          if (isFatalRewardError(error)) throw error;
          const failure = toRewardError(error, `${backend.id} failed`);
          for (const index of members) results[index] = failure;
        }
      }),
    ),
  );
  return results;
}

function keyOf(query: YesNoQuery): string {
  return JSON.stringify([query.prefix ?? '', query.body, query.suffix ?? '', queryText(query)]);
}

import { HttpError, sendJson } from '../http.js';
import type { RawItem } from '../core/scoring.js';
import { openRlhfRequestSchema } from '../schemas.js';
import { errorToJson, finiteOrNull, validateRequest } from './native.js';
import type { Protocol } from './types.js';

interface OpenRlhfRequest {
  query?: string[];
  prompts?: string[];
  labels?: unknown[];
  images?: unknown[];
  normalize?: unknown;
}

/** The image of item i is `images[i]`, else `labels[i]` (an image reference, or `{"image","spec"?}`). */
function itemsOf(parsed: OpenRlhfRequest): RawItem[] {
  const texts = parsed.prompts ?? parsed.query ?? [];
  const items = texts.map((prompt, index): RawItem => {
    const label = parsed.labels?.[index];
    const labelObject =
      typeof label === 'object' && label !== null && !Array.isArray(label) && 'image' in label ? (label as Record<string, unknown>) : undefined;
    const image = parsed.images?.[index] ?? (labelObject ? labelObject.image : label);
    if (image === undefined || image === null) {
      throw new HttpError(400, 'missing_image', `item ${index}: no image (pass "images" or an image reference in "labels")`, {}, { index });
    }
    return { image, prompt, ...(labelObject?.spec !== undefined ? { spec: labelObject.spec } : {}) };
  });
  if (items.length === 0) throw new HttpError(400, 'empty', 'no items: "prompts" (or "query") is empty');
  return items;
}

/** OpenRLHF remote reward model: POST /openrlhf/reward (alias /get_reward). */
export const openRlhfProtocol: Protocol = {
  name: 'openrlhf',
  match(method, pathname) {
    return (pathname === '/openrlhf/reward' || pathname === '/get_reward') && method === 'POST' ? { scoring: true } : undefined;
  },
  async handle(exchange, context) {
    const parsed = validateRequest<OpenRlhfRequest>(openRlhfRequestSchema, await context.readJson(exchange), 'OpenRLHF request', context.maxItems, [
      'query',
      'prompts',
      'labels',
      'images',
    ]);
    const items = itemsOf(parsed);
    const failedReward = exchange.url.searchParams.get('failed_reward');
    const fallback = failedReward === null ? null : Number(failedReward);
    if (fallback !== null && !Number.isFinite(fallback)) throw new HttpError(400, 'bad_parameter', 'failed_reward must be a number');
    const normalize = context.parseNormalize(parsed.normalize);
    const results = await context.withDeadline(exchange, (signal) => context.scoreItems(items, signal, normalize));
    const rewards = results.map((result) => finiteOrNull(result.reward) ?? fallback);
    const extraLogs: Record<string, (number | null)[]> = {};
    for (const expert of context.experts) {
      extraLogs[expert.name] = results.map((result) => finiteOrNull(result.experts[expert.name]?.score));
    }
    sendJson(exchange.response, 200, {
      rewards,
      scores: rewards,
      extra_logs: extraLogs,
      errors: results.map((result) => (result.error ? errorToJson(result.error) : null)),
    });
  },
};

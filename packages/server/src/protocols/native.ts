import { toRewardError, validateWithSchema, type EnsembleItemResult } from '@t2i-reward/core';
import type { RawItem } from '../core/scoring.js';
import { HttpError, sendJson } from '../http.js';
import { scoreRequestSchema, serverSchemas } from '../schemas.js';
import { VERSION } from '../version.js';
import type { Protocol } from './types.js';

/** Serialises a result for JSON responses (errors as {code, message}, details only when asked). */
export function resultToJson(result: EnsembleItemResult, includeDetails: boolean): Record<string, unknown> {
  const experts: Record<string, unknown> = {};
  for (const [name, outcome] of Object.entries(result.experts)) {
    experts[name] = {
      kind: outcome.kind,
      modelId: outcome.modelId,
      weight: outcome.weight,
      score: finiteOrNull(outcome.score),
      raw: finiteOrNull(outcome.raw),
      ...(outcome.normalized ? { normalized: { ...outcome.normalized, value: finiteOrNull(outcome.normalized.value) } } : {}),
      warnings: outcome.warnings,
      ...(outcome.error ? { error: errorToJson(outcome.error) } : {}),
      ...(includeDetails && outcome.details ? { details: outcome.details } : {}),
    };
  }
  return {
    reward: finiteOrNull(result.reward),
    experts,
    warnings: result.warnings,
    ...(result.error ? { error: errorToJson(result.error) } : {}),
  };
}

export function finiteOrNull(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function errorToJson(error: unknown): { name: string; code: string; message: string; data?: Record<string, unknown> } {
  return toRewardError(error).toJSON();
}

/**
 * Validates a request body against its schema; a mismatch is the client's (400). A body with an array named
 * in `arrays` longer than `maxItems` is checked on its first 8 elements only (400 when they are wrong), then
 * refused (413 too_many_items); the schema stops at the first failing keyword (at most 8 violations, each
 * clipped): a wrongly-shaped body of any size costs a few elements' work and answers a few hundred bytes.
 */
export function validateRequest<T>(
  schema: Record<string, unknown>,
  value: unknown,
  what: string,
  maxItems = Infinity,
  arrays: readonly string[] = ['items'],
): T {
  const check = (candidate: unknown) => {
    try {
      validateWithSchema<T>(schema, candidate, what, { stopEarly: true });
    } catch (error) {
      const data = (error as { data?: Record<string, unknown> }).data;
      throw new HttpError(400, 'invalid_request', (error as Error).message, {}, data?.errors ? { errors: data.errors } : undefined);
    }
  };
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    const long = arrays.find((key) => Array.isArray(record[key]) && (record[key] as unknown[]).length > maxItems);
    if (long !== undefined) {
      // Shape errors first (on a prefix of each array: a few elements' work), then the count.
      const prefix = { ...record };
      for (const key of arrays) if (Array.isArray(record[key])) prefix[key] = (record[key] as unknown[]).slice(0, 8);
      check(prefix);
      throw new HttpError(413, 'too_many_items', `request has ${(record[long] as unknown[]).length} ${long}; the queue holds at most ${maxItems}`);
    }
  }
  check(value);
  return value as T;
}

/** The native protocol: POST /v1/score, GET /v1/schema, GET /v1/models. */
export const nativeProtocol: Protocol = {
  name: 'native',
  match(method, pathname) {
    if (pathname === '/v1/score' && method === 'POST') return { scoring: true };
    if ((pathname === '/v1/schema' || pathname === '/v1/models') && method === 'GET') return { scoring: false };
    return undefined;
  },
  async handle(exchange, context) {
    const { pathname } = exchange.url;
    if (pathname === '/v1/schema') {
      sendJson(exchange.response, 200, serverSchemas);
      return;
    }
    if (pathname === '/v1/models') {
      sendJson(exchange.response, 200, { model: context.modelName, version: VERSION, ready: context.isReady(), experts: context.experts });
      return;
    }
    const parsed = validateRequest<{ items: RawItem[]; details?: boolean; normalize?: unknown }>(
      scoreRequestSchema,
      await context.readJson(exchange),
      'score request',
      context.maxItems,
    );
    const normalize = context.parseNormalize(parsed.normalize);
    const results = await context.withDeadline(exchange, (signal) => context.scoreItems(parsed.items, signal, normalize));
    sendJson(exchange.response, 200, { model: context.modelName, results: results.map((result) => resultToJson(result, parsed.details ?? false)) });
  },
};

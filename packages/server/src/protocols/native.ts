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

/** Validates a request body against its schema; a mismatch is the client's (400). */
export function validateRequest<T>(schema: Record<string, unknown>, value: unknown, what: string): T {
  try {
    return validateWithSchema<T>(schema, value, what);
  } catch (error) {
    throw new HttpError(400, 'invalid_request', (error as Error).message);
  }
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
    );
    const normalize = context.parseNormalize(parsed.normalize);
    const results = await context.withDeadline(exchange, (signal) => context.scoreItems(parsed.items, signal, normalize));
    sendJson(exchange.response, 200, { model: context.modelName, results: results.map((result) => resultToJson(result, parsed.details ?? false)) });
  },
};

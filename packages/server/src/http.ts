import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AdmissionRefusedError, type ByteLease } from './core/admission.js';

/** An error that maps to an HTTP status; `code` is machine-readable, `headers` go on the response (Retry-After). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly data?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/**
 * Reads the whole body, refusing more than `limit` bytes with 413: up front from Content-Length, or as soon as
 * the streamed bytes pass the limit (chunked uploads), without buffering the rest.
 */
export function readBody(request: IncomingMessage, limit: number, lease?: ByteLease, retryAfter = '1', idleTimeoutMs = 0): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? NaN);
  if (declared > limit) {
    return Promise.reject(new HttpError(413, 'body_too_large', `request body of ${declared} bytes is over the limit of ${limit}`));
  }
  // With a declared length the body is copied into one buffer as it arrives: never chunks and their
  // concatenation at once (a 60 MB body then peaks at 60 MB, not 120).
  const preallocated = Number.isInteger(declared) && declared > 0 ? Buffer.allocUnsafe(declared) : undefined;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let done = false;
    let idleTimer: NodeJS.Timeout | undefined;
    // A body that stops arriving frees its socket and its byte lease (requestTimeout alone would hold them for minutes).
    const armIdle = () => {
      if (idleTimeoutMs <= 0) return;
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        request.pause();
        finish(new HttpError(408, 'body_timeout', `no request-body bytes for ${idleTimeoutMs} ms`));
      }, idleTimeoutMs);
    };
    const finish = (error?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(idleTimer);
      request.off('data', onData);
      if (error) reject(error);
      else if (preallocated) resolve(total === preallocated.length ? preallocated : preallocated.subarray(0, total));
      else resolve(Buffer.concat(chunks, total));
    };
    const onData = (chunk: Buffer) => {
      armIdle();
      total += chunk.length;
      if (total > limit) {
        // Stop buffering; the response goes out with Connection: close so the rest is never read.
        request.pause();
        finish(new HttpError(413, 'body_too_large', `request body is over the limit of ${limit} bytes`));
        return;
      }
      // Bytes past the declared length (chunked uploads) count toward the in-flight budget as they arrive.
      if (lease && total > lease.amount) {
        try {
          lease.grow(total - lease.amount);
        } catch (error) {
          if (!(error instanceof AdmissionRefusedError)) throw error;
          request.pause();
          finish(new HttpError(429, 'body_budget', error.message, { 'retry-after': retryAfter }));
          return;
        }
      }
      if (preallocated && total <= preallocated.length) chunk.copy(preallocated, total - chunk.length);
      else if (preallocated) {
        // More bytes than Content-Length said (Node ends the request at the declared length; defensive only).
        request.pause();
        finish(new HttpError(400, 'bad_body', 'request body is longer than its Content-Length'));
      } else chunks.push(chunk);
    };
    request.on('data', onData);
    armIdle();
    request.once('end', () => finish());
    request.once('error', (error) => finish(new HttpError(400, 'bad_body', `request body could not be read: ${error.message}`)));
    request.once('aborted', () => finish(new HttpError(400, 'aborted', 'client aborted the request')));
  });
}

/** application/json or any application/*+json, parameters (charset) allowed. */
export function isJsonContentType(header: string | undefined): boolean {
  const type = (header ?? '').split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' || /^application\/[a-z0-9.!#$&^_-]+\+json$/.test(type);
}

export function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new HttpError(400, 'malformed_json', `malformed JSON: ${(error as Error).message}`);
  }
}

/** Writes a JSON response (no-op when the response already went out, e.g. after a timeout). */
export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (response.headersSent || response.writableEnded || response.destroyed) return;
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

export function sendBytes(response: ServerResponse, status: number, body: Buffer | string, headers: Record<string, string>): void {
  if (response.headersSent || response.writableEnded || response.destroyed) return;
  response.writeHead(status, { 'content-length': Buffer.byteLength(body), ...headers });
  response.end(body);
}

/** Constant-time bearer-token check (both sides hashed first, so lengths leak nothing either). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!match) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(match[1]!.trim()), digest(token));
}

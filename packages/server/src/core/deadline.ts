import type { ServerResponse } from 'node:http';
import { RewardTimeoutError } from '@t2i-reward/core';
import { HttpError } from '../http.js';

/**
 * Runs `work` under a per-request deadline (504 past it) and aborts its signal when the client goes away
 * (its queued items are withdrawn). The work itself keeps running to its end (leases are released there).
 */
export async function withDeadline<T>(
  response: ServerResponse,
  timeoutMs: number,
  work: (signal: AbortSignal) => Promise<T>,
  onTimeout?: () => void,
): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new RewardTimeoutError(`request did not finish within ${timeoutMs} ms`)), timeoutMs);
  const onClose = () => {
    if (!response.writableFinished) controller.abort(new HttpError(499, 'client_closed', 'client closed the connection'));
  };
  response.once('close', onClose);
  try {
    return await Promise.race([
      work(controller.signal),
      new Promise<never>((_, reject) => {
        controller.signal.addEventListener('abort', () => reject(controller.signal.reason as Error), { once: true });
      }),
    ]);
  } catch (error) {
    if (RewardTimeoutError.isInstance(error)) {
      onTimeout?.();
      throw new HttpError(504, 'timeout', (error as Error).message);
    }
    throw error;
  } finally {
    clearTimeout(timer);
    response.off('close', onClose);
  }
}

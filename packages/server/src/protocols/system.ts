import { sendBytes, sendJson } from '../http.js';
import type { Protocol } from './types.js';

/** Liveness (`/health`, `/healthz`), readiness (`/readyz`) and Prometheus metrics (`/metrics`). */
export const systemProtocol: Protocol = {
  name: 'system',
  match(method, pathname) {
    if (pathname === '/health' || pathname === '/healthz' || pathname === '/readyz') return { scoring: false, public: true };
    if (pathname === '/metrics' && method === 'GET') return { scoring: false };
    return undefined;
  },
  async handle({ url, response }, context) {
    if (url.pathname === '/metrics') {
      sendBytes(response, 200, await context.metrics.registry.metrics(), { 'content-type': context.metrics.registry.contentType });
      return;
    }
    if (url.pathname === '/readyz') {
      const ready = context.isReady();
      sendJson(response, ready ? 200 : 503, { ready, shuttingDown: context.isShuttingDown() }, ready ? {} : { 'retry-after': context.retryAfter });
      return;
    }
    sendJson(response, 200, { status: 'ok' });
  },
};

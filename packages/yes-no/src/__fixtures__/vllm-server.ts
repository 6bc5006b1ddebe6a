/**
 * A small protocol fixture: a real node:http server on loopback that answers POST /v1/chat/completions in the
 * response format vLLM documents for `logprobs: true, top_logprobs: N` (choices[0].logprobs.content[0] with
 * token / logprob / bytes / top_logprobs). It is not a model: the answer depends on markers in the question text,
 * so the tests can drive errors, timeouts and concurrency.
 *   "[500]"      → HTTP 500 every time               "[503-once]" → HTTP 503 the first time, then an answer
 *   "[429-once]" → HTTP 429 + Retry-After: 0, then an answer
 *   "[400]"      → HTTP 400                           "[hang]"     → never answers
 *   "[stall-body]" → headers and half a body, then nothing
 *   "[neither]"  → top tokens without yes / no        "[p=0.8]"    → yes and no masses with ratio 0.8
 * Default: yes-spellings "Yes" (0.5) and " yes" (0.1), "No" (0.3), "The" (0.05).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  body: {
    model: string;
    max_tokens: number;
    temperature?: number;
    logprobs: boolean;
    top_logprobs: number;
    messages: { role: string; content: { type: string; text?: string; image_url?: { url: string } }[] }[];
  };
  authorization: string | undefined;
}

export interface VllmFixtureServer {
  baseURL: string;
  requests: ReceivedRequest[];
  maxInFlight: number;
  /** When set, requests are held until this many are in flight (or 3 s pass), then released together. */
  barrier: number | undefined;
  close(): Promise<void>;
}

function entry(token: string, p: number) {
  return { token, logprob: Math.log(p), bytes: [...Buffer.from(token)] };
}

function completion(model: string, top: { token: string; logprob: number; bytes: number[] }[]) {
  const chosen = top[0]!;
  return {
    id: 'chatcmpl-fixture',
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: chosen.token, tool_calls: [] },
        logprobs: { content: [{ ...chosen, top_logprobs: top }] },
        finish_reason: 'length',
        stop_reason: null,
      },
    ],
    usage: { prompt_tokens: 42, total_tokens: 43, completion_tokens: 1 },
  };
}

export async function startVllmFixtureServer(): Promise<VllmFixtureServer> {
  const seen = new Map<string, number>();
  let inFlight = 0;
  let held: (() => void)[] = [];
  const state: VllmFixtureServer = {
    baseURL: '',
    requests: [],
    maxInFlight: 0,
    barrier: undefined,
    close: async () => {},
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        inFlight++;
        state.maxInFlight = Math.max(state.maxInFlight, inFlight);
        try {
          if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
            res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
            return;
          }
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ReceivedRequest['body'];
          state.requests.push({ body, authorization: req.headers.authorization });
          const text = body.messages[0]?.content.find((c) => c.type === 'text')?.text ?? '';
          const count = (seen.get(text) ?? 0) + 1;
          seen.set(text, count);
          if (state.barrier !== undefined) {
            await new Promise<void>((resolve) => {
              held.push(resolve);
              const timer = setTimeout(resolve, 3000);
              timer.unref();
              if (inFlight >= state.barrier!) {
                const release = held;
                held = [];
                for (const go of release) go();
              }
            });
          }
          if (text.includes('[hang]')) return; // never answers; closed by close()
          if (text.includes('[stall-body]')) {
            res.writeHead(200, { 'content-type': 'application/json' }).write('{"id": "chatcmpl-');
            return; // headers and half a body, then nothing
          }
          const error = (status: number, headers: Record<string, string> = {}) =>
            res
              .writeHead(status, { 'content-type': 'application/json', ...headers })
              .end(JSON.stringify({ object: 'error', message: `fixture error ${status}`, type: 'BadRequestError', code: status }));
          if (text.includes('[500]')) return error(500);
          if (text.includes('[400]')) return error(400);
          if (text.includes('[503-once]') && count === 1) return error(503);
          if (text.includes('[429-once]') && count === 1) return error(429, { 'retry-after': '0' });
          let top;
          if (text.includes('[neither]')) {
            top = [entry('The', 0.4), entry('A', 0.3), entry('This', 0.1)];
          } else {
            const match = /\[p=([0-9.]+)\]/.exec(text);
            if (match) {
              const p = Number(match[1]);
              top = [entry('Yes', 0.9 * p), entry('No', 0.9 * (1 - p)), entry('Maybe', 0.05)];
            } else {
              top = [entry('Yes', 0.5), entry('No', 0.3), entry(' yes', 0.1), entry('The', 0.05)];
            }
          }
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(completion(body.model, top)));
        } finally {
          inFlight--;
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  state.baseURL = `http://127.0.0.1:${port}/v1`;
  state.close = () =>
    new Promise<void>((resolve) => {
      for (const go of held) go();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

/**
 * A stand-in OpenAI-compatible judge on loopback: a real node:http server answering POST /v1/chat/completions in
 * the chat-completions response format (choices[0].message.content, finish_reason). It is not a model: the test
 * decides each answer from the request's text part and how often that text was seen, so it can drive good
 * answers, answers without a number, HTTP errors, and requests that never get an answer.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface JudgeRequestBody {
  model: string;
  max_tokens: number;
  temperature: number;
  messages: { role: string; content: string | { type: string; text?: string; image_url?: { url: string } }[] }[];
}

/** What the server does with one request: answer with text, fail with a status, or never answer. */
export type StandInReply = { text: string; finishReason?: string } | { status: number; retryAfter?: string } | 'hang';

export interface StandInJudge {
  baseURL: string;
  requests: { body: JudgeRequestBody; authorization: string | undefined }[];
  close(): Promise<void>;
}

/** The text part of a request's user message. */
export function userText(body: JudgeRequestBody): string {
  const user = body.messages.find((m) => m.role === 'user');
  if (!user) return '';
  if (typeof user.content === 'string') return user.content;
  return user.content.find((c) => c.type === 'text')?.text ?? '';
}

export async function startStandInJudge(reply: (text: string, seen: number) => StandInReply): Promise<StandInJudge> {
  const seen = new Map<string, number>();
  const state: StandInJudge = { baseURL: '', requests: [], close: async () => {} };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as JudgeRequestBody;
      state.requests.push({ body, authorization: req.headers.authorization });
      const text = userText(body);
      const count = (seen.get(text) ?? 0) + 1;
      seen.set(text, count);
      const answer = reply(text, count);
      if (answer === 'hang') return; // never answers; closed by close()
      if ('status' in answer) {
        res
          .writeHead(answer.status, { 'content-type': 'application/json', ...(answer.retryAfter ? { 'retry-after': answer.retryAfter } : {}) })
          .end(JSON.stringify({ object: 'error', message: `stand-in error ${answer.status}`, code: answer.status }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          id: 'chatcmpl-stand-in',
          object: 'chat.completion',
          created: 1_700_000_000,
          model: body.model,
          choices: [{ index: 0, message: { role: 'assistant', content: answer.text }, finish_reason: answer.finishReason ?? 'stop' }],
          usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

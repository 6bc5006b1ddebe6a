import { BenchInputError, errorMessage } from '../errors.js';
import type { BenchItem } from '../types.js';
import { fileExists, generatedImagePath, prepareImageFolder, writeFileAtomic } from './layout.js';
import type { ImageSource, ImageSourceContext } from './types.js';

export interface HttpGeneratorOptions {
  /** Base URL of an OpenAI-Images-compatible server, e.g. "http://localhost:8000/v1" (`/images/generations` is appended unless present). */
  url: string;
  model?: string;
  size?: string;
  apiKey?: string;
  /** Per request (default 300 s: image generation is slow). */
  timeoutMs?: number;
  /** Retries on 429 / 5xx / network errors with exponential backoff (default 2). */
  retries?: number;
  /** Extra JSON fields sent with each request (e.g. {"quality": "low"}). */
  extraBody?: Record<string, unknown>;
  fetch?: typeof fetch;
}

function endpoint(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return /\/images\/generations$/.test(trimmed) ? trimmed : `${trimmed}/images/generations`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Generates each image with `POST /images/generations` (`response_format: "b64_json"`) and keeps it in the run
 * folder; an image already there (from an interrupted run) is reused, not regenerated.
 */
export function httpGeneratorSource(options: HttpGeneratorOptions): ImageSource {
  const url = endpoint(options.url);
  const doFetch = options.fetch ?? fetch;
  const retries = options.retries ?? 2;
  const request = async (item: BenchItem, sample: number, signal: AbortSignal | undefined): Promise<Buffer> => {
    const body = {
      ...(options.model ? { model: options.model } : {}),
      prompt: item.prompt,
      n: 1,
      ...(options.size ? { size: options.size } : {}),
      response_format: 'b64_json',
      ...options.extraBody,
    };
    let lastError = '';
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await sleep(500 * 2 ** (attempt - 1));
      const timeout = AbortSignal.timeout(options.timeoutMs ?? 300_000);
      let response: Response;
      try {
        response = await doFetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}) },
          body: JSON.stringify(body),
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
      } catch (error) {
        if (signal?.aborted) throw error;
        lastError = timeout.aborted ? `timed out after ${options.timeoutMs ?? 300_000} ms` : errorMessage(error);
        continue;
      }
      const text = await response.text();
      if (response.status === 429 || response.status >= 500) {
        lastError = `HTTP ${response.status}: ${text.slice(0, 200)}`;
        continue;
      }
      if (!response.ok) {
        throw new BenchInputError(
          'generator-error',
          `image server ${url} answered HTTP ${response.status} for "${item.prompt}" (sample ${sample}): ${text.slice(0, 200)}`,
        );
      }
      let b64: unknown;
      try {
        b64 = (JSON.parse(text) as { data?: { b64_json?: unknown }[] }).data?.[0]?.b64_json;
      } catch {
        b64 = undefined;
      }
      if (typeof b64 !== 'string' || b64.length === 0) {
        throw new BenchInputError('generator-error', `image server ${url} returned no data[0].b64_json for "${item.prompt}": ${text.slice(0, 200)}`);
      }
      return Buffer.from(b64, 'base64');
    }
    throw new BenchInputError('generator-error', `image server ${url} failed for "${item.prompt}" (sample ${sample}) after ${retries + 1} tries: ${lastError}`);
  };
  return {
    description: `http:${url}${options.model ? ` model=${options.model}` : ''}`,
    async obtain(item: BenchItem, sample: number, context: ImageSourceContext) {
      const file = generatedImagePath(context.runDir, item, sample, context.samplesPerPrompt);
      if (await fileExists(file)) return file;
      await prepareImageFolder(file, item);
      await writeFileAtomic(file, await request(item, sample, context.signal));
      return file;
    },
  };
}

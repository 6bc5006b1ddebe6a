import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { InvalidConfigError, RemoteServiceError, RewardTimeoutError } from '../errors.js';
import { cacheRoot } from '../models/cache.js';
import { validateWithSchema, type JSONSchema } from '../validation.js';
import { parsePrompt } from './parser.js';
import { objectListSchema, promptSpecObjectProperties, promptSpecRelationProperties, promptSpecTextSchema, validatePromptSpec } from './schema.js';
import { SPATIAL_RELATIONS, type PromptSpec } from './types.js';

/**
 * The PromptSpec from a language model, as T2I-R1 built its metadata with one: an OpenAI-compatible server (vLLM,
 * SGLang, any OpenAI API) is asked for the spec with JSON-schema structured output (`response_format:
 * {type: 'json_schema'}`, vLLM's guided decoding), the answer is validated against the PromptSpec schema, cached on
 * disk by (model, prompt, category), and any failure (HTTP error, timeout, invalid JSON, schema violation) falls
 * back to the rule parser with a warning: a reward never fails because the spec server did.
 */

/** `parser` in an ensemble config: the rule parser (default) or an OpenAI-compatible server. */
export type SpecParserConfig = { type: 'rule' } | OpenAISpecParserConfig;

export interface OpenAISpecParserConfig {
  type: 'openai';
  /** The server's API root, e.g. `http://localhost:8000/v1` (`/chat/completions` is appended). */
  baseURL: string;
  model: string;
  /** Bearer token. Default: `$T2IR_PARSER_API_KEY`, else `$OPENAI_API_KEY`, else none (local servers). */
  apiKey?: string;
  /** Per request, in milliseconds (default 30000). */
  timeoutMs?: number;
  /** Where specs are cached (default `<cache root>/specs`, see `cacheRoot`); `false`: memory only. */
  cacheDir?: string | false;
}

export const specParserConfigSchema: JSONSchema = {
  oneOf: [
    { type: 'object', additionalProperties: false, required: ['type'], properties: { type: { const: 'rule' } } },
    {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'baseURL', 'model'],
      properties: {
        type: { const: 'openai' },
        baseURL: { type: 'string', pattern: '^https?://' },
        model: { type: 'string', minLength: 1 },
        apiKey: { type: 'string', minLength: 1 },
        timeoutMs: { type: 'integer', minimum: 1 },
        cacheDir: { anyOf: [{ type: 'string', minLength: 1 }, { const: false }] },
      },
    },
  ],
};

/** Bumped when the request (instructions or schema) changes: older cached answers are then not reused. */
export const LLM_SPEC_VERSION = 1;

/**
 * The schema the model must answer with: the PromptSpec fields a prompt determines, built from the PromptSpec
 * schema's own pieces (no provenance fields; the three lists required, so structured output always gives them).
 */
export const LLM_SPEC_SCHEMA: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['objects', 'relations', 'text'],
  properties: {
    objects: objectListSchema(['name'], promptSpecObjectProperties),
    relations: objectListSchema(['subject', 'relation', 'object'], promptSpecRelationProperties),
    text: promptSpecTextSchema,
  },
};

const INSTRUCTIONS = [
  'You read text-to-image prompts and list what the image must show, as JSON matching the given schema.',
  'objects: every concrete thing to draw, by its singular lower-case noun, compounds whole ("teddy bear", "police officer");',
  'people keep their word ("man", "chef"). Not objects: verbs, pronouns, depiction or style words ("a photo of", "oil painting",',
  '"in the style of X"), abstractions and events ("view", "picnic"), things said to be absent, quoted text.',
  'count: only when the prompt gives a number. attributes: the adjectives before the noun ("red", "wooden").',
  `relations: spatial ones only, with relation one of ${SPATIAL_RELATIONS.map((r) => `"${r}"`).join(', ')}; subject and object are object names.`,
  'text: each quoted span the image should render, as written.',
].join(' ');

/** What a spec source answers: the spec, where it came from, and warnings for the user. */
export interface SpecResolution {
  spec: PromptSpec;
  from: 'llm' | 'cache' | 'rule';
  warnings: string[];
}

export interface SpecSource {
  /** `openai:<model>@<baseURL>` or `rule`: recorded with results so a run says where its specs came from. */
  readonly id: string;
  resolve(prompt: string, options?: { category?: string; signal?: AbortSignal }): Promise<SpecResolution>;
}

/** Specs on disk, one JSON file per key under `<dir>/<2 hex>/<62 hex>.json` (the score cache's layout). */
export class DiskSpecCache {
  hits = 0;
  misses = 0;
  constructor(readonly dir: string) {}

  #file(key: string): string {
    return path.join(this.dir, key.slice(0, 2), `${key.slice(2)}.json`);
  }

  async get(key: string): Promise<PromptSpec | undefined> {
    try {
      const spec = validatePromptSpec(JSON.parse(await fs.readFile(this.#file(key), 'utf8')));
      this.hits++;
      return spec;
    } catch {
      this.misses++;
      return undefined;
    }
  }

  async set(key: string, spec: PromptSpec): Promise<void> {
    const file = this.#file(key);
    await fs.mkdir(path.dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await fs.writeFile(temp, JSON.stringify(spec));
    await fs.rename(temp, file);
  }
}

export interface OpenAISpecParserDeps {
  /** Default: the global fetch. */
  fetch?: typeof fetch;
  /** Default: process.env (for the API key and the cache root). */
  env?: NodeJS.ProcessEnv;
}

/** The rule parser as a spec source (what `parser: {type: 'rule'}` means). */
export function ruleSpecSource(): SpecSource {
  return {
    id: 'rule',
    resolve: async (prompt, options = {}) => {
      const spec = parsePrompt(prompt, options.category !== undefined ? { category: options.category } : {});
      return { spec, from: 'rule', warnings: [...(spec.warnings ?? [])] };
    },
  };
}

/** A spec source from the config's `parser` entry (validated here; throws InvalidConfigError naming the bad field). */
export function createSpecSource(config: SpecParserConfig, deps: OpenAISpecParserDeps = {}): SpecSource {
  validateWithSchema(specParserConfigSchema, config, 'parser');
  return config.type === 'openai' ? createOpenAISpecParser(config, deps) : ruleSpecSource();
}

/** Turns the model's answer into a PromptSpec, or throws saying what is wrong with it. */
function specFromAnswer(content: unknown, prompt: string, category: string | undefined): PromptSpec {
  if (typeof content !== 'string') throw new Error('the answer has no message content');
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch {
    throw new Error(`the answer is not JSON: ${JSON.stringify(content.slice(0, 80))}`);
  }
  try {
    validateWithSchema(LLM_SPEC_SCHEMA, value, 'LLM PromptSpec');
  } catch (error) {
    throw new Error(`the answer does not match the PromptSpec schema: ${(error as Error).message}`);
  }
  const answer = value as { objects: PromptSpec['objects']; relations: PromptSpec['relations']; text: string[] };
  const objects = answer.objects.map((o) => ({
    ...o,
    name: o.name.trim().toLowerCase(),
    ...(o.attributes ? { attributes: o.attributes.map((a) => a.trim().toLowerCase()) } : {}),
  }));
  const names = new Set(objects.map((o) => o.name));
  const relations = answer.relations.map((r) => ({ ...r, subject: r.subject.trim().toLowerCase(), object: r.object.trim().toLowerCase() }));
  const stray = relations.find((r) => !names.has(r.subject) || !names.has(r.object));
  if (stray) throw new Error(`the answer relates "${stray.subject}" and "${stray.object}", which are not both among its objects`);
  return validatePromptSpec({
    prompt,
    ...(category !== undefined ? { category } : {}),
    objects,
    relations,
    ...(answer.text.length > 0 ? { text: answer.text } : {}),
    source: 'llm',
  });
}

/**
 * A spec source asking an OpenAI-compatible chat-completions server. `resolve` never throws for the server's
 * faults: it answers the rule parser's spec and a warning saying why (HTTP status, timeout, invalid JSON, schema
 * violation). Only an aborted `signal` ends it.
 */
export function createOpenAISpecParser(config: OpenAISpecParserConfig, deps: OpenAISpecParserDeps = {}): SpecSource {
  if (!/^https?:\/\//.test(config.baseURL)) throw new InvalidConfigError(`parser/baseURL must be an http(s) URL (got ${JSON.stringify(config.baseURL)})`);
  if (!config.model) throw new InvalidConfigError('parser/model must name the model to ask');
  const env = deps.env ?? process.env;
  const doFetch = deps.fetch ?? fetch;
  const apiKey = config.apiKey ?? env['T2IR_PARSER_API_KEY'] ?? env['OPENAI_API_KEY'];
  const timeoutMs = config.timeoutMs ?? 30_000;
  const disk = config.cacheDir === false ? undefined : new DiskSpecCache(config.cacheDir ?? path.join(cacheRoot(env), 'specs'));
  const memory = new Map<string, PromptSpec>();
  const url = `${config.baseURL.replace(/\/+$/, '')}/chat/completions`;
  const rule = ruleSpecSource();
  // The disk is the cache; memory keeps the last few hundred specs a run asks for again (G images per prompt).
  const remember = (key: string, spec: PromptSpec): void => {
    memory.delete(key);
    memory.set(key, spec);
    if (memory.size > 512) memory.delete(memory.keys().next().value as string);
  };

  const keyOf = (prompt: string, category: string | undefined): string =>
    createHash('sha256')
      .update(JSON.stringify({ v: LLM_SPEC_VERSION, model: config.model, prompt, category: category ?? null }))
      .digest('hex');

  async function ask(prompt: string, category: string | undefined, signal: AbortSignal | undefined): Promise<PromptSpec> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let response: Response;
    try {
      response = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
        body: JSON.stringify({
          model: config.model,
          temperature: 0,
          messages: [
            { role: 'system', content: INSTRUCTIONS },
            { role: 'user', content: prompt },
          ],
          response_format: { type: 'json_schema', json_schema: { name: 'prompt_spec', schema: LLM_SPEC_SCHEMA } },
        }),
        signal: combined,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      if (timeout.aborted) throw new RewardTimeoutError(`no answer within ${timeoutMs} ms`);
      throw new RemoteServiceError(`request failed: ${(error as Error).message}`, { cause: error });
    }
    let body: string;
    try {
      body = await response.text();
    } catch (error) {
      if (signal?.aborted) throw error;
      if (timeout.aborted) throw new RewardTimeoutError(`no answer within ${timeoutMs} ms`);
      throw new RemoteServiceError(`reading the answer failed: ${(error as Error).message}`, { cause: error });
    }
    if (!response.ok) throw new RemoteServiceError(`HTTP ${response.status}: ${body.slice(0, 120).replace(/\s+/g, ' ')}`);
    let completion: { choices?: { message?: { content?: unknown } }[] };
    try {
      completion = JSON.parse(body) as typeof completion;
    } catch {
      throw new RemoteServiceError('the server answered something that is not a chat completion (invalid JSON)');
    }
    return specFromAnswer(completion.choices?.[0]?.message?.content, prompt, category);
  }

  return {
    id: `openai:${config.model}@${config.baseURL}`,
    async resolve(prompt, options = {}) {
      const key = keyOf(prompt, options.category);
      const remembered = memory.get(key) ?? (await disk?.get(key));
      if (remembered) {
        remember(key, remembered);
        return { spec: structuredClone({ ...remembered, prompt }), from: 'cache', warnings: [] };
      }
      try {
        const spec = await ask(prompt, options.category, options.signal);
        remember(key, spec);
        await disk?.set(key, spec).catch(() => undefined);
        return { spec: structuredClone(spec), from: 'llm', warnings: [] };
      } catch (error) {
        if (options.signal?.aborted) throw error;
        const fallback = await rule.resolve(prompt, options);
        const reason = (error as Error).message.split('\n')[0];
        return {
          ...fallback,
          warnings: [`the LLM spec parser (${config.model} at ${config.baseURL}) failed: ${reason}; the rule parser's spec was used`, ...fallback.warnings],
        };
      }
    },
  };
}

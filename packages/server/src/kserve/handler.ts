import type { EnsembleItemResult } from '@t2i-reward/core';
import type { RawItem } from '../core/scoring.js';
import { nextTurn } from '../core/turns.js';
import { HttpError, sendBytes, sendJson } from '../http.js';
import type { Exchange, Protocol, ServerContext } from '../protocols/types.js';
import { VERSION } from '../version.js';
import {
  INFERENCE_HEADER_CONTENT_LENGTH,
  KServeProtocolError,
  bytesAsStrings,
  decodeInferMessage,
  encodeInferMessage,
  type DecodedTensor,
  type KServeInferRequest,
  type KServeRequestedOutput,
  type OutgoingTensor,
} from '@t2i-reward/kserve';

/**
 * KServe v2 / Triton protocol. Models: the ensemble (`modelName`) and each expert by name.
 * Inputs: IMAGE (BYTES [N]: encoded image bytes in the binary form, or in JSON a string in any form /v1/score
 * takes), PROMPT (BYTES [N]), optional SPEC (BYTES [N], PromptSpec JSON, "" for none).
 * Outputs: REWARD (FP32 [N], NaN when an item could not be scored); the ensemble adds SCORE_<expert> and
 * RAW_<expert> (FP32 [N]); an expert model adds RAW (FP32 [N]); INFO (BYTES [N], JSON: warnings, errors).
 */
export const KSERVE_INPUTS = { image: 'IMAGE', prompt: 'PROMPT', spec: 'SPEC' } as const;
export const KSERVE_VERSION = '1';

interface ModelView {
  name: string;
  /** undefined: the whole ensemble; otherwise the expert whose columns this model returns. */
  expert: string | undefined;
}

function findModel(context: ServerContext, name: string): ModelView | undefined {
  if (name === context.modelName) return { name, expert: undefined };
  if (context.experts.some((expert) => expert.name === name)) return { name, expert: name };
  return undefined;
}

function outputNames(context: ServerContext, model: ModelView): string[] {
  if (model.expert !== undefined) return ['REWARD', 'RAW', 'INFO'];
  return ['REWARD', ...context.experts.flatMap((expert) => [`SCORE_${expert.name}`, `RAW_${expert.name}`]), 'INFO'];
}

function modelMetadata(context: ServerContext, model: ModelView): Record<string, unknown> {
  const expert = context.experts.find((candidate) => candidate.name === model.expert);
  return {
    name: model.name,
    versions: [KSERVE_VERSION],
    platform: 't2i-reward',
    ...(expert ? { parameters: { kind: expert.kind, modelId: expert.modelId } } : {}),
    inputs: [
      { name: KSERVE_INPUTS.image, datatype: 'BYTES', shape: [-1] },
      { name: KSERVE_INPUTS.prompt, datatype: 'BYTES', shape: [-1] },
      { name: KSERVE_INPUTS.spec, datatype: 'BYTES', shape: [-1], optional: true },
    ],
    outputs: outputNames(context, model).map((name) => ({ name, datatype: name === 'INFO' ? 'BYTES' : 'FP32', shape: [-1] })),
  };
}

function nanIfNull(value: number | null | undefined): number {
  return typeof value === 'number' ? value : Number.NaN;
}

function infoJson(result: EnsembleItemResult, expert: string | undefined): string {
  const errorJson = (error: { code: string; message: string } | undefined) => (error ? { code: error.code, message: error.message } : undefined);
  if (expert !== undefined) {
    const outcome = result.experts[expert];
    return JSON.stringify({
      warnings: [...result.warnings, ...(outcome?.warnings ?? [])],
      error: errorJson(outcome?.error ?? result.error ?? (outcome ? undefined : { code: 'EXPERT_FAILED', message: `expert ${expert} returned no result` })),
    });
  }
  const experts: Record<string, unknown> = {};
  for (const [name, outcome] of Object.entries(result.experts)) experts[name] = { warnings: outcome.warnings, error: errorJson(outcome.error) };
  return JSON.stringify({ warnings: result.warnings, error: errorJson(result.error), experts });
}

function buildOutputs(context: ServerContext, model: ModelView, results: readonly EnsembleItemResult[]): Map<string, Omit<OutgoingTensor, 'binary'>> {
  const shape = [results.length];
  const outputs = new Map<string, Omit<OutgoingTensor, 'binary'>>();
  const fp32 = (name: string, values: number[]) => outputs.set(name, { name, datatype: 'FP32', shape, values });
  if (model.expert !== undefined) {
    const name = model.expert;
    fp32(
      'REWARD',
      results.map((result) => nanIfNull(result.experts[name]?.score)),
    );
    fp32(
      'RAW',
      results.map((result) => nanIfNull(result.experts[name]?.raw)),
    );
  } else {
    fp32(
      'REWARD',
      results.map((result) => nanIfNull(result.reward)),
    );
    for (const expert of context.experts) {
      fp32(
        `SCORE_${expert.name}`,
        results.map((result) => nanIfNull(result.experts[expert.name]?.score)),
      );
      fp32(
        `RAW_${expert.name}`,
        results.map((result) => nanIfNull(result.experts[expert.name]?.raw)),
      );
    }
  }
  outputs.set('INFO', { name: 'INFO', datatype: 'BYTES', shape, values: results.map((result) => infoJson(result, model.expert)) });
  return outputs;
}

function findInput(tensors: readonly DecodedTensor[], name: string): DecodedTensor | undefined {
  return tensors.find((tensor) => tensor.name.toUpperCase() === name);
}

function itemsFromTensors(tensors: readonly DecodedTensor[]): RawItem[] {
  const image = findInput(tensors, KSERVE_INPUTS.image);
  const prompt = findInput(tensors, KSERVE_INPUTS.prompt);
  if (!image || !prompt) throw new HttpError(400, 'missing_input', `inputs ${KSERVE_INPUTS.image} and ${KSERVE_INPUTS.prompt} are required`);
  if (image.datatype !== 'BYTES' || prompt.datatype !== 'BYTES')
    throw new HttpError(400, 'bad_datatype', `${KSERVE_INPUTS.image} and ${KSERVE_INPUTS.prompt} must be BYTES`);
  const prompts = bytesAsStrings(prompt);
  const images = image.values as (Buffer | string)[];
  if (prompts.length !== images.length) {
    throw new HttpError(400, 'shape_mismatch', `${images.length} images but ${prompts.length} prompts`);
  }
  if (images.length === 0) throw new HttpError(400, 'empty', 'no items');
  const specInput = findInput(tensors, KSERVE_INPUTS.spec);
  const specs = specInput ? bytesAsStrings(specInput) : [];
  if (specInput && specs.length !== images.length) throw new HttpError(400, 'shape_mismatch', `${images.length} images but ${specs.length} specs`);
  return images.map((value, index) => {
    const specText = specs[index];
    let spec: unknown;
    if (specText !== undefined && specText.trim() !== '') {
      try {
        spec = JSON.parse(specText);
      } catch {
        throw new HttpError(400, 'invalid_spec', `${KSERVE_INPUTS.spec}[${index}] is not JSON`);
      }
    }
    // Binary BYTES elements are the encoded image itself; JSON strings take the /v1/score string forms.
    const reference = typeof value === 'string' ? value : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    return { image: reference, prompt: prompts[index]!, ...(spec !== undefined ? { spec } : {}) };
  });
}

/**
 * The request's `outputs`, checked before anything is scored: an array of `{ name: string, parameters?: {
 * binary_data?: boolean } }` naming outputs of the model (400 otherwise, never a 500 after the work was done).
 */
function requestedOutputs(outputs: unknown, available: readonly string[], modelName: string): KServeRequestedOutput[] | undefined {
  if (outputs === undefined || outputs === null) return undefined;
  if (!Array.isArray(outputs)) throw new HttpError(400, 'bad_outputs', '"outputs" must be an array of {"name": string}');
  if (outputs.length > available.length * 4)
    throw new HttpError(400, 'bad_outputs', `"outputs" lists ${outputs.length} entries; model ${modelName} has ${available.length} outputs`);
  outputs.forEach((wanted: unknown, index) => {
    if (typeof wanted !== 'object' || wanted === null || Array.isArray(wanted) || typeof (wanted as { name?: unknown }).name !== 'string') {
      throw new HttpError(400, 'bad_outputs', `outputs[${index}] must be an object with a string "name"`);
    }
    const { name, parameters } = wanted as { name: string; parameters?: unknown };
    if (!available.includes(name)) throw new HttpError(400, 'unknown_output', `model ${modelName} has no output ${name.slice(0, 80)}`);
    if (parameters !== undefined && (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters))) {
      throw new HttpError(400, 'bad_outputs', `outputs[${index}].parameters must be an object`);
    }
    const binary = (parameters as { binary_data?: unknown } | undefined)?.binary_data;
    if (binary !== undefined && typeof binary !== 'boolean')
      throw new HttpError(400, 'bad_outputs', `outputs[${index}].parameters.binary_data must be a boolean`);
  });
  return outputs as KServeRequestedOutput[];
}

const MODEL_ROUTE = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(\/ready|\/infer)?$/;

/** A path segment as the client meant it; a malformed escape (`%ZZ`) is the client's error (400), not the model's. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, 'bad_path', `malformed percent-encoding in path segment ${JSON.stringify(segment.slice(0, 80))}`);
  }
}

/** KServe v2 / Triton: /v2, /v2/health/{live,ready}, /v2/models/{m}[/versions/1][/ready|/infer]. */
export const kserveProtocol: Protocol = {
  name: 'kserve',
  match(method, pathname) {
    if (pathname !== '/v2' && !pathname.startsWith('/v2/')) return undefined;
    if (pathname === '/v2/health/live' || pathname === '/v2/health/ready') return { scoring: false, public: true };
    if (method === 'POST' && pathname.endsWith('/infer')) return { scoring: true, binary: true };
    return { scoring: false };
  },
  errorBody: (error) => ({ error: error.message }),
  async handle(exchange, context) {
    if (!(await serveKServe(exchange, context))) throw new HttpError(404, 'not_found', `no route for ${exchange.method} ${exchange.url.pathname}`);
  },
};

/** Serves /v2 routes; returns false when the path is not one of them (the caller answers 404). */
async function serveKServe(exchange: Exchange, context: ServerContext): Promise<boolean> {
  const { request, response, method } = exchange;
  const { pathname } = exchange.url;
  if (pathname === '/v2' && method === 'GET') {
    sendJson(response, 200, { name: 't2i-reward', version: VERSION, extensions: ['binary_tensor_data'] });
    return true;
  }
  if (pathname === '/v2/health/live') {
    sendJson(response, 200, { live: true });
    return true;
  }
  if (pathname === '/v2/health/ready') {
    sendJson(response, context.isReady() ? 200 : 503, { ready: context.isReady() });
    return true;
  }
  const match = MODEL_ROUTE.exec(pathname);
  if (!match) return false;
  const name = decodeSegment(match[1]!);
  const model = findModel(context, name);
  if (!model) throw new HttpError(404, 'unknown_model', `unknown model ${name}`);
  if (match[2] !== undefined && match[2] !== KSERVE_VERSION) throw new HttpError(404, 'unknown_version', `model ${model.name} has no version ${match[2]}`);
  const action = match[3];
  if (action === undefined && method === 'GET') {
    sendJson(response, 200, modelMetadata(context, model));
    return true;
  }
  if (action === '/ready' && method === 'GET') {
    sendJson(response, context.isReady() ? 200 : 503, { name: model.name, ready: context.isReady() });
    return true;
  }
  if (action !== '/infer' || method !== 'POST') return false;

  const body = await context.readBody(exchange);
  // Decoding the message and its items takes the main thread in turns with other requests (core/turns.ts).
  await nextTurn();
  const headerValue = request.headers[INFERENCE_HEADER_CONTENT_LENGTH];
  const headerLength = headerValue === undefined ? undefined : Number(headerValue);
  // The JSON part (all of the body, or the header before binary tensors) is judged before it is parsed.
  await context.checkJson(
    headerLength !== undefined && Number.isInteger(headerLength) && headerLength >= 0 && headerLength <= body.length ? body.subarray(0, headerLength) : body,
  );
  let decoded: { header: KServeInferRequest; tensors: DecodedTensor[] };
  try {
    decoded = decodeInferMessage<KServeInferRequest>(body, headerLength, 'inputs');
  } catch (error) {
    if (error instanceof KServeProtocolError) throw new HttpError(400, 'bad_request', error.message);
    throw error;
  }
  const wantedOutputs = requestedOutputs(decoded.header.outputs, outputNames(context, model), model.name);
  const items = itemsFromTensors(decoded.tensors);
  // Request parameter `normalize`: a mode name ("running-z") or a JSON string of a spec / specs by expert.
  const normalizeParameter = (decoded.header.parameters as Record<string, unknown> | undefined)?.normalize;
  let normalizeValue: unknown = normalizeParameter;
  if (typeof normalizeParameter === 'string' && /^\s*[{[]/.test(normalizeParameter)) {
    try {
      normalizeValue = JSON.parse(normalizeParameter) as unknown;
    } catch {
      throw new HttpError(400, 'invalid_normalize', 'parameters.normalize is neither a mode name nor JSON');
    }
  }
  const normalize = context.parseNormalize(normalizeValue);
  const results = await context.withDeadline(exchange, (signal) => context.scoreItems(items, signal, normalize));
  const available = buildOutputs(context, model, results);
  const binaryByDefault = decoded.header.parameters?.binary_data_output === true;
  const requested: KServeRequestedOutput[] =
    wantedOutputs && wantedOutputs.length > 0 ? wantedOutputs : [...available.keys()].map((output) => ({ name: output }));
  const outgoing: OutgoingTensor[] = requested.map((wanted) => {
    const tensor = available.get(wanted.name);
    if (!tensor) throw new HttpError(400, 'unknown_output', `model ${model.name} has no output ${wanted.name}`);
    const binary = typeof wanted.parameters?.binary_data === 'boolean' ? wanted.parameters.binary_data : binaryByDefault;
    return { ...tensor, binary };
  });
  const header = { model_name: model.name, model_version: KSERVE_VERSION, ...(decoded.header.id !== undefined ? { id: decoded.header.id } : {}) };
  const { body: responseBody, headerLength: responseHeaderLength } = encodeInferMessage(header, 'outputs', outgoing);
  if (responseHeaderLength === undefined) {
    sendBytes(response, 200, responseBody, { 'content-type': 'application/json' });
  } else {
    sendBytes(response, 200, responseBody, { 'content-type': 'application/octet-stream', [INFERENCE_HEADER_CONTENT_LENGTH]: String(responseHeaderLength) });
  }
  return true;
}

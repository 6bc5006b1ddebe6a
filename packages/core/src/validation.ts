import { Ajv2020 } from 'ajv/dist/2020.js';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { InvalidConfigError } from './errors.js';

/** A JSON Schema (draft 2020-12 by default; draft-07 when its `$schema` says so). */
export type JSONSchema = Record<string, unknown>;

/** One schema violation: `path` is the JSON pointer of the bad key without the leading slash ("experts/0/weight"). */
export interface SchemaViolation {
  path: string;
  message: string;
}

// Ajv2020 and Ajv share their core class; one type serves both.
type AjvCore = Ajv;

// ajv-formats is CommonJS with `exports.default`; under NodeNext the default import is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: AjvCore) => AjvCore;
const withFormats = (ajv: AjvCore): AjvCore => addFormats(ajv);

// strict: false so plugin schemas may carry annotations (title, examples, x-*) without failing to compile.
// Configs are validated with every error listed (they are small and a user fixes them all at once); request
// bodies (`stopEarly`) stop at the first failing keyword, so a huge wrongly-shaped body costs one error, not one
// per element (issue 21: `allErrors` on a 16 MB body of bad items took 97 s and answered 228 MB).
/** The ajv instances (built on first use) and compiled validators for one set of ajv options. */
interface AjvPair {
  options: { allErrors: boolean; strict: false };
  ajv2020?: AjvCore;
  ajvDraft07?: AjvCore;
  compiled: WeakMap<object, ValidateFunction>;
}
const allErrorsAjv: AjvPair = { options: { allErrors: true, strict: false }, compiled: new WeakMap() };
const earlyAjv: AjvPair = { options: { allErrors: false, strict: false }, compiled: new WeakMap() };

function compile(schema: JSONSchema, stopEarly = false): ValidateFunction {
  const pair = stopEarly ? earlyAjv : allErrorsAjv;
  const { compiled, options } = pair;
  const cached = compiled.get(schema);
  if (cached) return cached;
  const draft07 = typeof schema.$schema === 'string' && schema.$schema.includes('draft-07');
  const ajv = draft07 ? (pair.ajvDraft07 ??= withFormats(new Ajv(options))) : (pair.ajv2020 ??= withFormats(new Ajv2020(options) as unknown as AjvCore));
  // A schema with an $id compiled before (another object, same id) is reused rather than rejected by ajv.
  const id = typeof schema.$id === 'string' ? schema.$id : undefined;
  const validate = (id ? ajv.getSchema(id) : undefined) ?? ajv.compile(schema);
  compiled.set(schema, validate);
  return validate;
}

function joinPath(prefix: string, pointer: string): string {
  const parts = [prefix, pointer.replace(/^\//, '')].filter((part) => part.length > 0);
  return parts.join('/');
}

/** Longest path or key quoted in a violation (a client can send a 10 MB object key). */
const MAX_VIOLATION_TEXT = 200;

function clip(text: string): string {
  return text.length > MAX_VIOLATION_TEXT ? `${text.slice(0, MAX_VIOLATION_TEXT)}… (${text.length} chars)` : text;
}

/** Turns ajv errors into messages that name the bad key, e.g. "experts/0/weight must be number". */
export function describeSchemaErrors(errors: readonly ErrorObject[], pathPrefix = '', maxErrors = Infinity): SchemaViolation[] {
  const violations: SchemaViolation[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    if (violations.length >= maxErrors) break;
    let path = joinPath(pathPrefix, error.instancePath);
    let message: string;
    const params = error.params as Record<string, unknown>;
    switch (error.keyword) {
      case 'additionalProperties':
        path = joinPath(path, String(params.additionalProperty));
        message = 'is not a known key';
        break;
      case 'required':
        path = joinPath(path, String(params.missingProperty));
        message = 'is required';
        break;
      case 'enum':
        message = `must be one of ${(params.allowedValues as unknown[]).map((value) => JSON.stringify(value)).join(', ')}`;
        break;
      case 'if':
        // The branch's own errors say what is wrong; "must match then schema" adds nothing.
        continue;
      default:
        message = error.message ?? `fails ${error.keyword}`;
    }
    path = clip(path);
    message = clip(message);
    const key = `${path}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    violations.push({ path, message });
  }
  return violations;
}

export interface ValidateOptions {
  /** Prepended to every error path, e.g. "experts/2" when validating one expert entry of a config. */
  pathPrefix?: string;
  /**
   * For untrusted input (request bodies): stop at the first failing keyword instead of collecting every error
   * (ajv without `allErrors`), and report at most `maxErrors` violations (default 8), each path and message
   * clipped to 200 characters, so the time and the error's size do not grow with the input.
   */
  stopEarly?: boolean;
  /** Most violations reported. Default: all of them, or 8 with `stopEarly`. */
  maxErrors?: number;
}

/**
 * Validates `value` against `schema` (ajv, all errors unless `stopEarly`) and returns it typed, or throws InvalidConfigError whose
 * message lists every violation with its JSON path and whose `data.path` is the first bad path
 * (`data.errors` holds them all). `what` names the thing for the message ("ensemble config", "detector options").
 */
export function validateWithSchema<T>(schema: JSONSchema, value: unknown, what: string, options: ValidateOptions = {}): T {
  const validate = compile(schema, options.stopEarly ?? false);
  if (validate(value)) return value as T;
  const violations = describeSchemaErrors(validate.errors ?? [], options.pathPrefix ?? '', options.maxErrors ?? (options.stopEarly ? 8 : Infinity));
  const list = violations.map((violation) => (violation.path ? `${violation.path} ${violation.message}` : violation.message));
  throw new InvalidConfigError(`invalid ${what}: ${list.join('; ')}`, {
    data: { path: violations[0]?.path ?? '', errors: violations },
  });
}

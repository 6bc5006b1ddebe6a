/**
 * KServe v2 / Triton inference protocol messages, JSON and the binary-data extension, shared by the server
 * (decoding requests, encoding responses) and the `kserve` backend (the other way round).
 *
 * Binary extension: the body is the JSON header followed by the raw tensor bytes of every tensor whose
 * `parameters.binary_data_size` is set, in the order the tensors appear; the header's length is in the
 * `Inference-Header-Content-Length` HTTP header. A BYTES tensor's raw form is, per element, a 4-byte
 * little-endian length then the bytes; numeric tensors are little-endian, row-major.
 */

export const INFERENCE_HEADER_CONTENT_LENGTH = 'inference-header-content-length';

export type KServeDatatype = 'BOOL' | 'UINT8' | 'UINT16' | 'UINT32' | 'UINT64' | 'INT8' | 'INT16' | 'INT32' | 'INT64' | 'FP16' | 'FP32' | 'FP64' | 'BYTES';

export interface KServeTensor {
  name: string;
  shape: number[];
  datatype: KServeDatatype | string;
  parameters?: Record<string, unknown>;
  /** JSON form: flat or nested, row-major. Absent when the bytes travel in the binary part. */
  data?: unknown[];
}

export interface KServeRequestedOutput {
  name: string;
  parameters?: Record<string, unknown>;
}

export interface KServeInferRequest {
  id?: string;
  parameters?: Record<string, unknown>;
  inputs: KServeTensor[];
  outputs?: KServeRequestedOutput[];
}

export interface KServeInferResponse {
  model_name: string;
  model_version?: string;
  id?: string;
  parameters?: Record<string, unknown>;
  outputs: KServeTensor[];
}

/** A tensor with its values: BYTES elements as Buffers (binary) or strings (JSON), numbers otherwise. */
export interface DecodedTensor {
  name: string;
  datatype: string;
  shape: number[];
  values: (Buffer | string)[] | number[];
}

/** Malformed message: the server answers 400, the backend reports a RemoteServiceError. */
export class KServeProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KServeProtocolError';
  }
}

const NUMERIC: Record<
  string,
  { bytes: number; read: (view: DataView, offset: number) => number; write: (view: DataView, offset: number, value: number) => void }
> = {
  BOOL: { bytes: 1, read: (v, o) => v.getUint8(o), write: (v, o, x) => v.setUint8(o, x ? 1 : 0) },
  UINT8: { bytes: 1, read: (v, o) => v.getUint8(o), write: (v, o, x) => v.setUint8(o, x) },
  UINT16: { bytes: 2, read: (v, o) => v.getUint16(o, true), write: (v, o, x) => v.setUint16(o, x, true) },
  UINT32: { bytes: 4, read: (v, o) => v.getUint32(o, true), write: (v, o, x) => v.setUint32(o, x, true) },
  UINT64: { bytes: 8, read: (v, o) => Number(v.getBigUint64(o, true)), write: (v, o, x) => v.setBigUint64(o, BigInt(Math.trunc(x)), true) },
  INT8: { bytes: 1, read: (v, o) => v.getInt8(o), write: (v, o, x) => v.setInt8(o, x) },
  INT16: { bytes: 2, read: (v, o) => v.getInt16(o, true), write: (v, o, x) => v.setInt16(o, x, true) },
  INT32: { bytes: 4, read: (v, o) => v.getInt32(o, true), write: (v, o, x) => v.setInt32(o, x, true) },
  INT64: { bytes: 8, read: (v, o) => Number(v.getBigInt64(o, true)), write: (v, o, x) => v.setBigInt64(o, BigInt(Math.trunc(x)), true) },
  FP32: { bytes: 4, read: (v, o) => v.getFloat32(o, true), write: (v, o, x) => v.setFloat32(o, x, true) },
  FP64: { bytes: 8, read: (v, o) => v.getFloat64(o, true), write: (v, o, x) => v.setFloat64(o, x, true) },
};

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, dim) => product * dim, 1);
}

/** Deepest nesting accepted for JSON `data` (a tensor of that rank is far past any real model input). */
export const MAX_DATA_DEPTH = 32;

/**
 * Row-major flattening without recursion (a body nested 100,000 deep must not overflow the stack): an explicit
 * stack of array iterators, refusing nesting deeper than MAX_DATA_DEPTH as the client's error.
 */
function flatten(data: unknown[], name: string): unknown[] {
  if (!data.some(Array.isArray)) return data;
  const out: unknown[] = [];
  const stack: { array: unknown[]; index: number }[] = [{ array: data, index: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.index >= top.array.length) {
      stack.pop();
      continue;
    }
    const value = top.array[top.index++];
    if (Array.isArray(value)) {
      if (stack.length >= MAX_DATA_DEPTH) throw new KServeProtocolError(`tensor ${name}: data nested deeper than ${MAX_DATA_DEPTH} levels`);
      stack.push({ array: value as unknown[], index: 0 });
    } else out.push(value);
  }
  return out;
}

/** Encodes BYTES elements in the binary form (4-byte little-endian length + bytes each). */
export function encodeBytesElements(elements: readonly (Uint8Array | string)[]): Buffer {
  const parts: Buffer[] = [];
  for (const element of elements) {
    const bytes = typeof element === 'string' ? Buffer.from(element, 'utf8') : Buffer.from(element.buffer, element.byteOffset, element.byteLength);
    const length = Buffer.alloc(4);
    length.writeUInt32LE(bytes.length, 0);
    parts.push(length, bytes);
  }
  return Buffer.concat(parts);
}

/**
 * Splits binary BYTES data into its `expected` elements. Checks before it allocates: the shape's count against
 * the data's size (each element takes at least its 4-byte length), then a pass over the length prefixes that
 * stops at the first element past the count (60 MB of zeros would otherwise be 15.7 M empty Buffers), and only
 * then builds the views.
 */
export function decodeBytesElements(raw: Buffer, expected: number, name: string): Buffer[] {
  if (expected * 4 > raw.length) {
    throw new KServeProtocolError(`tensor ${name}: shape says ${expected} elements, ${raw.length} bytes of binary data cannot hold them`);
  }
  let offset = 0;
  let count = 0;
  while (offset < raw.length) {
    if (count === expected) {
      throw new KServeProtocolError(`tensor ${name}: shape says ${expected} elements, binary data holds more (${raw.length - offset} bytes left over)`);
    }
    if (offset + 4 > raw.length) throw new KServeProtocolError(`tensor ${name}: truncated BYTES element length`);
    const length = raw.readUInt32LE(offset);
    offset += 4;
    if (offset + length > raw.length) throw new KServeProtocolError(`tensor ${name}: BYTES element overruns the binary data`);
    offset += length;
    count++;
  }
  if (count !== expected) {
    throw new KServeProtocolError(`tensor ${name}: shape says ${expected} elements, binary data holds ${count}`);
  }
  const elements: Buffer[] = new Array<Buffer>(expected);
  offset = 0;
  for (let index = 0; index < expected; index++) {
    const length = raw.readUInt32LE(offset);
    elements[index] = raw.subarray(offset + 4, offset + 4 + length);
    offset += 4 + length;
  }
  return elements;
}

/** Encodes numbers as a numeric tensor's raw little-endian bytes. */
export function encodeNumericElements(datatype: string, values: readonly number[]): Buffer {
  const codec = NUMERIC[datatype];
  if (!codec) throw new KServeProtocolError(`datatype ${datatype} is not supported in binary form`);
  const buffer = Buffer.alloc(values.length * codec.bytes);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  values.forEach((value, index) => codec.write(view, index * codec.bytes, value));
  return buffer;
}

function decodeNumericElements(datatype: string, raw: Buffer, expected: number, name: string): number[] {
  const codec = NUMERIC[datatype];
  if (!codec) throw new KServeProtocolError(`tensor ${name}: datatype ${datatype} is not supported`);
  if (raw.length !== expected * codec.bytes) {
    throw new KServeProtocolError(`tensor ${name}: ${raw.length} bytes of binary data for ${expected} ${datatype} elements`);
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  return Array.from({ length: expected }, (_, index) => codec.read(view, index * codec.bytes));
}

function checkTensorHeader(tensor: unknown, where: string): asserts tensor is KServeTensor {
  const t = tensor as Partial<KServeTensor> | null;
  if (typeof t !== 'object' || t === null || typeof t.name !== 'string' || typeof t.datatype !== 'string') {
    throw new KServeProtocolError(`${where}: each tensor needs a name and a datatype`);
  }
  if (!Array.isArray(t.shape) || !t.shape.every((dim) => Number.isInteger(dim) && dim >= 0)) {
    throw new KServeProtocolError(`${where} ${t.name}: shape must be an array of non-negative integers`);
  }
}

/**
 * Splits a message body into its JSON header and decoded tensors. `headerLength` is the
 * Inference-Header-Content-Length value (undefined: the whole body is JSON).
 */
export function decodeInferMessage<H extends { inputs?: KServeTensor[]; outputs?: unknown[] }>(
  body: Buffer,
  headerLength: number | undefined,
  tensorsKey: 'inputs' | 'outputs',
): { header: H; tensors: DecodedTensor[] } {
  if (headerLength !== undefined && (!Number.isInteger(headerLength) || headerLength < 0 || headerLength > body.length)) {
    throw new KServeProtocolError(`Inference-Header-Content-Length ${headerLength} does not fit a ${body.length}-byte body`);
  }
  const jsonPart = headerLength === undefined ? body : body.subarray(0, headerLength);
  let header: H;
  try {
    header = JSON.parse(jsonPart.toString('utf8')) as H;
  } catch (error) {
    throw new KServeProtocolError(`malformed JSON header: ${(error as Error).message}`);
  }
  if (typeof header !== 'object' || header === null || !Array.isArray(header[tensorsKey])) {
    throw new KServeProtocolError(`the message needs an "${tensorsKey}" array`);
  }
  let offset = headerLength ?? body.length;
  const tensors: DecodedTensor[] = [];
  for (const tensor of header[tensorsKey] as unknown[]) {
    checkTensorHeader(tensor, tensorsKey);
    const count = elementCount(tensor.shape);
    const binarySize = tensor.parameters?.binary_data_size;
    let values: DecodedTensor['values'];
    if (binarySize !== undefined) {
      if (typeof binarySize !== 'number' || !Number.isInteger(binarySize) || binarySize < 0 || offset + binarySize > body.length) {
        throw new KServeProtocolError(`tensor ${tensor.name}: binary_data_size ${String(binarySize)} overruns the body`);
      }
      const raw = body.subarray(offset, offset + binarySize);
      offset += binarySize;
      values = tensor.datatype === 'BYTES' ? decodeBytesElements(raw, count, tensor.name) : decodeNumericElements(tensor.datatype, raw, count, tensor.name);
    } else {
      if (!Array.isArray(tensor.data)) throw new KServeProtocolError(`tensor ${tensor.name}: needs "data" or parameters.binary_data_size`);
      const flat = flatten(tensor.data, tensor.name);
      if (flat.length !== count) throw new KServeProtocolError(`tensor ${tensor.name}: shape says ${count} elements, data holds ${flat.length}`);
      if (tensor.datatype === 'BYTES') {
        if (!flat.every((value) => typeof value === 'string')) throw new KServeProtocolError(`tensor ${tensor.name}: BYTES data must be strings in JSON`);
        values = flat as string[];
      } else {
        values = flat.map((value) => {
          if (typeof value === 'boolean') return value ? 1 : 0;
          if (typeof value === 'number') return value;
          // Triton writes NaN / Infinity as strings or null in JSON.
          if (value === null || value === 'NaN' || value === 'nan') return Number.NaN;
          if (value === 'Infinity' || value === 'inf') return Number.POSITIVE_INFINITY;
          if (value === '-Infinity' || value === '-inf') return Number.NEGATIVE_INFINITY;
          throw new KServeProtocolError(`tensor ${tensor.name}: ${tensor.datatype} data must be numbers`);
        });
      }
    }
    tensors.push({ name: tensor.name, datatype: tensor.datatype, shape: tensor.shape, values });
  }
  return { header, tensors };
}

/** A tensor to send: values as numbers (numeric) or strings / bytes (BYTES); `binary` moves it to the binary part. */
export interface OutgoingTensor {
  name: string;
  datatype: KServeDatatype;
  shape: number[];
  values: readonly number[] | readonly (Uint8Array | string)[];
  binary: boolean;
}

/**
 * Builds a message body. Returns the header length to put in Inference-Header-Content-Length when any tensor
 * is binary (undefined otherwise: a plain JSON body).
 */
export function encodeInferMessage(
  header: Record<string, unknown>,
  tensorsKey: 'inputs' | 'outputs',
  tensors: readonly OutgoingTensor[],
): { body: Buffer; headerLength: number | undefined } {
  const binaryParts: Buffer[] = [];
  const jsonTensors = tensors.map((tensor) => {
    if (tensor.binary) {
      const raw =
        tensor.datatype === 'BYTES'
          ? encodeBytesElements(tensor.values as (Uint8Array | string)[])
          : encodeNumericElements(tensor.datatype, tensor.values as number[]);
      binaryParts.push(raw);
      return { name: tensor.name, datatype: tensor.datatype, shape: tensor.shape, parameters: { binary_data_size: raw.length } };
    }
    const data =
      tensor.datatype === 'BYTES'
        ? (tensor.values as (Uint8Array | string)[]).map((value) => (typeof value === 'string' ? value : Buffer.from(value).toString('utf8')))
        : // JSON has no NaN: Triton-style null stands for it.
          (tensor.values as number[]).map((value) => (Number.isFinite(value) ? value : null));
    return { name: tensor.name, datatype: tensor.datatype, shape: tensor.shape, data };
  });
  const json = Buffer.from(JSON.stringify({ ...header, [tensorsKey]: jsonTensors }), 'utf8');
  if (binaryParts.length === 0) return { body: json, headerLength: undefined };
  return { body: Buffer.concat([json, ...binaryParts]), headerLength: json.length };
}

/** The values of a decoded BYTES tensor as UTF-8 strings. */
export function bytesAsStrings(tensor: DecodedTensor): string[] {
  return (tensor.values as (Buffer | string)[]).map((value) => (typeof value === 'string' ? value : value.toString('utf8')));
}

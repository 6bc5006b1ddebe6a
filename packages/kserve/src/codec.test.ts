import { describe, expect, it } from 'vitest';
import {
  KServeProtocolError,
  bytesAsStrings,
  decodeBytesElements,
  decodeInferMessage,
  encodeBytesElements,
  encodeInferMessage,
  type KServeInferRequest,
} from './codec.js';
import { backendPlugins, kserveBackendPlugin } from './plugin.js';

describe('KServe v2 codec', () => {
  it('round-trips BYTES and FP32 tensors through the binary extension', () => {
    const { body, headerLength } = encodeInferMessage({ id: 'r1' }, 'inputs', [
      { name: 'PROMPT', datatype: 'BYTES', shape: [2], values: ['a dog', 'ü'], binary: true },
      { name: 'W', datatype: 'FP32', shape: [2], values: [0.5, -1], binary: true },
    ]);
    expect(headerLength).toBeGreaterThan(0);
    const { header, tensors } = decodeInferMessage<KServeInferRequest>(body, headerLength, 'inputs');
    expect(header.id).toBe('r1');
    expect(bytesAsStrings(tensors[0]!)).toEqual(['a dog', 'ü']);
    expect(tensors[1]!.values).toEqual([0.5, -1]);
  });

  it('round-trips plain JSON (no binary part)', () => {
    const { body, headerLength } = encodeInferMessage({}, 'outputs', [{ name: 'REWARD', datatype: 'FP32', shape: [1], values: [0.25], binary: false }]);
    expect(headerLength).toBeUndefined();
    const { tensors } = decodeInferMessage(body, undefined, 'outputs');
    expect(tensors[0]!.values).toEqual([0.25]);
  });

  it('rejects a header length that does not fit the body', () => {
    expect(() => decodeInferMessage(Buffer.from('{}'), 10, 'inputs')).toThrow(KServeProtocolError);
  });
});

describe('KServe BYTES decoding checks before it allocates (issue 21)', () => {
  const message = (raw: Buffer, shape: number[]) => {
    const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'IMAGE', datatype: 'BYTES', shape, parameters: { binary_data_size: raw.length } }] }));
    return { body: Buffer.concat([header, raw]), headerLength: header.length };
  };

  it('4 MB of zero bytes (a million empty elements) for shape [1]: refused at the second element', () => {
    const { body, headerLength } = message(Buffer.alloc(4 * 1024 * 1024), [1]);
    expect(() => decodeBytesElements(body.subarray(headerLength), 1, 'IMAGE')).toThrow(/shape says 1 elements, binary data holds more/);
    expect(() => decodeInferMessage(body, headerLength, 'inputs')).toThrow(KServeProtocolError);
  });

  it('a shape whose count the data cannot hold (4 bytes per element at least) is refused before any element is read', () => {
    expect(() => decodeBytesElements(Buffer.alloc(16), 1_000_000_000, 'IMAGE')).toThrow(/16 bytes of binary data cannot hold them/);
  });

  it('well-formed elements still decode, empty ones included', () => {
    const raw = encodeBytesElements(['a', '', 'xyz']);
    expect(decodeBytesElements(raw, 3, 'PROMPT').map((element) => element.toString())).toEqual(['a', '', 'xyz']);
    expect(() => decodeBytesElements(raw, 2, 'PROMPT')).toThrow(/holds more/);
    expect(() => decodeBytesElements(raw, 4, 'PROMPT')).toThrow(/holds 3/);
  });
});

describe('kserve backend plugin', () => {
  it('is the one shared backend this package exports', () => {
    expect(backendPlugins).toEqual([kserveBackendPlugin]);
    expect(kserveBackendPlugin.type).toBe('kserve');
  });
});

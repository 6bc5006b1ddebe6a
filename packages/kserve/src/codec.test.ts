import { describe, expect, it } from 'vitest';
import { KServeProtocolError, bytesAsStrings, decodeInferMessage, encodeInferMessage, type KServeInferRequest } from './codec.js';
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

describe('kserve backend plugin', () => {
  it('is the one shared backend this package exports', () => {
    expect(backendPlugins).toEqual([kserveBackendPlugin]);
    expect(kserveBackendPlugin.type).toBe('kserve');
  });
});

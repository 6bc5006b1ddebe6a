import { afterEach, describe, expect, it } from 'vitest';
import { RuntimeUnavailableError } from '../errors.js';
import { createTestImage } from '../test/mock.js';
import { injectRuntime, loadOnnxRuntime, loadTfjs, loadTransformers, pretrainedLoadOptions, resetRuntimes, toRawImage } from './index.js';

afterEach(() => resetRuntimes());

describe('runtime loaders', () => {
  it('loads TF.js on the wasm backend offline and runs a matmul', async () => {
    // tfjs-node-gpu cannot be installed here; "auto" falls back to wasm.
    const { tf, backend } = await loadTfjs();
    expect(backend).toBe('wasm');
    const a = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const product = tf.matMul(a, a);
    expect(Array.from(await product.data())).toEqual([7, 10, 15, 22]);
    tf.dispose([a, product]);
    expect(await loadTfjs()).toEqual({ tf, backend: 'wasm' });
  });

  it('falls back to cpu when the wasm backend is missing, and can be asked for cpu', async () => {
    injectRuntime('@tensorflow/tfjs-backend-wasm', null);
    const { tf, backend } = await loadTfjs({ backend: 'auto' });
    expect(backend).toBe('cpu');
    expect(Array.from(await tf.add(tf.scalar(2), tf.scalar(3)).data())).toEqual([5]);
    await expect(loadTfjs({ backend: 'wasm' })).rejects.toSatisfy(RuntimeUnavailableError.isInstance);
    resetRuntimes();
    expect((await loadTfjs({ backend: 'cpu' })).backend).toBe('cpu');
  });

  it('reports tfjs-node-gpu as unavailable when asked for it explicitly', async () => {
    const error = await loadTfjs({ backend: 'tfjs-node-gpu' }).catch((caught: unknown) => caught);
    expect(RuntimeUnavailableError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('npm install @tensorflow/tfjs-node-gpu');
  });

  it('uses an injected tfjs-node-gpu when "installed"', async () => {
    const fakeTf = { tensor: () => undefined, ready: async () => undefined, getBackend: () => 'tensorflow' };
    injectRuntime('@tensorflow/tfjs-node-gpu', fakeTf);
    expect(await loadTfjs()).toEqual({ tf: fakeTf, backend: 'tensorflow' });
  });

  it('memoises and injects onnxruntime-node', async () => {
    const ort = await loadOnnxRuntime();
    expect(typeof ort.InferenceSession.create).toBe('function');
    expect(await loadOnnxRuntime()).toBe(ort);
    const fake = { InferenceSession: {} };
    injectRuntime('onnxruntime-node', fake);
    expect(await loadOnnxRuntime()).toBe(fake);
    injectRuntime('onnxruntime-node', null);
    await expect(loadOnnxRuntime()).rejects.toSatisfy(RuntimeUnavailableError.isInstance);
  });

  it('configures transformers.js offline by default; an opt-in does not make other experts download', async () => {
    const env = { allowRemoteModels: true, allowLocalModels: false, localModelPath: '/models/', cacheDir: null };
    injectRuntime('@huggingface/transformers', { env });
    await loadTransformers();
    expect(env).toMatchObject({ allowRemoteModels: false, allowLocalModels: true });
    await loadTransformers({ allowRemoteModels: true, localModelPath: '/srv/models' });
    expect(env).toMatchObject({ allowRemoteModels: true, localModelPath: '/srv/models' });
    // A later offline expert no longer switches it back for the one that opted in (the last call used to win) ...
    await loadTransformers({ allowRemoteModels: false });
    expect(env.allowRemoteModels).toBe(true);
    // ... and stays offline itself through its own per-call options.
    expect(pretrainedLoadOptions({})).toEqual({ local_files_only: true });
    expect(pretrainedLoadOptions({ allowRemoteModels: false, cacheDir: '/c' })).toEqual({ local_files_only: true, cache_dir: '/c' });
    expect(pretrainedLoadOptions({ allowRemoteModels: true })).toEqual({ local_files_only: false });
    expect(pretrainedLoadOptions({ allowRemoteModels: true }, true)).toEqual({ local_files_only: true });
  });
});

describe('toRawImage', () => {
  it('builds an RGB RawImage over the image pixels without copying them', () => {
    class CapturingRawImage {
      constructor(
        readonly data: Uint8ClampedArray,
        readonly width: number,
        readonly height: number,
        readonly channels: number,
      ) {}
    }
    const image = createTestImage(3, 2, [10, 20, 30]);
    const raw = toRawImage(CapturingRawImage, image);
    expect([raw.width, raw.height, raw.channels]).toEqual([3, 2, 3]);
    expect(raw.data.buffer).toBe(image.data.buffer);
    expect([raw.data.byteOffset, raw.data.length]).toEqual([image.data.byteOffset, 3 * 2 * 3]);
  });
});

import { promises as fs } from 'node:fs';
import { ModelLoadError } from '@t2i-reward/core';

/** The file @t2i-reward/aesthetic reads the head from (scripts/export_aesthetic_head.py writes it). */
export const AESTHETIC_HEAD_FILE = 'aesthetic-head.safetensors';

/** Indices of the Linear layers in the predictor's `nn.Sequential` (1, 3, 5 are Dropout: no weights). */
export const HEAD_LINEAR_INDICES = [0, 2, 4, 6, 7] as const;

/** The published head's widths: CLIP ViT-L/14 embedding 768 → 1024 → 128 → 64 → 16 → 1. */
export const PUBLISHED_HEAD_WIDTHS = [768, 1024, 128, 64, 16, 1] as const;

export interface HeadLayer {
  /** Row-major [out, in], as torch stores `nn.Linear.weight`. */
  weight: Float32Array;
  bias: Float32Array;
  in: number;
  out: number;
}

/**
 * The LAION improved aesthetic predictor's MLP: five Linear layers, no activations (the dropout layers are
 * identities at inference). `widths[0]` is the embedding size it takes.
 */
export class AestheticHead {
  readonly widths: number[];
  constructor(readonly layers: HeadLayer[]) {
    this.widths = [layers[0]!.in, ...layers.map((layer) => layer.out)];
  }

  /** The predictor's score for one L2-normalised embedding (float64 accumulation). */
  apply(embedding: ArrayLike<number>): number {
    if (embedding.length !== this.widths[0]) {
      throw new ModelLoadError(`the aesthetic head takes ${this.widths[0]}-d embeddings, the CLIP model gives ${embedding.length}-d`);
    }
    let x: ArrayLike<number> = embedding;
    for (const layer of this.layers) {
      const y = new Float64Array(layer.out);
      for (let o = 0; o < layer.out; o++) {
        let sum = layer.bias[o]!;
        const row = o * layer.in;
        for (let i = 0; i < layer.in; i++) sum += layer.weight[row + i]! * x[i]!;
        y[o] = sum;
      }
      x = y;
    }
    return x[0]!;
  }
}

interface SafetensorsEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** The float32 tensors of a safetensors file (8-byte little-endian header length, JSON header, raw data). */
export function readSafetensors(bytes: Uint8Array, source: string): Map<string, { shape: number[]; data: Float32Array }> {
  const fail = (why: string): never => {
    throw new ModelLoadError(`${source}: not a readable safetensors file: ${why}`);
  };
  if (bytes.length < 8) fail('shorter than its 8-byte header length');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.length - 8 || headerLength > 100_000_000) fail(`header length ${headerLength} past the end of the file`);
  let header: Record<string, SafetensorsEntry | Record<string, string>>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as typeof header;
  } catch (error) {
    return fail(`bad JSON header (${(error as Error).message})`);
  }
  const dataStart = 8 + headerLength;
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) fail('big-endian hosts are not supported');
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, data_offsets: offsets } = entry as SafetensorsEntry;
    if (dtype !== 'F32') fail(`${name} is ${String(dtype)} (float32 expected: export_aesthetic_head.py writes F32)`);
    const count = shape.reduce((a, b) => a * b, 1);
    const [begin, end] = offsets;
    if (end - begin !== count * 4 || dataStart + end > bytes.length) fail(`${name}: data offsets [${begin}, ${end}] do not fit shape [${shape.join(', ')}]`);
    // Copied out: the data need not be 4-byte aligned in the file buffer.
    const data = new Float32Array(count);
    new Uint8Array(data.buffer).set(bytes.subarray(dataStart + begin, dataStart + end));
    tensors.set(name, { shape, data });
  }
  return tensors;
}

/**
 * The head from its tensors: `layers.{0,2,4,6,7}.{weight,bias}` (the predictor's state-dict names), shapes chaining
 * from the embedding width to one output (the published head: 768 → 1024 → 128 → 64 → 16 → 1).
 */
export function headFromTensors(tensors: Map<string, { shape: number[]; data: Float32Array }>, source: string): AestheticHead {
  const layers: HeadLayer[] = [];
  let width: number | undefined;
  for (const index of HEAD_LINEAR_INDICES) {
    const weight = tensors.get(`layers.${index}.weight`);
    const bias = tensors.get(`layers.${index}.bias`);
    if (!weight || !bias) {
      throw new ModelLoadError(
        `${source}: not the aesthetic predictor's head: no layers.${index}.weight / bias (has ${[...tensors.keys()].slice(0, 8).join(', ')})`,
      );
    }
    const [out, inWidth] = weight.shape as [number, number];
    if (weight.shape.length !== 2 || (width !== undefined && inWidth !== width) || bias.shape.length !== 1 || bias.shape[0] !== out) {
      throw new ModelLoadError(`${source}: layers.${index} has weight [${weight.shape.join(', ')}] and bias [${bias.shape.join(', ')}], which do not chain`);
    }
    layers.push({ weight: weight.data, bias: bias.data, in: inWidth, out });
    width = out;
  }
  if (width !== 1) throw new ModelLoadError(`${source}: the head ends in ${width} outputs, not 1`);
  return new AestheticHead(layers);
}

/** Reads `aesthetic-head.safetensors` (or another safetensors file holding the head). */
export async function loadAestheticHead(file: string): Promise<AestheticHead> {
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(file);
  } catch (error) {
    throw new ModelLoadError(
      `cannot read the aesthetic head ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message} (make it from the published sac+logos+ava1-l14-linearMSE.pth with packages/reward-aesthetic/scripts/export_aesthetic_head.py)`,
      { cause: error },
    );
  }
  return headFromTensors(readSafetensors(bytes, file), file);
}

import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** A named float32 array with its shape. */
export interface StoredTensor {
  name: string;
  shape: number[];
  values: Float32Array;
}

export interface CheckpointData<State> {
  state: State;
  tensors: StoredTensor[];
}

interface Manifest<State> {
  format: 't2i-reward-trainer-checkpoint';
  version: 1;
  state: State;
  tensors: { name: string; shape: number[]; offset: number; length: number }[];
}

const STATE_FILE = 'state.json';
const TENSOR_FILE = 'tensors.bin';
const LATEST_FILE = 'latest';

export function checkpointDir(root: string, step: number): string {
  return path.join(root, `step-${String(step).padStart(6, '0')}`);
}

/**
 * Writes `root/step-NNNNNN/{state.json,tensors.bin}` (tensors as raw little-endian float32, bit-exact) into
 * a temporary folder first and renames it, then points `root/latest` at it: a crash never leaves a
 * half-written checkpoint behind `latest`.
 */
export async function saveCheckpoint<State>(root: string, step: number, data: CheckpointData<State>): Promise<string> {
  const target = checkpointDir(root, step);
  const temporary = `${target}.tmp-${process.pid}`;
  await rm(temporary, { recursive: true, force: true });
  await mkdir(temporary, { recursive: true });
  let offset = 0;
  const entries = data.tensors.map((tensor) => {
    const entry = { name: tensor.name, shape: tensor.shape, offset, length: tensor.values.length };
    offset += tensor.values.length;
    return entry;
  });
  const buffer = Buffer.alloc(offset * 4);
  data.tensors.forEach((tensor, i) => {
    const start = entries[i]!.offset * 4;
    tensor.values.forEach((value, j) => buffer.writeFloatLE(value, start + j * 4));
  });
  const manifest: Manifest<State> = { format: 't2i-reward-trainer-checkpoint', version: 1, state: data.state, tensors: entries };
  await writeFile(path.join(temporary, STATE_FILE), `${JSON.stringify(manifest)}\n`);
  await writeFile(path.join(temporary, TENSOR_FILE), buffer);
  await rm(target, { recursive: true, force: true });
  await rename(temporary, target);
  await writeFile(path.join(root, `${LATEST_FILE}.tmp`), path.basename(target));
  await rename(path.join(root, `${LATEST_FILE}.tmp`), path.join(root, LATEST_FILE));
  return target;
}

/** The folder `root/latest` points at, or undefined when there is no checkpoint yet. */
export async function latestCheckpoint(root: string): Promise<string | undefined> {
  try {
    const name = (await readFile(path.join(root, LATEST_FILE), 'utf8')).trim();
    return name ? path.join(root, name) : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export async function loadCheckpoint<State>(dir: string): Promise<CheckpointData<State>> {
  const manifest = JSON.parse(await readFile(path.join(dir, STATE_FILE), 'utf8')) as Manifest<State>;
  if (manifest.format !== 't2i-reward-trainer-checkpoint' || manifest.version !== 1) {
    throw new Error(`${dir} is not a t2i-reward trainer checkpoint (format ${String(manifest.format)})`);
  }
  const buffer = await readFile(path.join(dir, TENSOR_FILE));
  const tensors = manifest.tensors.map((entry) => {
    const values = new Float32Array(entry.length);
    for (let j = 0; j < entry.length; j += 1) values[j] = buffer.readFloatLE((entry.offset + j) * 4);
    return { name: entry.name, shape: entry.shape, values };
  });
  return { state: manifest.state, tensors };
}

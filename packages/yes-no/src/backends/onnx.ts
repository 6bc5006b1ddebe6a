import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { memoizeAsync, type RgbImage } from '@t2i-reward/core';
import { newStats, type YesNoAnswer, type YesNoAskOptions, type YesNoBackend, type YesNoBackendStats, type YesNoQuery } from '../backend.js';
import { OnnxBlipYesNoBackend } from './onnx-blip.js';
import { OnnxGitYesNoBackend } from './onnx-git.js';
import type { OnnxBackendOptions } from './schemas.js';

export type { OnnxBackendOptions } from './schemas.js';

/** The `onnx` backend: GIT- or BLIP-VQA-style exports on raw onnxruntime-node, chosen by the export's config.json. */
export class OnnxYesNoBackend implements YesNoBackend {
  readonly id: string;
  readonly #options: OnnxBackendOptions;
  #resolved: YesNoBackend | undefined;
  readonly #pending = newStats();

  constructor(options: OnnxBackendOptions) {
    this.#options = options;
    this.id = `onnx/${options.model}`;
  }

  get stats(): YesNoBackendStats {
    return this.#resolved?.stats ?? this.#pending;
  }

  /** 'git' or 'blip', once loaded. */
  get architecture(): 'git' | 'blip' | undefined {
    return this.#resolved instanceof OnnxBlipYesNoBackend ? 'blip' : this.#resolved ? 'git' : undefined;
  }

  /** Reads the export's architecture once, then builds that backend. */
  readonly #backend = memoizeAsync(async (): Promise<YesNoBackend> => {
    let architecture = this.#options.architecture;
    if (!architecture) {
      const config = await readFile(path.join(path.resolve(this.#options.model), 'config.json'), 'utf8')
        .then((text) => JSON.parse(text) as { model_type?: string })
        .catch(() => ({ model_type: undefined }));
      architecture = config.model_type === 'blip' ? 'blip' : 'git';
    }
    const { architecture: _architecture, ...options } = this.#options;
    const backend = architecture === 'blip' ? new OnnxBlipYesNoBackend(options) : new OnnxGitYesNoBackend(options);
    this.#resolved = backend;
    return backend;
  });

  async load(): Promise<void> {
    await (await this.#backend()).load();
  }

  async ask(image: RgbImage, queries: readonly YesNoQuery[], options?: YesNoAskOptions): Promise<YesNoAnswer[]> {
    return (await this.#backend()).ask(image, queries, options);
  }

  async dispose(): Promise<void> {
    const backend = this.#resolved;
    this.#backend.clear();
    this.#resolved = undefined;
    await backend?.dispose();
  }
}

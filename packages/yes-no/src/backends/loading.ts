import { memoizeAsync } from '@t2i-reward/core';
import { newStats, type YesNoBackend } from '../backend.js';

/**
 * What every in-process yes/no backend shares: its id and stats, its options, one lazy load (concurrent callers
 * share it, a failed load is retried) and its release on dispose. Subclasses implement `doLoad`, `ask`, `dispose`.
 */
export abstract class LoadingYesNoBackend<Options, Loaded> implements Pick<YesNoBackend, 'id' | 'stats' | 'load'> {
  readonly id: string;
  readonly stats = newStats();
  protected readonly options: Options;
  readonly #loaded = memoizeAsync(() => this.doLoad());

  protected constructor(id: string, options: Options) {
    this.id = id;
    this.options = options;
  }

  async load(): Promise<void> {
    await this.#loaded();
  }

  /** The loaded model (loads it on first use). */
  protected loaded(): Promise<Loaded> {
    return this.#loaded();
  }

  /** Forgets the loaded model, so a later call loads it again, and hands it back for its sessions to be released. */
  protected async unload(): Promise<Loaded | undefined> {
    return this.#loaded.clear()?.catch(() => undefined);
  }

  protected abstract doLoad(): Promise<Loaded>;
}

import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import {
  ExpertFailedError,
  InvalidConfigError,
  ModelDisposedError,
  ModelLoadError,
  RewardAbortedError,
  RuntimeUnavailableError,
  type RgbImage,
  throwIfAborted,
} from '@t2i-reward/core';

/** The part of tesseract.js's API the pool uses (inject a build of your own through `tesseract`). */
export interface TesseractModule {
  createWorker(langs: string | string[], oem?: number, options?: Record<string, unknown>, config?: Record<string, unknown>): Promise<TesseractWorker>;
}

export interface TesseractWorker {
  setParameters(params: Record<string, unknown>): Promise<unknown>;
  recognize(image: Uint8Array, options?: Record<string, unknown>, output?: Record<string, boolean>): Promise<{ data: TesseractPage }>;
  terminate(): Promise<unknown>;
}

interface TesseractBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** The fields of tesseract.js's `Page` read here (blocks → paragraphs → lines → words). */
export interface TesseractPage {
  text: string;
  confidence: number;
  blocks: { paragraphs: { lines: { text: string; confidence: number; words: { text: string; confidence: number; bbox: TesseractBox }[] }[] }[] }[] | null;
}

/** A recognised word: its text, confidence (0–100) and box `[x0, y0, x1, y1]` in image pixels. */
export interface OcrWord {
  text: string;
  confidence: number;
  box: [number, number, number, number];
}

export interface OcrReading {
  /** Tesseract's text, one line per recognised line. */
  text: string;
  /** Tesseract's mean word confidence for the page (0–100). */
  confidence: number;
  words: OcrWord[];
  /** Milliseconds inside tesseract's `recognize` (worker thread), for overhead measurements. */
  ms: number;
}

export interface TesseractPoolOptions {
  /** Tesseract language codes, e.g. ['eng'] or ['eng', 'deu'] (default ['eng']). */
  languages?: readonly string[];
  /**
   * A local folder holding `<lang>.traineddata.gz` or `<lang>.traineddata` for every language. Default: each
   * language's `@tesseract.js-data/<lang>` package, folder `4.0.0_best_int` (eng ships as a dependency).
   */
  langPath?: string;
  /** Workers (each a thread with its own model copy, ~25 MB for eng). Default min(4, available cores). */
  workers?: number;
  /** Tesseract page segmentation mode (default 3, fully automatic; 11: sparse text). */
  pageSegMode?: number;
  /** tesseract.js itself (default: imported on first use). */
  tesseract?: TesseractModule;
}

const require = createRequire(import.meta.url);

/** `@tesseract.js-data/eng`'s LSTM-only integer model folder, the default language data. */
export function bundledLanguageDir(lang = 'eng'): string {
  return path.join(path.dirname(require.resolve(`@tesseract.js-data/${lang}/package.json`)), '4.0.0_best_int');
}

export function defaultWorkerCount(): number {
  return Math.max(1, Math.min(4, os.availableParallelism()));
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

/** The data file of each language; a missing file is a ModelLoadError naming what to install. */
async function locateLanguages(languages: readonly string[], langPath: string | undefined): Promise<{ lang: string; file: string }[]> {
  return Promise.all(
    languages.map(async (lang) => {
      let dir: string;
      if (langPath !== undefined) {
        dir = langPath;
        if (!(await exists(dir))) throw new ModelLoadError(`OCR langPath ${dir} does not exist (a folder with ${lang}.traineddata)`, { data: { lang, dir } });
      } else {
        try {
          dir = bundledLanguageDir(lang);
        } catch (error) {
          throw new ModelLoadError(
            `no data for OCR language '${lang}': install @tesseract.js-data/${lang} or set langPath to a folder with ${lang}.traineddata`,
            {
              cause: error,
              data: { lang },
            },
          );
        }
      }
      for (const name of [`${lang}.traineddata.gz`, `${lang}.traineddata`]) {
        if (await exists(path.join(dir, name))) return { lang, file: path.join(dir, name) };
      }
      throw new ModelLoadError(`no ${lang}.traineddata(.gz) in ${dir}`, { data: { lang, dir } });
    }),
  );
}

/** The whole RGB image as a binary PPM (P6): leptonica reads it without any compression step. */
export function encodePpm(image: RgbImage): Uint8Array {
  const header = new TextEncoder().encode(`P6\n${image.width} ${image.height}\n255\n`);
  const out = new Uint8Array(header.length + image.data.length);
  out.set(header, 0);
  out.set(image.data, header.length);
  return out;
}

function readWords(page: TesseractPage): OcrWord[] {
  const words: OcrWord[] = [];
  for (const block of page.blocks ?? []) {
    for (const paragraph of block.paragraphs) {
      for (const line of paragraph.lines) {
        for (const word of line.words) {
          words.push({ text: word.text, confidence: word.confidence, box: [word.bbox.x0, word.bbox.y0, word.bbox.x1, word.bbox.y1] });
        }
      }
    }
  }
  return words;
}

interface Waiter {
  resolve(worker: TesseractWorker): void;
  reject(error: unknown): void;
}

/**
 * A pool of tesseract.js workers (worker threads), created on demand up to `workers` and reused across
 * calls; jobs wait for a free worker. Language data is read from local files only (never downloaded):
 * `cacheMethod: 'none'`, `langPath` a folder. A worker whose `recognize` throws is terminated and replaced.
 */
export class TesseractPool {
  readonly languages: readonly string[];
  readonly size: number;
  readonly pageSegMode: number | undefined;
  readonly #langPath: string | undefined;
  #module: TesseractModule | undefined;
  #dataDir: Promise<{ dir: string; gzip: boolean; temporary: boolean }> | undefined;
  readonly #idle: TesseractWorker[] = [];
  readonly #all = new Set<TesseractWorker>();
  readonly #waiters: Waiter[] = [];
  #starting = 0;
  #disposed = false;
  /** Rejects when the pool is disposed, so reads in flight on terminated workers do not hang. */
  readonly #whenDisposed: Promise<never>;
  #markDisposed: (error: Error) => void = () => undefined;
  /** Total milliseconds spent inside `recognize` since creation. */
  recognizeMs = 0;
  recognizeCalls = 0;

  constructor(options: TesseractPoolOptions = {}) {
    this.languages = options.languages?.length ? [...options.languages] : ['eng'];
    this.size = options.workers ?? defaultWorkerCount();
    if (!Number.isInteger(this.size) || this.size < 1)
      throw new InvalidConfigError(`workers must be a positive integer, got ${String(options.workers)}`, { data: { path: 'workers' } });
    if (options.langPath !== undefined && /^[a-z][a-z0-9+.-]*:\/\//i.test(options.langPath)) {
      throw new InvalidConfigError(`langPath must be a local folder (this expert never downloads), got ${options.langPath}`, { data: { path: 'langPath' } });
    }
    this.#langPath = options.langPath;
    this.pageSegMode = options.pageSegMode;
    this.#module = options.tesseract;
    this.#whenDisposed = new Promise<never>((_, reject) => {
      this.#markDisposed = reject;
    });
    this.#whenDisposed.catch(() => undefined);
  }

  /** Workers alive now (idle or busy). */
  get workerCount(): number {
    return this.#all.size;
  }

  /** Checks the language data and starts one worker, so configuration problems surface as ModelLoadError. */
  async load(): Promise<void> {
    const worker = await this.#acquire(undefined);
    this.#release(worker);
  }

  async #tesseract(): Promise<TesseractModule> {
    if (this.#module) return this.#module;
    try {
      const imported = (await import('tesseract.js')) as unknown as { default?: TesseractModule } & TesseractModule;
      this.#module = imported.default ?? imported;
      return this.#module;
    } catch (error) {
      throw new RuntimeUnavailableError(`tesseract.js failed to load: ${(error as Error).message}`, { cause: error, data: { package: 'tesseract.js' } });
    }
  }

  /** One folder holding every language's file (tesseract.js reads all from one langPath): a temp folder of links when they differ. */
  #languageDir(): Promise<{ dir: string; gzip: boolean; temporary: boolean }> {
    this.#dataDir ??= (async () => {
      const files = await locateLanguages(this.languages, this.#langPath);
      const dirs = new Set(files.map((f) => path.dirname(f.file)));
      const gz = new Set(files.map((f) => f.file.endsWith('.gz')));
      if (dirs.size === 1 && gz.size === 1) return { dir: [...dirs][0]!, gzip: gz.has(true), temporary: false };
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 't2ir-ocr-lang-'));
      for (const { lang, file } of files) {
        const target = path.join(dir, `${lang}.traineddata`);
        // Uncompressed names for all (tesseract.js detects gzip by its magic bytes): one `gzip: false` fits all.
        await fs.symlink(file, target).catch(() => fs.copyFile(file, target));
      }
      return { dir, gzip: false, temporary: true };
    })().catch((error: unknown) => {
      this.#dataDir = undefined;
      throw error;
    });
    return this.#dataDir;
  }

  async #spawn(): Promise<TesseractWorker> {
    const [tesseract, data] = await Promise.all([this.#tesseract(), this.#languageDir()]);
    let worker: TesseractWorker;
    try {
      // OEM 1: LSTM only (the best_int data has no legacy model).
      // errorHandler: without one, tesseract.js rethrows a failed job inside its message handler (an uncaught
      // exception that ends the process); the job's own promise still rejects, which is where it is handled.
      worker = await tesseract.createWorker([...this.languages], 1, {
        langPath: data.dir,
        cacheMethod: 'none',
        gzip: data.gzip,
        errorHandler: () => undefined,
      });
      if (this.pageSegMode !== undefined) await worker.setParameters({ tessedit_pageseg_mode: String(this.pageSegMode) });
    } catch (error) {
      throw new ModelLoadError(`tesseract worker (${this.languages.join('+')}) failed to start: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
    if (this.#disposed) {
      await worker.terminate().catch(() => undefined);
      throw new ModelDisposedError('OCR pool was disposed');
    }
    this.#all.add(worker);
    return worker;
  }

  async #acquire(signal: AbortSignal | undefined): Promise<TesseractWorker> {
    if (this.#disposed) throw new ModelDisposedError('OCR pool was disposed');
    throwIfAborted(signal);
    const idle = this.#idle.pop();
    if (idle) return idle;
    if (this.#all.size + this.#starting < this.size) {
      this.#starting++;
      let worker: TesseractWorker;
      try {
        worker = await this.#spawn();
      } catch (error) {
        this.#starting--;
        this.#spawnFailed(error);
        throw error;
      }
      this.#starting--;
      return worker;
    }
    return new Promise<TesseractWorker>((resolve, reject) => {
      const onAbort = () => {
        const at = this.#waiters.indexOf(waiter);
        if (at >= 0) this.#waiters.splice(at, 1);
        reject(new RewardAbortedError('scoring aborted', { cause: signal?.reason }));
      };
      const waiter: Waiter = {
        resolve: (worker) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(worker);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  #release(worker: TesseractWorker): void {
    if (this.#disposed) return;
    const waiter = this.#waiters.shift();
    if (waiter) waiter.resolve(worker);
    else this.#idle.push(worker);
  }

  /** Terminates a worker that failed; a waiting job gets a fresh one. */
  #drop(worker: TesseractWorker): void {
    this.#all.delete(worker);
    void worker.terminate().catch(() => undefined);
    const waiter = this.#waiters.shift();
    if (!waiter || this.#disposed) return;
    this.#starting++;
    this.#spawn().then(
      (fresh) => {
        this.#starting--;
        waiter.resolve(fresh);
      },
      (error: unknown) => {
        this.#starting--;
        waiter.reject(error);
        this.#spawnFailed(error);
      },
    );
  }

  /** No worker alive or starting after a failed start: queued jobs would wait forever, so they fail too. */
  #spawnFailed(error: unknown): void {
    if (this.#all.size + this.#starting === 0) for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
  }

  /** Reads one image on a free worker. A failure of this image throws ExpertFailedError (the worker is replaced). */
  async recognize(image: RgbImage, signal?: AbortSignal): Promise<OcrReading> {
    const ppm = encodePpm(image);
    const worker = await this.#acquire(signal);
    if (signal?.aborted) {
      this.#release(worker);
      throwIfAborted(signal);
    }
    const started = performance.now();
    let page: TesseractPage;
    try {
      ({ data: page } = await Promise.race([worker.recognize(ppm, {}, { text: true, blocks: true }), this.#whenDisposed]));
    } catch (error) {
      this.#drop(worker);
      if (this.#disposed) throw new ModelDisposedError('OCR pool was disposed while reading', { cause: error });
      throw new ExpertFailedError(`tesseract could not read the image: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
        data: { stage: 'recognize' },
      });
    }
    const ms = performance.now() - started;
    this.recognizeMs += ms;
    this.recognizeCalls++;
    this.#release(worker);
    return { text: page.text.trim(), confidence: page.confidence, words: readWords(page), ms };
  }

  /** Terminates every worker; waiting jobs reject with ModelDisposedError. Idempotent. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#markDisposed(new ModelDisposedError('OCR pool was disposed while reading'));
    for (const waiter of this.#waiters.splice(0)) waiter.reject(new ModelDisposedError('OCR pool was disposed'));
    const workers = [...this.#all];
    this.#all.clear();
    this.#idle.length = 0;
    await Promise.all(workers.map((worker) => worker.terminate().catch(() => undefined)));
    const data = await this.#dataDir?.catch(() => undefined);
    if (data?.temporary) await fs.rm(data.dir, { recursive: true, force: true });
  }
}

import { createHash, type Hash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { errorCauseChain } from '../errors.js';
import { modelsCacheDir, PULL_MANIFEST_FILE, readPullManifest, type PullManifest } from './cache.js';
import { catalogAvailability, findCatalogEntry, type CatalogFile, type ModelCatalogEntry } from './catalog.js';
import { ModelPullError, type ModelPullFailure } from './errors.js';

export const DEFAULT_HF_ENDPOINT = 'https://huggingface.co';

/** One progress event of {@link pullModel}. */
export interface PullProgress {
  name: string;
  file: string;
  /** 0-based index of `file` among the entry's files, and their count. */
  fileIndex: number;
  fileCount: number;
  /** Bytes of `file` on disk so far, and its size when known. */
  fileBytes: number;
  fileSize: number | undefined;
  /** Bytes of all files on disk so far, and their total when every size is known. */
  bytes: number;
  totalBytes: number | undefined;
  /** Where this file's transfer started (> 0: resumed from a `.incomplete` file). */
  resumedFrom: number;
  /** 'start' / 'data' while a file downloads, 'done' when it is verified, 'skip' when it was already complete. */
  phase: 'start' | 'data' | 'done' | 'skip';
}

export interface PullModelOptions {
  /** Folder holding the pulled models (`<cacheDir>/<name>/`). Default: `$T2IR_CACHE/models` (see `modelsCacheDir`). */
  cacheDir?: string;
  /** Hub endpoint. Default: `$HF_ENDPOINT`, else https://huggingface.co (as huggingface_hub). */
  endpoint?: string;
  /** Bearer token for gated / private repositories. Default: `$HF_TOKEN`. Sent to the endpoint's origin only. */
  token?: string;
  onProgress?: (progress: PullProgress) => void;
  signal?: AbortSignal;
  /** The fetch to use (tests, proxies). Default: the global fetch. */
  fetch?: typeof fetch;
  /** Resumptions (Range requests) after a cut connection, per file. Default 3. */
  retries?: number;
  /** Pull an entry marked `unconfirmed` anyway. */
  allowUnconfirmed?: boolean;
  /** Download again even when a finished pull of the same revision is in the cache. */
  force?: boolean;
  /** Process environment to read HF_ENDPOINT / HF_TOKEN / T2IR_CACHE from. Default: process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface PulledFile {
  path: string;
  size: number;
  sha256: string;
  /** Bytes received for this file in this call (0: it was already complete). */
  received: number;
  /** Where the transfer of this file started (> 0: resumed from an earlier call's part). */
  resumedFrom: number;
  /** Range requests that resumed this file after a cut connection in this call. */
  resumes: number;
}

export interface PullResult {
  name: string;
  /** The model folder: give it (or the name) as `backend.model`. */
  dir: string;
  repo: string;
  revision: string;
  files: PulledFile[];
  /** Bytes received in this call. */
  received: number;
  /** True when a finished pull was already in the cache (nothing was fetched). */
  cached: boolean;
  manifest: PullManifest;
}

/** The folder where files of an unfinished pull wait (`.incomplete` while downloading, then verified). */
export const PARTIAL_DIR = '.partial';

const OFFLINE_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT']);
const MAX_REDIRECTS = 10;

function fail(reason: ModelPullFailure, model: string, message: string, extra: Record<string, unknown> = {}, cause?: unknown): ModelPullError {
  return new ModelPullError(message, { data: { reason, model, ...extra }, ...(cause === undefined ? {} : { cause }) });
}

/** huggingface_hub's `_normalize_etag`: no weak prefix, no quotes. */
export function normalizeEtag(etag: string | null): string | undefined {
  if (!etag) return undefined;
  return etag.replace(/^W\//, '').replace(/^"(.*)"$/, '$1') || undefined;
}

/** The error codes along a fetch failure's cause chain (undici keeps `ECONNREFUSED` under `cause`). */
function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && typeof current === 'object' && depth < 8; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    current = (current as { cause?: unknown }).cause ?? (current instanceof AggregateError ? current.errors[0] : undefined);
  }
  return codes;
}

function isAbort(error: unknown, signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true || (error instanceof Error && error.name === 'AbortError');
}

interface HubResponse {
  response: Response;
  /** The final URL (after redirects). */
  url: string;
  /** The hub's `X-Linked-Etag` (LFS files: the SHA-256 oid) or, without one, the first response's ETag. */
  linkedEtag: string | undefined;
  linkedSize: number | undefined;
}

interface Context {
  entry: ModelCatalogEntry;
  endpoint: string;
  token: string | undefined;
  fetch: typeof fetch;
  signal: AbortSignal | undefined;
}

/**
 * GET with redirects followed by hand (at most 10), as huggingface_hub does: the Authorization header goes to the
 * endpoint's origin only (a CDN a redirect points to never sees the token), and the first response's
 * `X-Linked-Etag` / `X-Linked-Size` (set on LFS redirects) are kept.
 */
async function hubGet(context: Context, url: string, headers: Record<string, string>, file: string): Promise<HubResponse> {
  const origin = new URL(context.endpoint).origin;
  let current = url;
  let linkedEtag: string | undefined;
  let linkedSize: number | undefined;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const sameOrigin = new URL(current).origin === origin;
    // identity: byte ranges and digests refer to the stored bytes, never to a compressed transfer (as huggingface_hub asks).
    const requestHeaders: Record<string, string> = { 'user-agent': 't2i-reward', 'accept-encoding': 'identity', ...headers };
    if (context.token && sameOrigin) requestHeaders['authorization'] = `Bearer ${context.token}`;
    let response: Response;
    try {
      response = await context.fetch(current, { headers: requestHeaders, redirect: 'manual', ...(context.signal ? { signal: context.signal } : {}) });
    } catch (error) {
      if (isAbort(error, context.signal)) throw fail('aborted', context.entry.name, `pull of ${context.entry.name} aborted`, { file }, error);
      const codes = errorCodes(error);
      const why = errorCauseChain(error).join(': ');
      if (codes.some((code) => OFFLINE_CODES.has(code)) || hop === 0)
        throw fail(
          'offline',
          context.entry.name,
          `cannot reach ${new URL(current).origin} (${why}): offline? Set HF_ENDPOINT to a reachable mirror, or copy the model folder by hand`,
          { file, url: current },
          error,
        );
      throw fail('http', context.entry.name, `${file}: request to ${current} failed (${why})`, { file, url: current }, error);
    }
    if (hop === 0) {
      linkedEtag = normalizeEtag(response.headers.get('x-linked-etag')) ?? normalizeEtag(response.headers.get('etag'));
      const size = Number(response.headers.get('x-linked-size') ?? Number.NaN);
      if (Number.isSafeInteger(size)) linkedSize = size;
    }
    if (response.status >= 300 && response.status < 400 && response.headers.has('location')) {
      await response.body?.cancel().catch(() => undefined);
      current = new URL(response.headers.get('location')!, current).toString();
      continue;
    }
    return { response, url: current, linkedEtag, linkedSize };
  }
  throw fail('http', context.entry.name, `${file}: more than ${MAX_REDIRECTS} redirects from ${url}`, { file, url });
}

function statusError(context: Context, status: number, file: string, url: string): ModelPullError {
  const { entry } = context;
  const where = `${entry.repo}@${entry.revision.slice(0, 12)}/${file}`;
  if (status === 401 || status === 403)
    return fail(
      'unauthorized',
      entry.name,
      context.token
        ? `${where}: the hub refused the token in HF_TOKEN (HTTP ${status}): accept the model's terms on its page with that account, or use a token with read access`
        : `${where}: the hub wants a signed-in user (HTTP ${status}): the repository is gated or private; accept its terms on the hub and set HF_TOKEN`,
      { file, url, status },
    );
  if (status === 404)
    return fail('not-found', entry.name, `${where}: not found at ${context.endpoint} (HTTP 404): the repository, revision or file is gone`, {
      file,
      url,
      status,
    });
  return fail('http', entry.name, `${where}: HTTP ${status} from ${new URL(url).origin}`, { file, url, status });
}

async function fileSize(file: string): Promise<number> {
  return fs.stat(file).then(
    (stat) => stat.size,
    () => 0,
  );
}

async function hashFile(file: string, hash: Hash): Promise<void> {
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
}

async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  await hashFile(file, hash);
  return hash.digest('hex');
}

/** Git's blob id: what the hub sends as the ETag of a file kept in git (not LFS). */
async function gitBlobSha1(file: string, size: number): Promise<string> {
  const hash = createHash('sha1').update(`blob ${size}\0`);
  await hashFile(file, hash);
  return hash.digest('hex');
}

interface FileJob {
  spec: CatalogFile;
  index: number;
}

interface Totals {
  bytes: number;
  totalBytes: number | undefined;
  count: number;
}

/**
 * Downloads one file into `staging` (resuming its `.incomplete` part with a Range request), verifies it and renames it
 * into place. Returns what it received.
 */
async function pullFile(context: Context, options: PullModelOptions, staging: string, job: FileJob, totals: Totals): Promise<PulledFile> {
  const { entry } = context;
  const { spec } = job;
  const target = path.join(staging, ...spec.path.split('/'));
  const incomplete = `${target}.incomplete`;
  const meta = `${incomplete}.json`;
  await fs.mkdir(path.dirname(target), { recursive: true });
  const progress = (phase: PullProgress['phase'], fileBytes: number, resumedFrom: number, size: number | undefined) =>
    options.onProgress?.({
      name: entry.name,
      file: spec.path,
      fileIndex: job.index,
      fileCount: totals.count,
      fileBytes,
      fileSize: size,
      bytes: totals.bytes,
      totalBytes: totals.totalBytes,
      resumedFrom,
      phase,
    });

  // Verified earlier by a pull that stopped at a later file.
  const done = await fs.stat(target).catch(() => undefined);
  if (done && (spec.size === undefined || done.size === spec.size)) {
    totals.bytes += done.size;
    progress('skip', done.size, done.size, done.size);
    return { path: spec.path, size: done.size, sha256: spec.sha256 ?? (await sha256OfFile(target)), received: 0, resumedFrom: done.size, resumes: 0 };
  }

  const url = `${context.endpoint}/${entry.repo}/resolve/${encodeURIComponent(entry.revision)}/${spec.path.split('/').map(encodeURIComponent).join('/')}`;
  const retries = options.retries ?? 3;
  let received = 0;
  let resumes = 0;
  let firstStart: number | undefined;
  for (let attempt = 0; ; attempt++) {
    let have = await fileSize(incomplete);
    const saved = have > 0 ? ((await fs.readFile(meta, 'utf8').then(JSON.parse, () => undefined)) as { etag?: string } | undefined) : undefined;
    const headers: Record<string, string> = {};
    if (have > 0) {
      headers['range'] = `bytes=${have}-`;
      // The validator of the bytes we hold: a changed file answers 200 with all of it instead of a wrong tail.
      if (saved?.etag) headers['if-range'] = `"${saved.etag}"`;
    }
    const { response, url: finalUrl, linkedEtag, linkedSize } = await hubGet(context, url, headers, spec.path);
    const size = spec.size ?? linkedSize;
    if (response.status === 416 && have > 0) {
      // Nothing left to send: the part is whole (verified below) or longer than the file (start again).
      await response.body?.cancel().catch(() => undefined);
      if (size !== undefined && have !== size) {
        await fs.rm(incomplete, { force: true });
        continue;
      }
      firstStart ??= have;
    } else if (response.status === 200 || response.status === 206) {
      if (response.status === 206) {
        const start = /^bytes (\d+)-/.exec(response.headers.get('content-range') ?? '')?.[1];
        if (Number(start) !== have) {
          await response.body?.cancel().catch(() => undefined);
          throw fail('http', entry.name, `${spec.path}: the server answered a range from byte ${start ?? '?'} to a request from byte ${have}`, {
            file: spec.path,
            url: finalUrl,
          });
        }
      } else {
        have = 0; // no range support, or If-Range did not match: the whole file comes again
      }
      firstStart ??= have;
      const etag = normalizeEtag(response.headers.get('etag'));
      await fs.writeFile(meta, JSON.stringify({ url, etag, linkedEtag }));
      const handle = await fs.open(incomplete, have > 0 ? 'a' : 'w');
      let fileBytes = have;
      totals.bytes += have;
      progress('start', fileBytes, have, size);
      let cut: unknown;
      try {
        if (response.body) {
          for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
            await handle.write(chunk);
            fileBytes += chunk.length;
            received += chunk.length;
            totals.bytes += chunk.length;
            progress('data', fileBytes, have, size);
          }
        }
      } catch (error) {
        cut = error;
      } finally {
        await handle.close();
      }
      if (cut !== undefined) {
        totals.bytes -= fileBytes;
        if (isAbort(cut, context.signal))
          throw fail(
            'aborted',
            entry.name,
            `pull of ${entry.name} aborted at ${spec.path} (${fileBytes} bytes kept; run it again to resume)`,
            { file: spec.path },
            cut,
          );
        if (attempt < retries) {
          resumes++;
          continue;
        }
        throw fail(
          'interrupted',
          entry.name,
          `${spec.path}: the connection was cut at byte ${fileBytes}${size ? ` of ${size}` : ''} (${errorCauseChain(cut).join(': ')}); run the same pull again to resume`,
          { file: spec.path, url: finalUrl, bytes: fileBytes },
          cut,
        );
      }
      totals.bytes -= fileBytes;
    } else {
      await response.body?.cancel().catch(() => undefined);
      throw statusError(context, response.status, spec.path, finalUrl);
    }

    // Verify: the size, then the catalog's SHA-256, else what the hub's ETag promises (LFS: sha256; git: blob sha1).
    const got = await fileSize(incomplete);
    const sha256 = await sha256OfFile(incomplete);
    const expectedEtag = linkedEtag ?? saved?.etag;
    let problem: string | undefined;
    if (size !== undefined && got !== size) problem = `${got} bytes, expected ${size}`;
    else if (spec.sha256 && sha256 !== spec.sha256.toLowerCase()) problem = `SHA-256 ${sha256}, the catalog says ${spec.sha256}`;
    else if (!spec.sha256 && expectedEtag && /^[0-9a-f]{64}$/.test(expectedEtag) && sha256 !== expectedEtag)
      problem = `SHA-256 ${sha256}, the hub's ETag says ${expectedEtag}`;
    else if (!spec.sha256 && expectedEtag && /^[0-9a-f]{40}$/.test(expectedEtag) && (await gitBlobSha1(incomplete, got)) !== expectedEtag)
      problem = `git blob id differs from the hub's ETag ${expectedEtag}`;
    if (problem) {
      await fs.rm(incomplete, { force: true });
      await fs.rm(meta, { force: true });
      throw fail('checksum', entry.name, `${spec.path}: checksum mismatch (${problem}): refused and removed; pull again, or report the catalog entry`, {
        file: spec.path,
        url: finalUrl,
        sha256,
      });
    }
    await fs.rename(incomplete, target);
    await fs.rm(meta, { force: true });
    totals.bytes += got;
    progress('done', got, firstStart ?? 0, got);
    return { path: spec.path, size: got, sha256, received, resumedFrom: firstStart ?? 0, resumes };
  }
}

/**
 * Pulls a catalog model into the cache: each file from `{endpoint}/{repo}/resolve/{revision}/{path}` (HF_ENDPOINT and
 * HF_TOKEN honoured as huggingface_hub does), resumed with a Range request from its `.incomplete` part after a cut
 * connection (in this call up to `retries` times, and across calls), verified against the catalog's size and
 * SHA-256 (or the hub's ETag), then the whole folder is renamed into `<cacheDir>/<name>/` at once, with
 * `t2ir-pull.json` listing what was pulled. A finished pull of the same revision is reused without any request.
 * Throws {@link ModelPullError} (one line; `data.reason` says which failure).
 */
export async function pullModel(name: string, options: PullModelOptions = {}): Promise<PullResult> {
  const env = options.env ?? process.env;
  const entry = findCatalogEntry(name);
  if (!entry) throw fail('unknown-model', name, `'${name}' is not in the model catalog (t2ir models lists it)`);
  if (catalogAvailability(entry) !== 'pullable') {
    const how = entry.export
      ? `no ONNX export of ${entry.repo} is published: run t2ir models export ${name} for the command that makes one`
      : `${entry.repo} is not pulled but served: ${entry.serve ?? 'see its catalog entry'}`;
    throw fail('not-pullable', name, how);
  }
  if (entry.unconfirmed && !options.allowUnconfirmed)
    throw fail(
      'unconfirmed',
      name,
      `the catalog entry '${name}' is unconfirmed (${entry.unconfirmedReason ?? 'repository and files not checked'}): pass --allow-unconfirmed to pull it anyway`,
    );
  const cacheDir = path.resolve(options.cacheDir ?? modelsCacheDir(env));
  const endpoint = (options.endpoint ?? env['HF_ENDPOINT'] ?? DEFAULT_HF_ENDPOINT).replace(/\/+$/, '');
  const token = options.token ?? (env['HF_TOKEN'] || undefined);
  const dir = path.join(cacheDir, name);

  const existing = readPullManifest(name, cacheDir);
  if (!options.force && existing && existing.repo === entry.repo && existing.revision === entry.revision) {
    const present = await Promise.all(existing.files.map(async (file) => (await fileSize(path.join(dir, file.path))) === file.size));
    if (present.every(Boolean) && entry.files.every((spec) => existing.files.some((file) => file.path === spec.path)))
      return {
        name,
        dir,
        repo: entry.repo,
        revision: entry.revision,
        files: existing.files.map((file) => ({ ...file, received: 0, resumedFrom: file.size, resumes: 0 })),
        received: 0,
        cached: true,
        manifest: existing,
      };
  }

  const context: Context = { entry, endpoint, token, fetch: options.fetch ?? globalThis.fetch, signal: options.signal };
  // Files wait in <cacheDir>/.partial/<name>/ until all are verified; the revision is part of the folder so a
  // part of another revision is never resumed into this one.
  const staging = path.join(cacheDir, PARTIAL_DIR, `${name}@${entry.revision}`);
  await fs.mkdir(staging, { recursive: true });
  const release = await lockStaging(staging, name);
  try {
    return await pullInto(context, options, { name, entry, cacheDir, endpoint, dir, staging });
  } finally {
    await release();
  }
}

/** Whether a process id is alive here (signal 0 checks without signalling; EPERM means alive, another user's). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

/**
 * One pull per staging folder: `<staging>.lock` holds the puller's pid (created exclusively). A lock whose process is
 * gone (a killed pull) is taken over; a live one refuses with reason 'busy'.
 */
async function lockStaging(staging: string, name: string): Promise<() => Promise<void>> {
  const lock = `${staging}.lock`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await fs.writeFile(lock, String(process.pid), { flag: 'wx' });
      return () => fs.rm(lock, { force: true });
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') throw error;
      const holder = Number((await fs.readFile(lock, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(holder) && holder > 0 && processAlive(holder))
        throw fail('busy', name, `another pull of ${name} is running (pid ${holder}); wait for it, or remove ${lock} if it is not`, { lock, pid: holder });
      await fs.rm(lock, { force: true });
    }
  }
  throw fail('busy', name, `could not take the pull lock ${lock}`, { lock });
}

interface PullTarget {
  name: string;
  entry: ModelCatalogEntry;
  cacheDir: string;
  endpoint: string;
  dir: string;
  staging: string;
}

async function pullInto(context: Context, options: PullModelOptions, target: PullTarget): Promise<PullResult> {
  const { name, entry, cacheDir, endpoint, dir, staging } = target;
  const sizes = entry.files.map((file) => file.size);
  const totals: Totals = {
    bytes: 0,
    totalBytes: sizes.every((size) => size !== undefined) ? sizes.reduce((sum: number, size) => sum + size!, 0) : undefined,
    count: entry.files.length,
  };
  const files: PulledFile[] = [];
  for (const [index, spec] of entry.files.entries()) files.push(await pullFile(context, options, staging, { spec, index }, totals));

  const manifest: PullManifest = {
    name,
    repo: entry.repo,
    revision: entry.revision,
    endpoint,
    pulledAt: new Date().toISOString(),
    files: files.map(({ path: file, size, sha256 }) => ({ path: file, size, sha256 })),
    expert: entry.expert,
  };
  await fs.writeFile(path.join(staging, PULL_MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  // The finished folder replaces any older pull in two renames; readers see the old or the new one, never a mix.
  const old = path.join(cacheDir, PARTIAL_DIR, `${name}.old-${process.pid}-${Date.now()}`);
  const hadOld = await fs.rename(dir, old).then(
    () => true,
    () => false,
  );
  await fs.rename(staging, dir);
  if (hadOld) await fs.rm(old, { recursive: true, force: true });
  return {
    name,
    dir,
    repo: entry.repo,
    revision: entry.revision,
    files,
    received: files.reduce((sum, file) => sum + file.received, 0),
    cached: false,
    manifest,
  };
}

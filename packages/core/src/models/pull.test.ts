import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resolveModelLocation } from '../config/model-location.js';
import { describeRepoFiles, rejectionOf, startStandInHub, type StandInHub } from '../test/index.js';
import { PULL_MANIFEST_FILE, pulledModelDir } from './cache.js';
import { registerCatalogEntry, type ModelCatalogEntry } from './catalog.js';
import { ModelPullError } from './errors.js';
import { PARTIAL_DIR, pullModel, type PullProgress } from './pull.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The tiny random-weight CLIP of the HPM package: a real model folder in the published layout (~550 KB). */
const fixtureDir = path.resolve(here, '../../../reward-hpm/fixtures/tiny-clip');
const REVISION = 'c0ffee0000000000000000000000000000000001';
const VISION = 'onnx/vision_model.onnx';

let hub: StandInHub;
let files: { path: string; size: number; sha256: string }[];
let cacheDir: string;
const unregister: (() => void)[] = [];

function entry(overrides: Partial<ModelCatalogEntry> = {}): ModelCatalogEntry {
  return {
    name: 'tiny-clip-test',
    description: 'tiny CLIP fixture',
    repo: 't2ir-test/tiny-clip',
    revision: REVISION,
    files,
    expert: { kind: 'hpm', variant: 'clipscore', backend: 'transformers' },
    license: 'Apache-2.0',
    confirmedFrom: ['packages/reward-hpm/fixtures/tiny-clip'],
    ...overrides,
  };
}

function register(overrides: Partial<ModelCatalogEntry> = {}): ModelCatalogEntry {
  const value = entry(overrides);
  unregister.push(registerCatalogEntry(value));
  return value;
}

beforeAll(async () => {
  files = await describeRepoFiles(fixtureDir);
  hub = await startStandInHub({
    't2ir-test/tiny-clip': { dir: fixtureDir, revision: REVISION },
    't2ir-test/gated-clip': { dir: fixtureDir, revision: REVISION, token: 'hf_secret' },
  });
});
afterAll(async () => {
  await hub.close();
});
beforeEach(async () => {
  cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 't2ir-pull-'));
  hub.requests.length = 0;
});
afterEach(async () => {
  for (const undo of unregister.splice(0)) undo();
  await fs.rm(cacheDir, { recursive: true, force: true });
});

describe('pullModel against a stand-in hub', () => {
  it('pulls every file through the resolve layout (LFS files via a 302 to the CDN), verifies and renames the folder into the cache', async () => {
    register();
    const events: PullProgress[] = [];
    const result = await pullModel('tiny-clip-test', { cacheDir, endpoint: hub.endpoint, onProgress: (event) => events.push(event) });
    expect(result.cached).toBe(false);
    expect(result.dir).toBe(path.join(cacheDir, 'tiny-clip-test'));
    for (const file of files) expect(await fs.readFile(path.join(result.dir, file.path))).toEqual(await fs.readFile(path.join(fixtureDir, file.path)));
    expect(result.received).toBe(files.reduce((sum, file) => sum + file.size, 0));
    // Each file came from /{repo}/resolve/{revision}/{file}; the .onnx ones through the CDN redirect.
    const resolved = hub.requests.filter((request) => request.path.includes('/resolve/'));
    expect(resolved.map((request) => request.path).sort()).toEqual(files.map((file) => `/t2ir-test/tiny-clip/resolve/${REVISION}/${file.path}`).sort());
    expect(resolved.find((request) => request.path.endsWith(VISION))?.status).toBe(302);
    expect(hub.requests.some((request) => request.path.startsWith('/cdn/') && request.path.endsWith(VISION) && request.status === 200)).toBe(true);
    // The manifest lists each file's digest; no staging folder is left behind.
    const manifest = JSON.parse(await fs.readFile(path.join(result.dir, PULL_MANIFEST_FILE), 'utf8')) as { files: unknown[]; revision: string };
    expect(manifest.revision).toBe(REVISION);
    expect(manifest.files).toEqual(files);
    expect(await fs.readdir(path.join(cacheDir, PARTIAL_DIR))).toEqual([]);
    // Progress: one 'done' per file, byte counts rising to the total.
    expect(events.filter((event) => event.phase === 'done').map((event) => event.file)).toEqual(files.map((file) => file.path));
    expect(events.at(-1)).toMatchObject({ bytes: result.received, totalBytes: result.received });
  });

  it('a second pull of the same revision sends no request', async () => {
    register();
    await pullModel('tiny-clip-test', { cacheDir, endpoint: hub.endpoint });
    hub.requests.length = 0;
    const again = await pullModel('tiny-clip-test', { cacheDir, endpoint: hub.endpoint });
    expect(again.cached).toBe(true);
    expect(hub.requests).toEqual([]);
  });

  it('resumes a cut connection with a Range request: the bytes already received are not sent again', async () => {
    register();
    const size = files.find((file) => file.path === VISION)!.size;
    hub.cutNext(VISION, 20_000);
    const before = hub.bytesSentFor(VISION);
    const result = await pullModel('tiny-clip-test', { cacheDir, endpoint: hub.endpoint });
    const cdn = hub.requests.filter((request) => request.path.startsWith('/cdn/') && request.path.endsWith(VISION));
    expect(cdn.map((request) => [request.range, request.status, request.bytesSent])).toEqual([
      [undefined, 200, 20_000],
      ['bytes=20000-', 206, size - 20_000],
    ]);
    // If-Range carries the validator of the kept part.
    expect(cdn[1]!.ifRange).toMatch(/^"[0-9a-f]{64}"$/);
    expect(hub.bytesSentFor(VISION) - before).toBe(size);
    expect(result.files.find((file) => file.path === VISION)).toMatchObject({ size, resumedFrom: 0, received: size, resumes: 1 });
    expect(await fs.readFile(path.join(result.dir, VISION))).toEqual(await fs.readFile(path.join(fixtureDir, VISION)));
  });

  it('with no retries left, a cut ends the pull (resumable), and the next pull resumes from the .incomplete file', async () => {
    register();
    const size = files.find((file) => file.path === VISION)!.size;
    hub.cutNext(VISION, 30_000);
    const error = await rejectionOf(pullModel('tiny-clip-test', { cacheDir, endpoint: hub.endpoint, retries: 0 }));
    expect(ModelPullError.isInstance(error) && error.reason).toBe('interrupted');
    expect(error.message).toMatch(/^onnx\/vision_model\.onnx: the connection was cut at byte 30000 of \d+ .*run the same pull again to resume$/);
    expect(error.message.split('\n')).toHaveLength(1);
    expect(pulledModelDir('tiny-clip-test', cacheDir)).toBeUndefined();
    const staged = path.join(cacheDir, PARTIAL_DIR, `tiny-clip-test@${REVISION}`);
    expect((await fs.stat(path.join(staged, `${VISION}.incomplete`))).size).toBe(30_000);

    hub.requests.length = 0;
    const events: PullProgress[] = [];
    const result = await pullModel('tiny-clip-test', { cacheDir, endpoint: hub.endpoint, onProgress: (event) => events.push(event) });
    const cdn = hub.requests.filter((request) => request.path.startsWith('/cdn/') && request.path.endsWith(VISION));
    expect(cdn.map((request) => [request.range, request.bytesSent])).toEqual([['bytes=30000-', size - 30_000]]);
    expect(result.files.find((file) => file.path === VISION)).toMatchObject({ resumedFrom: 30_000, received: size - 30_000 });
    expect(events.find((event) => event.file === VISION && event.phase === 'start')?.resumedFrom).toBe(30_000);
    // Files verified before the cut were kept in the staging folder and not fetched again.
    const refetched = hub.requests.filter((request) => request.path.includes('/resolve/')).map((request) => request.path.split(`${REVISION}/`)[1]);
    expect(refetched).not.toContain('config.json');
    expect(await fs.readFile(path.join(result.dir, VISION))).toEqual(await fs.readFile(path.join(fixtureDir, VISION)));
  });

  it('an abort keeps the part received so far (resumable) and ends with reason aborted', async () => {
    register();
    const controller = new AbortController();
    const size = files.find((file) => file.path === VISION)!.size;
    // The vision file arrives as 1000 bytes, then the body waits until the abort errors it.
    const slowFetch: typeof fetch = async (input, init) => {
      if (!String(input).includes('/cdn/') || !String(input).endsWith(VISION)) return fetch(input, init);
      const body = new ReadableStream<Uint8Array>({
        start(stream) {
          stream.enqueue(new Uint8Array(1000).fill(1));
          init!.signal!.addEventListener('abort', () => stream.error(new DOMException('aborted', 'AbortError')));
        },
      });
      return new Response(body, { status: 200, headers: { 'content-length': String(size), etag: '"x"' } });
    };
    const error = await rejectionOf(
      pullModel('tiny-clip-test', {
        cacheDir,
        endpoint: hub.endpoint,
        fetch: slowFetch,
        signal: controller.signal,
        onProgress: (event) => {
          if (event.file === VISION && event.phase === 'data') controller.abort();
        },
      }),
    );
    expect(ModelPullError.isInstance(error) && error.reason).toBe('aborted');
    expect(error.message).toMatch(/aborted at onnx\/vision_model\.onnx \(1000 bytes kept; run it again to resume\)$/);
    const staged = path.join(cacheDir, PARTIAL_DIR, `tiny-clip-test@${REVISION}`);
    expect((await fs.stat(path.join(staged, `${VISION}.incomplete`))).size).toBe(1000);
  });

  it('one pull per model at a time: a live lock holder refuses (busy), a dead one is taken over', async () => {
    register();
    const lock = path.join(cacheDir, PARTIAL_DIR, `tiny-clip-test@${REVISION}.lock`);
    await fs.mkdir(path.dirname(lock), { recursive: true });
    await fs.writeFile(lock, String(process.pid));
    const error = await rejectionOf(pullModel('tiny-clip-test', { cacheDir, endpoint: hub.endpoint }));
    expect(ModelPullError.isInstance(error) && error.reason).toBe('busy');
    expect(error.message).toBe(`another pull of tiny-clip-test is running (pid ${process.pid}); wait for it, or remove ${lock} if it is not`);
    expect(hub.requests).toEqual([]);
    // A pid no process has (Linux pids stay below 2^22): a killed pull's lock.
    await fs.writeFile(lock, '999999999');
    expect((await pullModel('tiny-clip-test', { cacheDir, endpoint: hub.endpoint })).files).toHaveLength(files.length);
    await expect(fs.access(lock)).rejects.toThrow();
  });

  it('a part whose validator changed is fetched whole (If-Range), never spliced', async () => {
    register();
    const staged = path.join(cacheDir, PARTIAL_DIR, `tiny-clip-test@${REVISION}`, 'onnx');
    await fs.mkdir(staged, { recursive: true });
    await fs.writeFile(path.join(staged, 'vision_model.onnx.incomplete'), Buffer.alloc(1000, 7));
    await fs.writeFile(path.join(staged, 'vision_model.onnx.incomplete.json'), JSON.stringify({ etag: 'stale' }));
    const result = await pullModel('tiny-clip-test', { cacheDir, endpoint: hub.endpoint });
    const cdn = hub.requests.find((request) => request.path.startsWith('/cdn/') && request.path.endsWith(VISION))!;
    expect([cdn.range, cdn.ifRange, cdn.status]).toEqual(['bytes=1000-', '"stale"', 200]);
    expect(await fs.readFile(path.join(result.dir, VISION))).toEqual(await fs.readFile(path.join(fixtureDir, VISION)));
  });

  it('refuses bytes whose SHA-256 differs from the catalog, removes them, and keeps nothing in the cache', async () => {
    const wrong = files.map((file) => (file.path === VISION ? { ...file, sha256: '0'.repeat(64) } : file));
    register({ files: wrong });
    const error = await rejectionOf(pullModel('tiny-clip-test', { cacheDir, endpoint: hub.endpoint }));
    expect(ModelPullError.isInstance(error) && error.reason).toBe('checksum');
    expect(error.message).toMatch(/^onnx\/vision_model\.onnx: checksum mismatch \(SHA-256 [0-9a-f]{64}, the catalog says 0{64}\): refused and removed/);
    const staged = path.join(cacheDir, PARTIAL_DIR, `tiny-clip-test@${REVISION}`, 'onnx');
    expect((await fs.readdir(staged)).filter((name) => name.startsWith('vision_model.onnx'))).toEqual([]);
    expect(pulledModelDir('tiny-clip-test', cacheDir)).toBeUndefined();
  });

  it('without a catalog digest, checks the hub ETag: a corrupt LFS object (X-Linked-Etag) and a corrupt git file (blob id) are refused', async () => {
    register({ files: files.map(({ path: file }) => ({ path: file })) });
    // Hubs of their own: a corrupt file stays corrupt for a hub's lifetime.
    for (const [file, pattern] of [
      ['config.json', /^config\.json: checksum mismatch \(git blob id differs from the hub's ETag [0-9a-f]{40}\)/],
      [VISION, /^onnx\/vision_model\.onnx: checksum mismatch \(SHA-256 [0-9a-f]{64}, the hub's ETag says [0-9a-f]{64}\)/],
    ] as const) {
      const corrupt = await startStandInHub({ 't2ir-test/tiny-clip': { dir: fixtureDir, revision: REVISION } });
      corrupt.corrupt(file);
      try {
        const error = await rejectionOf(pullModel('tiny-clip-test', { cacheDir, endpoint: corrupt.endpoint }));
        expect(ModelPullError.isInstance(error) && error.reason).toBe('checksum');
        expect(error.message).toMatch(pattern);
      } finally {
        await corrupt.close();
      }
    }
    // With the good bytes, the same entry pulls (the hub's digests are what it checks).
    expect((await pullModel('tiny-clip-test', { cacheDir, endpoint: hub.endpoint })).files).toHaveLength(files.length);
  });

  it('404: one clear line naming the repository, revision and file', async () => {
    register({ files: [...files, { path: 'onnx/missing.onnx' }] });
    const error = await rejectionOf(pullModel('tiny-clip-test', { cacheDir, endpoint: hub.endpoint }));
    expect(ModelPullError.isInstance(error) && error.reason).toBe('not-found');
    expect(error.message).toBe(
      `t2ir-test/tiny-clip@c0ffee000000/onnx/missing.onnx: not found at ${hub.endpoint} (HTTP 404): the repository, revision or file is gone`,
    );
  });

  it('401 on a gated repository says to set HF_TOKEN; the token from HF_TOKEN is sent as a Bearer header and pulls it', async () => {
    register({ name: 'gated-test', repo: 't2ir-test/gated-clip' });
    const error = await rejectionOf(pullModel('gated-test', { cacheDir, endpoint: hub.endpoint, env: {} }));
    expect(ModelPullError.isInstance(error) && error.reason).toBe('unauthorized');
    expect(error.message).toMatch(/HTTP 401\): the repository is gated or private; accept its terms on the hub and set HF_TOKEN$/);
    const wrong = await rejectionOf(pullModel('gated-test', { cacheDir, endpoint: hub.endpoint, env: { HF_TOKEN: 'hf_wrong' } }));
    expect(wrong.message).toMatch(/the hub refused the token in HF_TOKEN \(HTTP 401\)/);
    hub.requests.length = 0;
    const result = await pullModel('gated-test', { cacheDir, env: { HF_TOKEN: 'hf_secret', HF_ENDPOINT: hub.endpoint } });
    expect(result.files).toHaveLength(files.length);
    // The token goes to the hub's origin; the CDN route is the same origin here, so it is sent there too.
    expect(hub.requests.filter((request) => request.path.includes('/resolve/')).every((request) => request.authorization === 'Bearer hf_secret')).toBe(true);
  });

  it('the token never follows a redirect to another origin', async () => {
    register();
    const seen: { url: string; authorization: string | undefined }[] = [];
    const other = 'http://cdn.invalid';
    const fakeFetch: typeof fetch = async (input, init) => {
      const url = String(input);
      seen.push({ url, authorization: (init?.headers as Record<string, string>)['authorization'] });
      if (url.startsWith(other)) return fetch(url.replace(other, hub.endpoint), init);
      const response = await fetch(url, init);
      if (response.status !== 302) return response;
      return new Response(null, {
        status: 302,
        headers: { location: `${other}${response.headers.get('location')}`, 'x-linked-etag': response.headers.get('x-linked-etag')! },
      });
    };
    await pullModel('tiny-clip-test', { cacheDir, endpoint: hub.endpoint, token: 'hf_secret', fetch: fakeFetch });
    expect(seen.filter((request) => request.url.startsWith(other)).length).toBeGreaterThan(0);
    for (const request of seen) expect(request.authorization).toBe(request.url.startsWith(other) ? undefined : 'Bearer hf_secret');
  });

  it('offline (nothing listens): one line that says so', async () => {
    register();
    const closed = await startStandInHub({});
    const endpoint = closed.endpoint;
    await closed.close();
    const error = await rejectionOf(pullModel('tiny-clip-test', { cacheDir, endpoint }));
    expect(ModelPullError.isInstance(error) && error.reason).toBe('offline');
    expect(error.message).toMatch(new RegExp(`^cannot reach ${endpoint.replace(/\./g, '\\.')} \\(.*ECONNREFUSED.*\\): offline\\? Set HF_ENDPOINT`));
    expect(error.message.split('\n')).toHaveLength(1);
  });

  it('unknown names, export-only and unconfirmed entries are refused before any request', async () => {
    expect((await rejectionOf(pullModel('no-such-model', { cacheDir, endpoint: hub.endpoint }))).message).toBe(
      "'no-such-model' is not in the model catalog (t2ir models lists it)",
    );
    register({ name: 'export-only', files: [], export: { script: 'packages/x.py', requirements: ['torch'], command: 'python x.py --out {out}' } });
    expect((await rejectionOf(pullModel('export-only', { cacheDir, endpoint: hub.endpoint }))).message).toMatch(/run t2ir models export export-only/);
    register({ name: 'unsure', unconfirmed: true, unconfirmedReason: 'revision not seen' });
    expect((await rejectionOf(pullModel('unsure', { cacheDir, endpoint: hub.endpoint }))).message).toMatch(
      /unconfirmed \(revision not seen\): pass --allow-unconfirmed/,
    );
    expect(hub.requests).toEqual([]);
    expect((await pullModel('unsure', { cacheDir, endpoint: hub.endpoint, allowUnconfirmed: true })).files).toHaveLength(files.length);
  });

  it('resolveModelLocation maps a pulled catalog name to its folder ($T2IR_CACHE/models/<name>)', async () => {
    register();
    const saved = process.env['T2IR_CACHE'];
    process.env['T2IR_CACHE'] = cacheDir;
    try {
      expect(resolveModelLocation('tiny-clip-test')).toEqual({ location: 'tiny-clip-test', local: false });
      await pullModel('tiny-clip-test', { endpoint: hub.endpoint });
      expect(resolveModelLocation('tiny-clip-test')).toEqual({ location: path.join(cacheDir, 'models', 'tiny-clip-test'), local: true });
    } finally {
      if (saved === undefined) delete process.env['T2IR_CACHE'];
      else process.env['T2IR_CACHE'] = saved;
    }
  });
});

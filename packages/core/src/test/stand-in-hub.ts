import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/** One repository the stand-in hub serves: a local folder at one revision. */
export interface StandInRepo {
  /** The folder whose files are the repository's files (paths relative to it, `/`-separated). */
  dir: string;
  /** The only revision served (a 40-hex commit sha); other revisions are 404. */
  revision: string;
  /** Files kept in Git LFS: answered with a 302 to the CDN route and `X-Linked-Etag` = SHA-256. Default: `*.onnx`, `*.onnx_data`. */
  lfs?: (file: string) => boolean;
  /** Gated: only `Authorization: Bearer <token>` is served; anything else is 401. */
  token?: string;
}

/** What the hub saw of one request. */
export interface StandInRequest {
  method: string;
  path: string;
  range: string | undefined;
  ifRange: string | undefined;
  authorization: string | undefined;
  status: number;
  /** Body bytes written for this request. */
  bytesSent: number;
}

export interface StandInHub {
  /** `http://127.0.0.1:<port>`: give it as the endpoint (HF_ENDPOINT). */
  endpoint: string;
  requests: StandInRequest[];
  /** The next transfer of `file` (repository path) stops after `bytes` body bytes and the socket is destroyed. */
  cutNext(file: string, bytes: number, times?: number): void;
  /** `file` is served with its first byte flipped from now on (a corrupt copy: its size is right, its digest wrong). */
  corrupt(file: string): void;
  /** Body bytes sent for `file` (CDN and direct routes) across all requests so far. */
  bytesSentFor(file: string): number;
  close(): Promise<void>;
}

/** Git's blob id of some bytes: the ETag the hub sends for files kept in git. */
export function gitBlobId(bytes: Uint8Array): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const entries = await fs.readdir(path.join(dir, prefix), { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => (entry.isDirectory() ? listFiles(dir, path.posix.join(prefix, entry.name)) : [path.posix.join(prefix, entry.name)])),
  );
  return nested.flat();
}

/** A repository folder's files with their sizes and SHA-256 digests (what a catalog entry lists). */
export async function describeRepoFiles(dir: string): Promise<{ path: string; size: number; sha256: string }[]> {
  const files = (await listFiles(dir)).sort();
  return Promise.all(
    files.map(async (file) => {
      const bytes = await fs.readFile(path.join(dir, file));
      return { path: file, size: bytes.length, sha256: sha256Hex(bytes) };
    }),
  );
}

/**
 * A stand-in for the Hugging Face hub on loopback, in its URL layout: `GET /{owner}/{repo}/resolve/{revision}/{file}`.
 * Git files are answered directly with `ETag: "<git blob id>"`; LFS files with a 302 to `/cdn/<sha256>/<file>`,
 * `X-Linked-Etag: "<sha256>"`, `X-Linked-Size` and `X-Repo-Commit`, as the hub does. Both routes honour
 * `Range: bytes=N-` (206 + Content-Range; 416 past the end) and `If-Range` (a stale validator gets the whole file).
 * Gated repositories answer 401 without the right Bearer token; unknown repositories, revisions or files 404.
 */
export async function startStandInHub(repos: Record<string, StandInRepo>): Promise<StandInHub> {
  const requests: StandInRequest[] = [];
  const cuts = new Map<string, { bytes: number; times: number }>();
  const corrupted = new Set<string>();
  const sent = new Map<string, number>();
  const isLfs = (repo: StandInRepo, file: string) => (repo.lfs ?? ((name: string) => /\.onnx(_data)?$/.test(name)))(file);

  async function readRepoFile(repo: StandInRepo, file: string): Promise<Buffer | undefined> {
    const full = path.resolve(repo.dir, ...file.split('/'));
    if (!full.startsWith(path.resolve(repo.dir) + path.sep)) return undefined;
    const bytes = await fs.readFile(full).catch(() => undefined);
    if (bytes && corrupted.has(file)) {
      const copy = Buffer.from(bytes);
      copy[0] = copy[0]! ^ 0xff;
      return copy;
    }
    return bytes;
  }

  function sendBytes(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    record: StandInRequest,
    file: string,
    bytes: Buffer,
    etag: string,
    extra: Record<string, string>,
  ) {
    const quoted = `"${etag}"`;
    let start = 0;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const ifRange = req.headers['if-range'];
    const useRange = range !== null && (ifRange === undefined || ifRange === quoted);
    if (useRange) start = Number(range[1]);
    if (useRange && start >= bytes.length) {
      record.status = 416;
      res.writeHead(416, { 'content-range': `bytes */${bytes.length}`, etag: quoted, ...extra });
      res.end();
      return;
    }
    const body = bytes.subarray(start);
    record.status = useRange ? 206 : 200;
    res.writeHead(record.status, {
      'content-type': 'application/octet-stream',
      'content-length': String(body.length),
      'accept-ranges': 'bytes',
      etag: quoted,
      ...(useRange ? { 'content-range': `bytes ${start}-${bytes.length - 1}/${bytes.length}` } : {}),
      ...extra,
    });
    const cut = cuts.get(file);
    if (cut && cut.times > 0) {
      cut.times--;
      const part = body.subarray(0, Math.min(cut.bytes, body.length));
      record.bytesSent = part.length;
      sent.set(file, (sent.get(file) ?? 0) + part.length);
      // Flush what is sent, then drop the connection mid-body (Content-Length promised more).
      res.write(part, () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    record.bytesSent = body.length;
    sent.set(file, (sent.get(file) ?? 0) + body.length);
    res.end(body);
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const record: StandInRequest = {
      method: req.method ?? 'GET',
      path: decodeURIComponent(url.pathname),
      range: req.headers.range,
      ifRange: req.headers['if-range'] as string | undefined,
      authorization: req.headers.authorization,
      status: 0,
      bytesSent: 0,
    };
    requests.push(record);
    const respond = async () => {
      const cdn = /^\/cdn\/([^/]+)\/([^/]+\/[^/]+)\/(.+)$/.exec(url.pathname);
      if (cdn) {
        const [, digest, repoName, file] = cdn.map((part) => decodeURIComponent(part ?? ''));
        const repo = repos[repoName!];
        const bytes = repo ? await readRepoFile(repo, file!) : undefined;
        if (!repo || !bytes) {
          record.status = 404;
          res.writeHead(404).end();
          return;
        }
        // The CDN serves the object the digest names; a corrupt copy keeps the published digest.
        sendBytes(req, res, record, file!, bytes, digest!, {});
        return;
      }
      const match = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
      const repoName = match ? decodeURIComponent(match[1]!) : undefined;
      const repo = repoName ? repos[repoName] : undefined;
      if (!match || !repo) {
        record.status = 404;
        res.writeHead(404, { 'x-error-code': 'RepoNotFound' }).end('Repository not found');
        return;
      }
      if (repo.token !== undefined && req.headers.authorization !== `Bearer ${repo.token}`) {
        record.status = 401;
        res.writeHead(401, { 'x-error-code': 'GatedRepo' }).end('Access to this model is restricted');
        return;
      }
      const revision = decodeURIComponent(match[2]!);
      const file = match[3]!.split('/').map(decodeURIComponent).join('/');
      const bytes = revision === repo.revision ? await readRepoFile(repo, file) : undefined;
      if (!bytes) {
        record.status = 404;
        res.writeHead(404, { 'x-error-code': 'EntryNotFound' }).end('Entry not found');
        return;
      }
      const commit = { 'x-repo-commit': repo.revision };
      // Digests are of the published bytes: a corrupt copy keeps them.
      const original = corrupted.has(file) ? await fs.readFile(path.resolve(repo.dir, ...file.split('/'))) : bytes;
      if (isLfs(repo, file)) {
        const digest = sha256Hex(original);
        record.status = 302;
        res
          .writeHead(302, {
            location: `/cdn/${digest}/${repoName}/${file}`,
            'x-linked-etag': `"${digest}"`,
            'x-linked-size': String(bytes.length),
            etag: `"${gitBlobId(Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${digest}\nsize ${bytes.length}\n`))}"`,
            ...commit,
          })
          .end();
        return;
      }
      sendBytes(req, res, record, file, bytes, gitBlobId(original), commit);
    };
    respond().catch((error: unknown) => {
      record.status = 500;
      if (!res.headersSent) res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    cutNext(file, bytes, times = 1) {
      cuts.set(file, { bytes, times });
    },
    corrupt(file) {
      corrupted.add(file);
    },
    bytesSentFor(file) {
      return sent.get(file) ?? 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

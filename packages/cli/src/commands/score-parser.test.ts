import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { promises as fs } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { encodeImage } from '@t2i-reward/core';
import { createTestImage } from '@t2i-reward/core/test';
import { runCliCaptured } from './__fixtures__/run-cli.js';

// t2ir score --parser openai against a stand-in OpenAI-compatible server on loopback: a probe expert reports the
// object names of the spec it was given, so the output shows where the spec came from.
let dir: string;
let png: string;
let server: Server;
let baseURL: string;
let requests = 0;

/** The probe, a plugin module the config names (`plugins`): each item's spec object names and source. */
const PROBE_MODULE = `export const expertPlugin = {
  kind: 'specprobe',
  backends: ['mock'],
  create: () => ({ specificationVersion: 'v1', kind: 'specprobe', modelId: 'specprobe', version: '1',
    doScore: async (samples) => samples.map((sample) => ({ score: 1, raw: 1, warnings: [],
      details: { names: sample.spec?.objects.map((o) => o.name) ?? [], source: sample.spec?.source } })),
    dispose: async () => {} }),
};
`;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 't2ir-parser-'));
  png = path.join(dir, 'grey.png');
  await fs.writeFile(png, await encodeImage(createTestImage(8, 8, [90, 90, 90]), 'png'));
  await fs.writeFile(path.join(dir, 'probe.mjs'), PROBE_MODULE);
  await fs.writeFile(path.join(dir, 'probe.json'), JSON.stringify({ plugins: ['./probe.mjs'], experts: [{ kind: 'specprobe' }] }));
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      requests++;
      const body = JSON.parse(raw) as { model: string; response_format?: { type?: string } };
      res.writeHead(body.model === 'broken' ? 503 : 200, { 'content-type': 'application/json' });
      const spec = { objects: [{ name: 'rider' }, { name: 'horse' }], relations: [], text: [] };
      res.end(
        body.model === 'broken' || body.response_format?.type !== 'json_schema'
          ? '{"error": "unavailable"}'
          : JSON.stringify({ choices: [{ message: { role: 'assistant', content: JSON.stringify(spec) } }] }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await fs.rm(dir, { recursive: true, force: true });
});

const cli = runCliCaptured;

describe('t2ir score --parser', () => {
  it('asks the server for the spec, caches it on disk, and falls back to the rule parser with a warning', async () => {
    vi.stubEnv('T2IR_CACHE', path.join(dir, 'cache'));
    try {
      const args = [
        'score',
        '-c',
        path.join(dir, 'probe.json'),
        '-i',
        png,
        '-p',
        'a man riding a horse',
        '--json',
        '--parser',
        'openai',
        '--parser-url',
        baseURL,
      ];
      const first = await cli(...args, '--parser-model', 'good');
      expect(first.code).toBe(0);
      const [result] = JSON.parse(first.stdout).results;
      expect(result.experts.specprobe.details).toEqual({ names: ['rider', 'horse'], source: 'llm' });
      expect(result.warnings).toEqual([]);
      expect(requests).toBe(1);

      // Second run: the spec comes from the disk cache under $T2IR_CACHE/specs, the server is not asked.
      const second = await cli(...args, '--parser-model', 'good');
      expect(JSON.parse(second.stdout).results[0].experts.specprobe.details.names).toEqual(['rider', 'horse']);
      expect(requests).toBe(1);
      expect((await fs.readdir(path.join(dir, 'cache', 'specs'))).length).toBeGreaterThan(0);

      const broken = await cli(...args, '--parser-model', 'broken');
      expect(broken.code).toBe(0);
      const [fallback] = JSON.parse(broken.stdout).results;
      expect(fallback.experts.specprobe.details).toEqual({ names: ['man', 'horse'], source: 'parser' });
      expect(fallback.warnings.join(' ')).toMatch(/LLM spec parser \(broken at .*\) failed: HTTP 503.*rule parser's spec was used/);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('--parser rule (or none) uses the rule parser; --parser openai without a URL or model is a usage error', async () => {
    const rule = await cli('score', '-c', path.join(dir, 'probe.json'), '-i', png, '-p', 'a man riding a horse', '--json', '--parser', 'rule');
    expect(JSON.parse(rule.stdout).results[0].experts.specprobe.details.names).toEqual(['man', 'horse']);
    vi.stubEnv('T2IR_PARSER_URL', '');
    vi.stubEnv('T2IR_PARSER_MODEL', '');
    try {
      const missing = await cli('score', '-c', path.join(dir, 'probe.json'), '-i', png, '-p', 'x', '--parser', 'openai', '--parser-url', baseURL);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('--parser openai needs --parser-model');
      const stray = await cli('score', '-c', path.join(dir, 'probe.json'), '-i', png, '-p', 'x', '--parser-model', 'good');
      expect(stray.code).toBe(2);
      expect(stray.stderr).toContain('need --parser openai');
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

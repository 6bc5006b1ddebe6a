/**
 * `t2ir models pull` against a stand-in hub on loopback serving the HPM package's tiny CLIP fixture in the hub's
 * URL layout, then `t2ir score --expert hpm --model <name>` on the pulled folder, all in-process through runCli.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { catalogAvailability, encodeImage, MODEL_CATALOG, prepareExpertEntry, registerCatalogEntry, type ModelCatalogEntry } from '@t2i-reward/core';
import { cliRegistry } from './registry.js';
import { createTestImage, describeRepoFiles, startStandInHub, type StandInHub } from '@t2i-reward/core/test';
import { buildClipTokenizerJson } from '@t2i-reward/hpm';
import { catalogExpertConfig } from './catalog-model.js';
import { runCliCaptured } from './__fixtures__/run-cli.js';

const hpmFixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../reward-hpm/fixtures');
const REVISION = 'feedface00000000000000000000000000000002';
const VISION = 'onnx/vision_model.onnx';

let work: string;
let repoDir: string;
let hub: StandInHub;
let entry: ModelCatalogEntry;
let image: string;
const saved = { T2IR_CACHE: process.env['T2IR_CACHE'], HF_ENDPOINT: process.env['HF_ENDPOINT'], HF_TOKEN: process.env['HF_TOKEN'] };
const unregister: (() => void)[] = [];

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 't2ir-models-pull-'));
  // The repository: the tiny random-weight CLIP with the real CLIP tokenizer.json (built from the committed BPE file).
  repoDir = path.join(work, 'repo');
  await fs.cp(path.join(hpmFixtures, 'tiny-clip'), repoDir, { recursive: true });
  await fs.rm(path.join(repoDir, 'reference.json'));
  await fs.writeFile(
    path.join(repoDir, 'tokenizer.json'),
    JSON.stringify(buildClipTokenizerJson(await fs.readFile(path.join(hpmFixtures, 'clip-bpe', 'bpe_simple_vocab_16e6.txt.gz')))),
  );
  hub = await startStandInHub({
    't2ir-test/tiny-clip': { dir: repoDir, revision: REVISION },
    't2ir-test/gated-clip': { dir: repoDir, revision: REVISION, token: 'hf_good' },
  });
  entry = {
    name: 'tiny-clip-cli',
    description: 'tiny random-weight CLIP (test fixture)',
    repo: 't2ir-test/tiny-clip',
    revision: REVISION,
    files: await describeRepoFiles(repoDir),
    expert: { kind: 'hpm', variant: 'clipscore', backend: 'transformers' },
    license: 'Apache-2.0',
    confirmedFrom: ['packages/reward-hpm/fixtures/tiny-clip'],
  };
  image = path.join(work, 'red.png');
  await fs.writeFile(image, await encodeImage(createTestImage(32, 32, [200, 30, 30]), 'png'));
  process.env['HF_ENDPOINT'] = hub.endpoint;
  delete process.env['HF_TOKEN'];
});
afterAll(async () => {
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  await hub.close();
  await fs.rm(work, { recursive: true, force: true });
});
afterEach(() => {
  for (const undo of unregister.splice(0)) undo();
  vi.restoreAllMocks();
});

async function freshCache(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(work, 'cache-'));
  process.env['T2IR_CACHE'] = dir;
  return dir;
}

function register(overrides: Partial<ModelCatalogEntry> = {}): void {
  unregister.push(registerCatalogEntry({ ...entry, ...overrides }));
}

const cli = runCliCaptured;

describe('t2ir models pull', () => {
  it('pulls with progress, resumes a cut transfer without re-sending bytes, then scores with --model and no config', async () => {
    const cache = await freshCache();
    register();
    const size = entry.files.find((file) => file.path === VISION)!.size;
    hub.cutNext(VISION, 40_000);
    const before = hub.bytesSentFor(VISION);
    const cut = await cli('models', 'pull', 'tiny-clip-cli', '--retries', '0');
    expect(cut.code).toBe(1);
    expect(cut.stderr.trim().split('\n').at(-1)).toMatch(
      /^t2ir models pull: onnx\/vision_model\.onnx: the connection was cut at byte 40000 of \d+ \(.*\); run the same pull again to resume$/,
    );

    const resumed = await cli('models', 'pull', 'tiny-clip-cli');
    expect(resumed.code).toBe(0);
    // Progress, one line per file (stderr is not a terminal here); the cut file resumed where it stopped.
    expect(resumed.stderr).toContain('onnx/vision_model.onnx  resuming at byte 40000\n');
    expect(resumed.stderr).toContain('onnx/vision_model.onnx  66.0 KB\n');
    expect(resumed.stderr).toMatch(/config\.json {2}879 B \(kept from an earlier try\)/);
    expect(hub.bytesSentFor(VISION) - before).toBe(size);
    expect(resumed.stdout).toMatch(/^pulled tiny-clip-cli \(t2ir-test\/tiny-clip@feedface0000\) into .*: \d+ files, .* received, checksums verified$/m);
    expect(resumed.stdout).toContain('score with: t2ir score --expert hpm --model tiny-clip-cli');
    const dir = path.join(cache, 'models', 'tiny-clip-cli');
    expect(await fs.readFile(path.join(dir, VISION))).toEqual(await fs.readFile(path.join(repoDir, VISION)));

    // Pulled again: nothing fetched.
    hub.requests.length = 0;
    const again = await cli('models', 'pull', 'tiny-clip-cli');
    expect([again.code, hub.requests.length]).toEqual([0, 0]);
    expect(again.stdout).toMatch(/^tiny-clip-cli is already pulled/);

    // `t2ir models` says it is ready offline now.
    const listed = await cli('models', '--json');
    const hpm = (JSON.parse(listed.stdout) as { kind: string; models: { name: string; status: string; dir?: string }[] }[]).find(
      (info) => info.kind === 'hpm',
    )!;
    expect(hpm.models.find((model) => model.name === 'tiny-clip-cli')).toMatchObject({ status: 'ready', dir });

    // Scores with the pulled folder: the catalog name is resolved by core's resolveModelLocation, no config.
    const scored = await cli('score', '--expert', 'hpm', '--model', 'tiny-clip-cli', '--image', image, '--prompt', 'a red square', '--json');
    expect(scored.stderr).toBe('');
    expect(scored.code).toBe(0);
    const output = JSON.parse(scored.stdout) as {
      results: { reward: number; experts: Record<string, { score: number }> }[];
      ensemble: { experts: { kind: string; modelId: string; fixture?: boolean }[] };
    };
    expect(output.ensemble.experts).toEqual([expect.objectContaining({ kind: 'hpm', modelId: expect.stringContaining(dir), fixture: true })]);
    expect(output.results[0]!.experts['hpm']!.score).toBeGreaterThanOrEqual(0);
    expect(output.results[0]!.reward).toBe(output.results[0]!.experts['hpm']!.score);

    // A config file names the pulled model the same way: backend.model is the catalog name.
    const config = path.join(work, 'pulled-config.json');
    await fs.writeFile(
      config,
      JSON.stringify({ experts: [{ kind: 'hpm', backend: { type: 'transformers', model: 'tiny-clip-cli' }, options: { variant: 'clipscore' } }] }),
    );
    const fromConfig = await cli('score', '--config', config, '--image', image, '--prompt', 'a red square', '--json');
    expect(fromConfig.code).toBe(0);
    const configured = JSON.parse(fromConfig.stdout) as typeof output;
    expect(configured.ensemble.experts[0]!.modelId).toBe(output.ensemble.experts[0]!.modelId);
    expect(configured.results[0]!.reward).toBe(output.results[0]!.reward);
  }, 60_000);

  it('on a terminal, progress is a bar over all bytes', async () => {
    await freshCache();
    register();
    const wasTTY = process.stderr.isTTY;
    process.stderr.isTTY = true;
    try {
      const result = await cli('models', 'pull', 'tiny-clip-cli');
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/pulling tiny-clip-cli \[[\u2591\u2588]+\] \d+% [\d.]+ (B|KB|MB)\/1\.9 MB /);
    } finally {
      process.stderr.isTTY = wasTTY;
    }
  });

  it('a wrong checksum is refused with one line and exit 1; nothing lands in the cache', async () => {
    const cache = await freshCache();
    register({ files: entry.files.map((file) => (file.path === VISION ? { ...file, sha256: 'f'.repeat(64) } : file)) });
    const result = await cli('models', 'pull', 'tiny-clip-cli');
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines.at(-1)).toMatch(
      /^t2ir models pull: onnx\/vision_model\.onnx: checksum mismatch \(SHA-256 [0-9a-f]{64}, the catalog says f{64}\): refused and removed;/,
    );
    expect(lines.filter((line) => line.startsWith('t2ir'))).toHaveLength(1);
    await expect(fs.access(path.join(cache, 'models', 'tiny-clip-cli'))).rejects.toThrow();
  });

  it('404, 401 (gated: set HF_TOKEN) and offline: one line each, exit 1', async () => {
    await freshCache();
    register({ files: [...entry.files, { path: 'onnx/gone.onnx' }] });
    const missing = await cli('models', 'pull', 'tiny-clip-cli');
    expect([missing.code, missing.stderr.trim().split('\n').at(-1)]).toEqual([
      1,
      `t2ir models pull: t2ir-test/tiny-clip@feedface0000/onnx/gone.onnx: not found at ${hub.endpoint} (HTTP 404): the repository, revision or file is gone`,
    ]);

    register({ name: 'gated-cli', repo: 't2ir-test/gated-clip' });
    const gated = await cli('models', 'pull', 'gated-cli');
    expect(gated.code).toBe(1);
    expect(gated.stderr.trim()).toMatch(
      /^t2ir models pull: t2ir-test\/gated-clip@feedface0000\/config\.json: the hub wants a signed-in user \(HTTP 401\).* set HF_TOKEN$/,
    );
    process.env['HF_TOKEN'] = 'hf_good';
    try {
      expect((await cli('models', 'pull', 'gated-cli')).code).toBe(0);
    } finally {
      delete process.env['HF_TOKEN'];
    }

    await freshCache();
    const closed = await startStandInHub({});
    await closed.close();
    const offline = await cli('models', 'pull', 'tiny-clip-cli', '--endpoint', closed.endpoint);
    expect(offline.code).toBe(1);
    expect(offline.stderr.trim()).toMatch(/^t2ir models pull: cannot reach http:\/\/127\.0\.0\.1:\d+ \(.*ECONNREFUSED.*\): offline\? Set HF_ENDPOINT/);
    expect(offline.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('--model names: unknown, not pulled, and a kind mismatch are one clear line', async () => {
    await freshCache();
    register();
    const unknown = await cli('score', '--model', 'no-such-model', '--image', image, '--prompt', 'x');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--model no-such-model: not in the model catalog/);
    const notPulled = await cli('score', '--model', 'tiny-clip-cli', '--image', image, '--prompt', 'x');
    expect(notPulled.code).toBe(1);
    expect(notPulled.stderr.trim()).toMatch(/model 'tiny-clip-cli' is not in the model cache: run t2ir models pull tiny-clip-cli$/);
    const mismatch = await cli('score', '--expert', 'detector', '--model', 'tiny-clip-cli', '--image', image, '--prompt', 'x');
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toMatch(/--model tiny-clip-cli is a 'hpm' model, not 'detector'/);
  });
});

describe('t2ir models export', () => {
  it('prints the requirements and the exact command of our export script, and runs nothing', async () => {
    register({
      name: 'export-cli',
      files: [],
      export: {
        script: 'packages/reward-hpm/scripts/export_pickscore.py',
        requirements: ['torch', 'transformers', 'onnx', 'onnxruntime'],
        command: 'python {script} --out {out}',
      },
      expert: { kind: 'hpm', variant: 'pickscore', backend: 'transformers' },
    });
    const result = await cli('models', 'export', 'export-cli', '--out', 'models/pickscore');
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toContain('pip install torch transformers onnx onnxruntime');
    const command = lines.find((line) => line.startsWith('python '))!;
    expect(command).toMatch(/^python \S*reward-hpm\/scripts\/export_pickscore\.py --out models\/pickscore$/);
    await expect(fs.access(command.split(' ')[1]!)).resolves.toBeUndefined();
    expect(result.stdout).toContain('"model":"./models/pickscore"');
    register();
    const pullable = await cli('models', 'export', 'tiny-clip-cli');
    expect(pullable.code).toBe(2);
    expect(pullable.stderr).toMatch(/tiny-clip-cli needs no export: its ONNX files are published: t2ir models pull tiny-clip-cli/);
  });
});

describe('catalog entries against the real expert plugins', () => {
  it('each pullable or exportable entry yields a config entry its plugin accepts', async () => {
    const checked: string[] = [];
    for (const entry of MODEL_CATALOG) {
      if (catalogAvailability(entry) === 'serve') continue;
      const plugin = await cliRegistry.resolveExpert(entry.expert.kind);
      const config = catalogExpertConfig(entry.expert, path.join(work, 'models', entry.name));
      expect(() => prepareExpertEntry(config, plugin, `catalog/${entry.name}`, work), entry.name).not.toThrow();
      checked.push(entry.name);
    }
    expect(checked).toEqual(
      expect.arrayContaining(['clip-vit-b32', 'owlv2-base', 'grounding-dino-tiny', 'pickscore', 'hps-v2.1', 'imagereward', 'git-base-vqav2']),
    );
  });
});

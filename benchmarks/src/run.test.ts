import { promises as fs } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createMockReward, meanBrightness } from '@t2i-reward/core/test';
import { collectLog, pngBytes, tempDir, writeLines, writePng } from './__fixtures__/helpers.js';
import { ScoreCache, withScoreCache } from './cache.js';
import type { ImageSource } from './generators/types.js';
import type { Protocol } from './protocols/types.js';
import {
  commandGeneratorSource,
  compbenchFileName,
  compbenchFolderSource,
  httpGeneratorSource,
  itemImageSource,
  parseCommandTemplate,
} from './generators/index.js';
import { mergeRuns } from './merge.js';
import { createCompBenchProtocol } from './protocols/compbench.js';
import { createEnsembleProtocol } from './protocols/ensemble.js';
import { loadRecords } from './records.js';
import { parseShard, runBench, selectWork, type Shard } from './run.js';
import { userFileSuite } from './suites/user-file.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '__fixtures__');

/** Prompts, each with a solid-colour image in CompBench naming; score = brightness. */
async function promptsWithImages(dir: string, n: number): Promise<{ suiteFile: string; imageDir: string; prompts: string[] }> {
  const prompts = Array.from({ length: n }, (_, i) => `prompt number ${i} with a ${i % 2 ? 'red' : 'blue'} thing`);
  const suiteFile = path.join(dir, 'prompts.jsonl');
  await writeLines(
    suiteFile,
    prompts.map((prompt, i) => ({ prompt, category: i % 3 === 0 ? 'alpha' : 'beta' })),
  );
  const imageDir = path.join(dir, 'images');
  for (const [i, prompt] of prompts.entries()) await writePng(path.join(imageDir, compbenchFileName(prompt, i)), [i * 20, i * 10, 255 - i * 20]);
  return { suiteFile, imageDir, prompts };
}

function brightnessProtocol(cache?: ScoreCache) {
  const model = createMockReward({ kind: 'mock', score: (s) => meanBrightness(s.image) });
  return { model, protocol: createEnsembleProtocol({ experts: [{ name: 'mock', model: cache ? withScoreCache(model, cache) : model }] }) };
}

describe('runBench', () => {
  it('scores a folder in CompBench naming, writes every output and records per-image details', async () => {
    const dir = await tempDir();
    const { suiteFile, imageDir } = await promptsWithImages(dir, 5);
    const { protocol } = brightnessProtocol();
    const out = path.join(dir, 'run');
    const result = await runBench({
      suite: userFileSuite(suiteFile),
      outDir: out,
      protocol,
      source: compbenchFolderSource(imageDir),
      progress: false,
      log: collectLog().log,
    });
    expect(result.summary.counts).toMatchObject({ expected: 5, scored: 5, errors: 0, pending: 0 });
    expect(result.summary.categories.map((c) => [c.category, c.n])).toEqual([
      ['alpha', 2],
      ['beta', 3],
    ]);
    const first = result.records.find((r) => r.itemId === 'user/00000')!;
    expect(first.score).toBeCloseTo((0 + 0 + 255) / 3 / 255, 6);
    expect(first.experts.mock?.score).toBe(first.score);
    expect(first.image).toBe(`../images/${compbenchFileName(first.prompt, 0)}`);
    for (const file of ['results.jsonl', 'run.json', 'summary.json', 'results.csv', 'summary.csv', 'report.html']) {
      await expect(fs.stat(path.join(out, file))).resolves.toBeTruthy();
    }
    const csv = await fs.readFile(path.join(out, 'results.csv'), 'utf8');
    expect(csv.split('\n')[0]).toBe('key,item,sample,category,prompt,status,score,correct,mock_score,image,problem');
    expect(csv.split('\n').filter(Boolean)).toHaveLength(6);
  });

  it('re-running the same folder skips what is done; a longer selection scores only the new images', async () => {
    const dir = await tempDir();
    const { suiteFile, imageDir } = await promptsWithImages(dir, 6);
    const out = path.join(dir, 'run');
    const first = brightnessProtocol();
    await runBench({
      suite: userFileSuite(suiteFile),
      outDir: out,
      protocol: first.protocol,
      source: compbenchFolderSource(imageDir),
      limit: 1,
      progress: false,
      log: collectLog().log,
    });
    expect(first.model.calls.flat()).toHaveLength(2); // one per category
    const second = brightnessProtocol();
    const result = await runBench({
      suite: userFileSuite(suiteFile),
      outDir: out,
      protocol: second.protocol,
      source: compbenchFolderSource(imageDir),
      progress: false,
      log: collectLog().log,
    });
    expect(second.model.calls.flat()).toHaveLength(4);
    expect(result).toMatchObject({ processed: 4, skipped: 2 });
    const lines = (await fs.readFile(path.join(out, 'results.jsonl'), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(6);
    expect(new Set(lines.map((l) => JSON.parse(l).key)).size).toBe(6);
  });

  it('refuses to resume a folder made with another protocol', async () => {
    const dir = await tempDir();
    const { suiteFile, imageDir } = await promptsWithImages(dir, 2);
    const out = path.join(dir, 'run');
    await runBench({
      suite: userFileSuite(suiteFile),
      outDir: out,
      protocol: brightnessProtocol().protocol,
      source: compbenchFolderSource(imageDir),
      progress: false,
      log: collectLog().log,
    });
    const other = createEnsembleProtocol({ experts: [{ name: 'other', model: createMockReward({ modelId: 'mock/other' }) }] });
    await expect(
      runBench({
        suite: userFileSuite(suiteFile),
        outDir: out,
        protocol: other,
        source: compbenchFolderSource(imageDir),
        progress: false,
        log: collectLog().log,
      }),
    ).rejects.toThrow(/holds a run made with protocol/);
  });

  it('answers a second run from the content-addressed score cache', async () => {
    const dir = await tempDir();
    const { suiteFile, imageDir } = await promptsWithImages(dir, 4);
    const cache = new ScoreCache(path.join(dir, 'cache'));
    const first = brightnessProtocol(cache);
    await runBench({
      suite: userFileSuite(suiteFile),
      outDir: path.join(dir, 'a'),
      protocol: first.protocol,
      source: compbenchFolderSource(imageDir),
      progress: false,
      log: collectLog().log,
    });
    expect(first.model.calls.flat()).toHaveLength(4);
    const secondCache = new ScoreCache(path.join(dir, 'cache'));
    const second = brightnessProtocol(secondCache);
    const result = await runBench({
      suite: userFileSuite(suiteFile),
      outDir: path.join(dir, 'b'),
      protocol: second.protocol,
      source: compbenchFolderSource(imageDir),
      progress: false,
      log: collectLog().log,
    });
    expect(second.model.calls).toHaveLength(0);
    expect(secondCache.hits).toBe(4);
    expect(result.records.every((r) => r.experts.mock?.cached === true)).toBe(true);
    // Same image + prompt with another model id misses.
    expect(ScoreCache.key({ modelId: 'a', version: '1', imageHash: 'h', prompt: 'p' })).not.toBe(
      ScoreCache.key({ modelId: 'b', version: '1', imageHash: 'h', prompt: 'p' }),
    );
    expect(ScoreCache.key({ modelId: 'a', version: '1', options: { x: 1, y: 2 }, imageHash: 'h', prompt: 'p' })).toBe(
      ScoreCache.key({ modelId: 'a', version: '1', options: { y: 2, x: 1 }, imageHash: 'h', prompt: 'p' }),
    );
  });

  it('shards merged equal an unsharded run', async () => {
    const dir = await tempDir();
    const { suiteFile, imageDir } = await promptsWithImages(dir, 7);
    const run = (out: string, shard?: string) =>
      runBench({
        suite: userFileSuite(suiteFile),
        outDir: path.join(dir, out),
        protocol: brightnessProtocol().protocol,
        source: compbenchFolderSource(imageDir),
        samplesPerPrompt: 1,
        ...(shard ? { shard: parseShard(shard) } : {}),
        progress: false,
        log: collectLog().log,
      });
    const whole = await run('whole');
    const shards = [await run('s0', '0/3'), await run('s1', '1/3'), await run('s2', '2/3')];
    expect(shards.map((s) => s.summary.counts.scored)).toEqual([3, 2, 2]);
    const merged = await mergeRuns(
      path.join(dir, 'merged'),
      shards.map((s) => s.runDir),
    );
    expect(merged.summary.categories).toEqual(whole.summary.categories);
    expect(merged.summary.overall).toEqual(whole.summary.overall);
    expect(merged.summary.counts).toEqual(whole.summary.counts);
    const strip = (records: typeof whole.records) => records.map((r) => ({ key: r.key, score: r.score, image: r.image }));
    expect(strip(merged.records)).toEqual(strip(whole.records));
    await expect(mergeRuns(path.join(dir, 'bad'), [shards[0]!.runDir, shards[0]!.runDir])).rejects.toThrow(/appears twice/);
  });

  it('--shard auto under a Kubernetes Indexed Job, a Slurm array and torchrun merges to the unsharded result', async () => {
    const dir = await tempDir();
    const { suiteFile, imageDir } = await promptsWithImages(dir, 7);
    const run = (out: string, shard?: Shard) =>
      runBench({
        suite: userFileSuite(suiteFile),
        outDir: path.join(dir, out),
        protocol: brightnessProtocol().protocol,
        source: compbenchFolderSource(imageDir),
        ...(shard ? { shard } : {}),
        progress: false,
        log: collectLog().log,
      });
    const whole = await run('whole');
    const environments: Record<string, (i: number) => NodeJS.ProcessEnv> = {
      kubernetes: (i) => ({ JOB_COMPLETION_INDEX: String(i), JOB_COMPLETIONS: '3' }),
      // Slurm arrays need not start at 0: --array=4-6 gives ids 4, 5, 6.
      slurm: (i) => ({ SLURM_ARRAY_TASK_ID: String(i + 4), SLURM_ARRAY_TASK_MIN: '4', SLURM_ARRAY_TASK_COUNT: '3' }),
      torchrun: (i) => ({ RANK: String(i), WORLD_SIZE: '3', LOCAL_RANK: '0' }),
    };
    for (const [name, envOf] of Object.entries(environments)) {
      const shards = [];
      for (const i of [0, 1, 2]) {
        const shard = parseShard('auto', envOf(i));
        expect(shard).toEqual({ index: i, count: 3 });
        shards.push(await run(`${name}-${i}`, shard));
      }
      const merged = await mergeRuns(
        path.join(dir, `${name}-merged`),
        shards.map((s) => s.runDir),
      );
      expect(merged.summary.overall).toEqual(whole.summary.overall);
      expect(merged.summary.counts).toEqual(whole.summary.counts);
      expect(merged.records.map((r) => [r.key, r.score])).toEqual(whole.records.map((r) => [r.key, r.score]));
    }
    expect(() => parseShard('auto', {})).toThrow(/no shard in the environment.*JOB_COMPLETION_INDEX.*SLURM_ARRAY_TASK_ID.*RANK/);
    expect(() => parseShard('auto', { JOB_COMPLETION_INDEX: '1' })).toThrow(/JOB_COMPLETIONS is not/);
    expect(() => parseShard('auto', { RANK: '3', WORLD_SIZE: '3' })).toThrow(/shard 3 of 3, which does not exist/);
    expect(() => parseShard('auto', { SLURM_ARRAY_TASK_ID: 'x', SLURM_ARRAY_TASK_COUNT: '2' })).toThrow(/not a non-negative integer/);
  });

  it('counts bad inputs with clear messages and goes on: missing image, undecodable image, malformed line, unknown category', async () => {
    const dir = await tempDir();
    const suiteFile = path.join(dir, 'prompts.jsonl');
    await writeLines(suiteFile, [
      { prompt: 'a red apple', category: 'color' },
      { prompt: 'a blue car', category: 'color' },
      '{"prompt": "a green bench", "category": ',
      { prompt: 'a yellow bird', category: 'colour' },
      { prompt: 'three cats', category: 'numeracy' },
      { prompt: 'a wooden table', category: 'texture' },
    ]);
    const imageDir = path.join(dir, 'images');
    await writePng(path.join(imageDir, compbenchFileName('a red apple', 0)), [200, 0, 0]);
    await fs.writeFile(path.join(imageDir, compbenchFileName('a blue car', 1)), 'this is not a PNG');
    await writePng(path.join(imageDir, compbenchFileName('a wooden table', 5)), [120, 80, 40]);
    // no image for "three cats"
    const vqa = createMockReward({ kind: 'vqa', score: (s) => meanBrightness(s.image) });
    const detector = createMockReward({ kind: 'detector', score: () => 1 });
    const protocol = createCompBenchProtocol({ vqa, detector });
    const { lines, log } = collectLog();
    const result = await runBench({
      suite: userFileSuite(suiteFile),
      outDir: path.join(dir, 'run'),
      protocol,
      source: compbenchFolderSource(imageDir),
      progress: false,
      log,
    });
    expect(result.summary.counts.badInputs).toEqual({
      'missing-image': 1,
      'decode-error': 1,
      'malformed-line': 1,
      'unknown-category': 1,
      'generator-error': 0,
      'expert-error': 0,
    });
    expect(result.summary.counts).toMatchObject({ expected: 4, scored: 2, errors: 2 });
    const messages = result.summary.problems.map((p) => p.message).join('\n');
    expect(messages).toMatch(/prompts\.jsonl:3: malformed JSON/);
    expect(messages).toMatch(/prompts\.jsonl:4: unknown category 'colour' for protocol compbench \(known: color, shape/);
    expect(messages).toMatch(/missing image: no file 'three cats_NNNNNN\.png'/);
    expect(messages).toMatch(/cannot decode image for "a blue car"/);
    expect(lines.join('\n')).toMatch(/malformed JSON/);
    // Every per-image warning line names the item and its prompt (and the image file when there is one); missing
    // images are summed up in one line at the end (a folder may lack hundreds), naming the first.
    const warningLines = lines.filter((line) => line.startsWith('! ') && !/prompts\.jsonl:\d+:/.test(line) && !/images missing/.test(line));
    expect(lines.filter((line) => line.startsWith('! '))).toHaveLength(4);
    expect(warningLines.length).toBe(1);
    for (const line of warningLines) expect(line).toMatch(/^! user\/\d{5} "a blue car"/);
    expect(lines.filter((line) => /images missing/.test(line))).toEqual([
      expect.stringMatching(/^! 1 of 4 images missing from .* \(first: no file 'three cats_NNNNNN\.png' .*\); the run is incomplete$/),
    ]);
    expect(warningLines.find((line) => line.includes('a blue car'))).toContain(compbenchFileName('a blue car', 1));
    expect(result.summary.categories.find((c) => c.category === 'color')).toMatchObject({ n: 1, errors: 1 });
    expect(result.summary.categories.find((c) => c.category === 'texture')?.mean).toBeCloseTo((120 + 80 + 40) / 3 / 255, 6);
  });

  it('marks categories whose expert is not configured as unsupported without scoring their images', async () => {
    const dir = await tempDir();
    const suiteFile = path.join(dir, 'prompts.jsonl');
    await writeLines(suiteFile, [
      { prompt: 'a red apple', category: 'color' },
      { prompt: 'a cat in front of a dog', category: '3d_spatial' },
    ]);
    await writePng(path.join(dir, 'images', compbenchFileName('a red apple', 0)), [200, 0, 0]);
    await writePng(path.join(dir, 'images', compbenchFileName('a cat in front of a dog', 1)), [0, 0, 200]);
    const detector = createMockReward({ kind: 'detector' });
    const protocol = createCompBenchProtocol({ detector });
    const result = await runBench({
      suite: userFileSuite(suiteFile),
      outDir: path.join(dir, 'run'),
      protocol,
      source: compbenchFolderSource(path.join(dir, 'images')),
      progress: false,
      log: collectLog().log,
    });
    expect(result.summary.counts).toMatchObject({ unsupported: 2, errors: 0 });
    expect(result.summary.incomplete).toBeUndefined();
    // A missing image is missing in every task alike, supported or not (the run is then incomplete).
    const missing = await runBench({
      suite: userFileSuite(suiteFile),
      outDir: path.join(dir, 'run-missing'),
      protocol,
      source: compbenchFolderSource(path.join(dir, 'none')),
      progress: false,
      log: collectLog().log,
    });
    expect(missing.summary.counts).toMatchObject({ unsupported: 0, errors: 2 });
    expect(missing.summary.incomplete).toMatchObject({ missing: 2, present: 0, expected: 2 });
    expect(result.summary.categories.find((c) => c.category === 'color')?.note).toMatch(/needs a VQA expert/);
    expect(result.summary.categories.find((c) => c.category === '3d_spatial')?.note).toMatch(/depth/);
  });
});

describe('pipelining', () => {
  it('prepares the next batch while the current one is scored, and obtains images concurrently', async () => {
    const dir = await tempDir();
    const { suiteFile, imageDir } = await promptsWithImages(dir, 6);
    const folder = compbenchFolderSource(imageDir);
    const events: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const source: ImageSource = {
      description: 'slow',
      async obtain(item, sample, context) {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        events.push(`obtain ${item.index}`);
        await new Promise((r) => setTimeout(r, 30));
        inFlight--;
        return folder.obtain(item, sample, context);
      },
    };
    const base = brightnessProtocol().protocol;
    const protocol: Protocol = {
      ...base,
      async score(samples, signal) {
        events.push(`score start ${samples.map((s) => s.item.index).join(',')}`);
        await new Promise((r) => setTimeout(r, 200));
        events.push('score end');
        return base.score(samples, signal);
      },
    };
    const result = await runBench({
      suite: userFileSuite(suiteFile),
      outDir: path.join(dir, 'run'),
      protocol,
      source,
      batchSize: 3,
      concurrency: 3,
      progress: false,
      log: collectLog().log,
    });
    expect(result.summary.counts.scored).toBe(6);
    expect(maxInFlight).toBe(3);
    // Items 3-5 are obtained before the first batch (0-2) finishes scoring.
    expect(events.indexOf('obtain 5')).toBeLessThan(events.indexOf('score end'));
    expect(events.filter((e) => e.startsWith('score start'))).toEqual(['score start 0,1,2', 'score start 3,4,5']);
  });
});

describe('generators', () => {
  it('runs a command per image with the prompt as one argument, keeps the images in the run folder', async () => {
    const dir = await tempDir();
    const tricky = `a "quoted" prompt; rm -rf / $(echo pwned) {out}`;
    const suiteFile = path.join(dir, 'prompts.jsonl');
    await writeLines(suiteFile, [
      { prompt: tricky, category: 'x' },
      { prompt: 'FAIL ME', category: 'x' },
      { prompt: 'plain', category: 'x' },
    ]);
    await writePng(path.join(dir, 'src.png'), [60, 60, 60]);
    const script = path.join(fixtures, 'gen-image.mjs');
    const source = commandGeneratorSource({
      template: `${JSON.stringify(process.execPath)} ${JSON.stringify(script)} --src ${JSON.stringify(path.join(dir, 'src.png'))} --prompt {prompt} --out {out}`,
    });
    const out = path.join(dir, 'run');
    const result = await runBench({
      suite: userFileSuite(suiteFile),
      outDir: out,
      protocol: brightnessProtocol().protocol,
      source,
      samplesPerPrompt: 2,
      progress: false,
      log: collectLog().log,
    });
    expect(result.summary.counts).toMatchObject({ scored: 4, errors: 2 });
    expect(result.summary.counts.badInputs['generator-error']).toBe(2);
    expect(result.summary.problems[0]?.message).toMatch(/generator command failed for "FAIL ME".*refusing this prompt/);
    const image = path.join(out, 'images', 'x', 'samples', compbenchFileName(tricky, 1));
    expect(await fs.readFile(`${image}.prompt.txt`, 'utf8')).toBe(tricky);
    expect(result.records.find((r) => r.key === 'user/00000#1')?.image).toBe(`images/x/samples/${compbenchFileName(tricky, 1)}`);
  });

  it('refuses shell operators in a command template', () => {
    expect(parseCommandTemplate("gen --prompt {prompt} --out '{out}'")).toEqual(['gen', '--prompt', '{prompt}', '--out', '{out}']);
    expect(() => parseCommandTemplate('gen {prompt} {out} | tee log')).toThrow(/no shell operators/);
    expect(() => commandGeneratorSource({ template: 'gen --prompt {prompt}' })).toThrow(/must contain \{out\}/);
  });

  it('calls an OpenAI-Images-compatible endpoint (b64_json), retries a 500, keeps images on disk', async () => {
    const dir = await tempDir();
    const png = (await pngBytes([10, 200, 10])).toString('base64');
    const bodies: Record<string, unknown>[] = [];
    let calls = 0;
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        calls++;
        if (calls === 1) {
          res.writeHead(500).end('overloaded');
          return;
        }
        bodies.push({ ...JSON.parse(body), url: req.url, auth: req.headers.authorization });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ created: 1, data: [{ b64_json: png }] }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const suiteFile = path.join(dir, 'prompts.txt');
      await fs.writeFile(suiteFile, 'a green square\r\nanother green square');
      const out = path.join(dir, 'run');
      const source = httpGeneratorSource({ url: `http://127.0.0.1:${port}/v1`, model: 'tiny', size: '16x16', apiKey: 'k' });
      const result = await runBench({
        suite: userFileSuite(suiteFile),
        outDir: out,
        protocol: brightnessProtocol().protocol,
        source,
        progress: false,
        log: collectLog().log,
      });
      expect(result.summary.counts.scored).toBe(2);
      expect(bodies[0]).toMatchObject({
        url: '/v1/images/generations',
        model: 'tiny',
        prompt: 'a green square',
        n: 1,
        size: '16x16',
        response_format: 'b64_json',
        auth: 'Bearer k',
      });
      await expect(fs.stat(path.join(out, 'images', 'user', 'samples', compbenchFileName('another green square', 1)))).resolves.toBeTruthy();
      // A re-run into the same folder reuses the kept images: no new request.
      const before = calls;
      await fs.rm(path.join(out, 'results.jsonl'));
      await runBench({ suite: userFileSuite(suiteFile), outDir: out, protocol: brightnessProtocol().protocol, source, progress: false, log: collectLog().log });
      expect(calls).toBe(before);
    } finally {
      server.close();
    }
  });

  it('item images: a JSONL `image` field relative to the file', async () => {
    const dir = await tempDir();
    await writePng(path.join(dir, 'pics', 'a.png'), [255, 255, 255]);
    await writeLines(path.join(dir, 'p.jsonl'), [
      { prompt: 'white', image: 'pics/a.png' },
      { prompt: 'gone', image: 'pics/missing.png' },
    ]);
    const result = await runBench({
      suite: userFileSuite(path.join(dir, 'p.jsonl')),
      outDir: path.join(dir, 'run'),
      protocol: brightnessProtocol().protocol,
      source: itemImageSource(),
      progress: false,
      log: collectLog().log,
    });
    expect(result.records.map((r) => [r.prompt, r.status, r.score])).toEqual([
      ['white', 'ok', 1],
      ['gone', 'error', null],
    ]);
    expect(result.records[1]?.problem?.message).toMatch(/missing\.png \(for "gone"\) does not exist/);
  });
});

describe('selection', () => {
  it('limits per category, expands samples, splits shards round-robin, rejects unknown --category', async () => {
    const dir = await tempDir();
    const { suiteFile } = await promptsWithImages(dir, 6);
    const suite = userFileSuite(suiteFile);
    const { items } = await suite.load();
    const protocol = brightnessProtocol().protocol;
    const all = selectWork(items, suite, protocol, { limit: 1, samplesPerPrompt: 2 });
    expect(all.units.map((u) => u.key)).toEqual(['user/00000#0', 'user/00000#1', 'user/00001#0', 'user/00001#1']);
    expect(selectWork(items, suite, protocol, { shard: { index: 1, count: 2 } }).units.map((u) => u.key)).toEqual([
      'user/00001#0',
      'user/00003#0',
      'user/00005#0',
    ]);
    const some = selectWork(items, suite, protocol, { categories: ['beta', 'gamma'] });
    expect(some.problems[0]?.message).toMatch(/unknown category 'gamma'/);
    expect(() => selectWork(items, suite, protocol, { categories: ['gamma'] })).toThrow(/no known category/);
    expect(() => parseShard('3/3')).toThrow(/0 ≤ i < n/);
  });
});

describe('records', () => {
  it('cuts a torn last line on open (as a write-ahead log does): the file stays valid JSON Lines', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'results.jsonl');
    await fs.writeFile(file, '{"key":"a#0","status":"ok","score":1}\n{"key":"b#0","sta');
    const { DurableJsonlWriter } = await import('./jsonl.js');
    const writer = new DurableJsonlWriter(file);
    expect(writer.truncatedBytes).toBe('{"key":"b#0","sta'.length);
    writer.append({ key: 'c#0', status: 'ok', score: 0.5 });
    writer.close();
    const text = await fs.readFile(file, 'utf8');
    // Every line parses: a tool reading results.jsonl never meets the torn record.
    expect(
      text
        .trimEnd()
        .split('\n')
        .map((line) => (JSON.parse(line) as { key: string }).key),
    ).toEqual(['a#0', 'c#0']);
    const loaded = await loadRecords(dir);
    expect(loaded.records.map((r) => r.key)).toEqual(['a#0', 'c#0']);
    expect(loaded.tornLines).toBe(0);
    // A file that is only a torn line is emptied; a clean file is left alone.
    await fs.writeFile(file, '{"key":"x');
    expect(new DurableJsonlWriter(file).truncatedBytes).toBe(9);
    expect(await fs.readFile(file, 'utf8')).toBe('');
    await fs.writeFile(file, '{"key":"a#0"}\n');
    expect(new DurableJsonlWriter(file).truncatedBytes).toBe(0);
  });

  it('still tolerates a malformed line in the middle (written by an older version)', async () => {
    const dir = await tempDir();
    await fs.writeFile(path.join(dir, 'results.jsonl'), '{"key":"a#0","status":"ok","score":1}\n{"key":"b#0","sta\n{"key":"c#0","status":"ok","score":0.5}\n');
    const loaded = await loadRecords(dir);
    expect(loaded.records.map((r) => r.key)).toEqual(['a#0', 'c#0']);
    expect(loaded.tornLines).toBe(1);
  });
});

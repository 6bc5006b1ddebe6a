import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type CapturedWrites, captureWrites, createMockReward, meanBrightness } from '@t2i-reward/core/test';
import { collectLog, tempDir, writePng } from './__fixtures__/helpers.js';
import { createBenchProgram, EXIT_INCOMPLETE } from './cli.js';
import { genevalFolderSource } from './generators/index.js';
import { createEnsembleProtocol } from './protocols/ensemble.js';
import { GENEVAL_COLOR_TASKS } from './protocols/geneval.js';
import type { Protocol } from './protocols/types.js';
import { renderHtmlReport } from './report/html.js';
import { readManifest, loadRecords } from './records.js';
import { runBench } from './run.js';
import { resolveSuite } from './suites/index.js';

// `t2ir bench --suite geneval --images <folder with 8 of 553 images>`: missing images are not the generator's
// failure. The run is reported incomplete (coverage in the headline, exit 3 unless --allow-partial), every task
// treats a missing image alike (a colour task without a classifier no longer counts it unsupported = incorrect),
// and one summary line replaces one line per missing image.

const here = path.dirname(fileURLToPath(import.meta.url));
// Indexes of the GenEval metadata: 0-2 single_object, 179-181 counting, 259-260 colors.
const PRESENT = [0, 1, 2, 179, 180, 181, 259, 260];

async function partialGenEvalFolder(): Promise<string> {
  const dir = await tempDir();
  for (const [i, index] of PRESENT.entries()) await writePng(path.join(dir, String(index).padStart(5, '0'), 'samples', '0000.png'), [i * 30, 90, 200]);
  return dir;
}

/** GenEval's own shape of protocol: accuracy, unjudged images count as incorrect, no colour classifier. */
function genevalLikeProtocol(): Protocol {
  const base = createEnsembleProtocol({ experts: [{ name: 'mock', model: createMockReward({ kind: 'mock', score: (s) => meanBrightness(s.image) }) }] });
  return {
    ...base,
    name: 'geneval',
    metric: 'accuracy',
    overall: 'mean-of-categories',
    describe: () => ({ ...base.describe(), unjudged: 'incorrect' }),
    unsupportedReason: (category) => (GENEVAL_COLOR_TASKS.includes(category) ? `GenEval task ${category} needs a colour classifier` : undefined),
  };
}

/** A GenEval run over the partial folder with the GenEval-like protocol: its result, output folder and log lines. */
async function partialRun() {
  const images = await partialGenEvalFolder();
  const out = path.join(await tempDir(), 'run');
  const { lines, log } = collectLog();
  const result = await runBench({
    suite: await resolveSuite('geneval'),
    outDir: out,
    protocol: genevalLikeProtocol(),
    source: genevalFolderSource(images),
    progress: false,
    log,
  });
  return { images, out, lines, result };
}

describe('a GenEval image folder holding 8 of 553 images', () => {
  it('is an incomplete run: missing images count in no task, the coverage is in the summary, one log line', async () => {
    const { images, lines, result } = await partialRun();
    expect(result.summary.incomplete).toEqual({ missing: 545, present: 8, expected: 553, coverage: 8 / 553 });
    // Every task alike: no missing colour image is "unsupported" (which GenEval's headline counts as incorrect).
    const byCategory = Object.fromEntries(result.summary.categories.map((c) => [c.category, c]));
    expect(byCategory.colors).toMatchObject({ unsupported: 2, errors: 92 });
    expect(byCategory.color_attr).toMatchObject({ unsupported: 0, errors: 100 });
    expect(byCategory.counting).toMatchObject({ unsupported: 0, errors: 77, n: 3 });
    expect(result.summary.counts.badInputs['missing-image']).toBe(545);
    // The headline accuracy is over present images only: the two present colour images count (as GenEval would
    // count them), the 92 missing ones do not.
    expect(byCategory.colors!.n).toBe(2);
    // One line for all missing images, not 545.
    const missingLines = lines.filter((line) => /missing/.test(line));
    expect(missingLines).toHaveLength(1);
    expect(missingLines[0]).toMatch(
      new RegExp(`^! 545 of 553 images missing from ${images} \\(first: .*00003/samples/0000\\.png .*\\); the run is incomplete$`),
    );
  });

  it('the HTML report shows the coverage and a count of missing images, not a placeholder card for each', async () => {
    const { out, result } = await partialRun();
    const html = renderHtmlReport({ manifest: (await readManifest(out))!, summary: result.summary, records: (await loadRecords(out)).records });
    expect(html).toContain('Incomplete run: 8 of 553 images present (1.4%), 545 missing');
    const data = JSON.parse(/<script type="application\/json" id="records-data">([\s\S]*?)<\/script>/.exec(html)![1]!) as unknown[];
    expect(data).toHaveLength(8);
    expect((html.match(/<li><span class="tag">missing-image<\/span>/g) ?? []).length).toBe(1);
  });
});

describe('t2ir bench exit status for an incomplete run', () => {
  let stdout: CapturedWrites;
  let stderr: CapturedWrites;
  beforeEach(() => {
    stdout = captureWrites(process.stdout);
    stderr = captureWrites(process.stderr);
  });
  afterEach(() => vi.restoreAllMocks());

  async function bench(...args: string[]): Promise<number> {
    let exitCode = 0;
    await createBenchProgram((code) => (exitCode = code)).parseAsync(['bench', ...args], { from: 'user' });
    return exitCode;
  }

  it(`exits ${EXIT_INCOMPLETE} with the coverage as the headline; --allow-partial accepts it (exit 0)`, async () => {
    const images = await partialGenEvalFolder();
    const dir = await tempDir();
    await fs.writeFile(
      path.join(dir, 'bench.json'),
      JSON.stringify({
        plugins: [path.join(here, '__fixtures__', 'slow-plugin.mjs')],
        ensemble: { experts: [{ kind: 'slow-brightness', backend: { type: 'none' }, options: { delayMs: 0 } }] },
      }),
    );
    const args = ['--suite', 'geneval', '--images', images, '--protocol', 'ensemble', '--config', path.join(dir, 'bench.json'), '--no-cache', '--no-progress'];
    expect(await bench(...args, '--out', path.join(dir, 'a'))).toBe(EXIT_INCOMPLETE);
    expect(stdout.text.split('\n')[0]).toBe('INCOMPLETE: 8 of 553 images present (1.4%), 545 missing; the scores cover the 8 present only');
    expect(stderr.text).toMatch(/incomplete run: 545 of 553 images missing; exit 3 \(--allow-partial accepts a partial run with exit 0\)/);
    expect(stderr.text.split('\n').filter((line) => line.startsWith('! ') && /missing/.test(line))).toHaveLength(1);
    stdout.clear();
    expect(await bench(...args, '--out', path.join(dir, 'b'), '--allow-partial')).toBe(0);
    expect(stdout.text.split('\n')[0]).toMatch(/^INCOMPLETE: 8 of 553 images present/);
  });
});

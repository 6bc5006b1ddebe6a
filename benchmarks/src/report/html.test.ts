import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMockReward, meanBrightness } from '@t2i-reward/core/test';
import { collectLog, tempDir, testManifest, writeLines } from '../__fixtures__/helpers.js';
import { itemImageSource } from '../generators/index.js';
import { createEnsembleProtocol } from '../protocols/ensemble.js';
import { runBench, type RunResult } from '../run.js';
import { examplesSuite } from '../suites/examples.js';
import { userFileSuite } from '../suites/user-file.js';
import type { ResultRecord } from '../types.js';
import { escapeHtml, renderHtmlReport } from './html.js';
import { summarize } from './summary.js';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * The browser check needs a Chromium binary. A fresh machine has none, so the README's `npm test` skips it with one
 * line saying how to enable it; under CI (or T2IR_BROWSER_TESTS=1) it runs, and a missing browser fails it.
 */
const CHROMIUM_PATH = process.env.T2IR_CHROMIUM ?? '/usr/bin/chromium';
const browserRequired = Boolean(process.env.CI) || process.env.T2IR_BROWSER_TESTS === '1';
const browserAvailable = existsSync(CHROMIUM_PATH);
if (!browserAvailable && !browserRequired) {
  console.warn(
    `[skip] HTML report browser test: no Chromium at ${CHROMIUM_PATH} (install it, e.g. apt-get install chromium, or set T2IR_CHROMIUM=/path; CI=1 or T2IR_BROWSER_TESTS=1 makes it required)`,
  );
}

describe.skipIf(!browserAvailable && !browserRequired)('HTML report in headless Chromium', () => {
  let browser: Browser;
  let run: RunResult;
  let dir: string;

  beforeAll(async () => {
    dir = await tempDir();
    // The bundled photos, scored by brightness (fast), plus a prompt with a hostile name and a missing image.
    const protocol = createEnsembleProtocol({
      experts: [
        {
          name: 'brightness',
          model: createMockReward({
            kind: 'mock',
            score: (s) => ({
              score: meanBrightness(s.image),
              raw: meanBrightness(s.image),
              details: {
                boxes: [
                  { label: 'thing', score: 0.5, box: [10, 20, 110, 220] },
                  { label: 'other thing', score: 0.4, box: [12, 22, 100, 200] },
                ],
                reasons: ['expected thing>=2, found 1'],
              },
            }),
          }),
        },
      ],
    });
    const suite = examplesSuite();
    const { items } = await suite.load();
    const extra = path.join(dir, 'extra.jsonl');
    await writeLines(extra, [
      ...items.map((item) => ({ prompt: item.prompt, category: item.category, image: item.image })),
      // A failed image keeps its card (the hostile prompt must render as text); a missing one is a count only.
      { prompt: '</script><img src=x onerror=alert(1)> "quoted"', category: 'matching', image: 'broken.png' },
      { prompt: 'a prompt whose image was never made', category: 'matching', image: 'missing.png' },
    ]);
    await fs.writeFile(path.join(dir, 'broken.png'), 'not a PNG at all');
    run = await runBench({
      suite: userFileSuite(extra),
      outDir: path.join(dir, 'run'),
      protocol,
      source: itemImageSource(),
      progress: false,
      log: collectLog().log,
    });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('renders charts and the image grid (worst first) without console errors, and sorts / filters', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(pathToFileURL(run.files.html).href, { waitUntil: 'load' });

    expect(await page.title()).toContain('t2ir bench');
    // Per-category bar chart: one bar per category + overall, with CI whiskers; one histogram per category.
    expect(await page.locator('#category-chart rect.bar').count()).toBe(3);
    expect(await page.locator('#category-chart line.ci').count()).toBeGreaterThan(0);
    expect(await page.locator('svg.histogram').count()).toBe(2);
    expect(await page.locator('table.summary tbody tr').count()).toBe(3);

    // The grid: one card per image, worst first, with prompt, score and expert details.
    const cards = page.locator('#grid .card');
    // One card per image present: the missing image is no placeholder card.
    expect(await cards.count()).toBe(run.records.length - 1);
    const shown = await cards.evaluateAll((els) => els.map((e) => e.getAttribute('data-score')));
    const scored = shown.filter((s) => s !== '').map(Number);
    expect(scored).toEqual([...scored].sort((a, b) => a - b));
    expect(shown.at(-1)).toBe(''); // the failed image (no score) comes last
    const worst = run.records.filter((r) => r.score !== null).sort((a, b) => a.score! - b.score!)[0]!;
    await expect(cards.first().locator('.prompt').textContent()).resolves.toBe(worst.prompt);
    await expect(cards.first().locator('details pre').first().textContent()).resolves.toContain('"brightness"');
    // The hostile prompt is text, not markup.
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    await expect(page.locator('#grid .card', { hasText: '</script>' }).count()).resolves.toBe(1);
    // Detector-style boxes from the expert details are drawn over each image, in image pixels.
    expect(await page.locator('#grid .thumb svg.boxes rect').count()).toBe(2 * (run.records.length - 2));
    await expect(page.locator('#grid .thumb svg.boxes text').first().textContent()).resolves.toBe('thing 0.50');
    // Labels of boxes sharing a corner do not overlap, and stay inside the image.
    const labelBoxes = await page
      .locator('#grid .thumb svg.boxes')
      .first()
      .evaluate((svg) =>
        Array.from(svg.querySelectorAll('text')).map((text) => {
          const box = (text as SVGTextElement).getBBox();
          return { x: box.x, y: box.y, w: box.width, h: box.height, width: (svg as SVGSVGElement).viewBox.baseVal.width };
        }),
      );
    expect(labelBoxes).toHaveLength(2);
    const [a, b] = labelBoxes as [(typeof labelBoxes)[number], (typeof labelBoxes)[number]];
    expect(a.y + a.h <= b.y || b.y + b.h <= a.y || a.x + a.w <= b.x || b.x + b.w <= a.x).toBe(true);
    for (const label of labelBoxes) expect(label.x + label.w).toBeLessThanOrEqual(label.width + 1);
    // GenEval-style cards say which rule failed; the header names the image source in words.
    await expect(cards.first().locator('.reasons').textContent()).resolves.toBe('failed: expected thing>=2, found 1');
    await expect(page.locator('header .meta').textContent()).resolves.toContain('images from the images named by the prompts');
    // Images load from their relative paths.
    await page.waitForFunction(() =>
      Array.from(document.querySelectorAll('#grid img'))
        .slice(0, 3)
        .every((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0),
    );

    await page.selectOption('#sort', 'score-desc');
    const best = run.records.filter((r) => r.score !== null).sort((a, b) => b.score! - a.score!)[0]!;
    await expect(cards.first().locator('.prompt').textContent()).resolves.toBe(best.prompt);
    await page.selectOption('#category-filter', 'mismatched');
    expect(await cards.count()).toBe(6);
    await page.fill('#search', 'pizza');
    expect(await cards.count()).toBe(1);
    await page.fill('#search', '');
    await page.selectOption('#category-filter', '');
    await page.selectOption('#sort', 'score-asc');

    await page.locator('table.summary th[data-sort="1"]').click();
    const screenshot = path.join(dir, 'report.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    expect((await fs.stat(screenshot)).size).toBeGreaterThan(20_000);
    // Problems section counts the missing image and names it, and names the undecodable one.
    await expect(page.locator('#problems').textContent()).resolves.toMatch(/1 images missing \(first: .*missing\.png/);
    await expect(page.locator('#problems').textContent()).resolves.toContain('broken.png');

    expect(errors).toEqual([]);
    expect(requests.every((url) => url.startsWith('file://'))).toBe(true);
    await page.close();
  });

  it('shows large runs a page at a time', async () => {
    const records: ResultRecord[] = Array.from({ length: 305 }, (_, i) => ({
      key: `user/${String(i).padStart(5, '0')}#0`,
      itemId: `user/${i}`,
      sample: 0,
      prompt: `prompt ${i}`,
      category: i % 2 ? 'odd' : 'even',
      status: 'ok',
      score: (i % 100) / 100,
      experts: {},
      warnings: [],
      time: '2026-01-01T00:00:00.000Z',
    }));
    const manifest = testManifest({ suite: 'big', expected: 305, source: 'none', createdAt: '', updatedAt: '' });
    const file = path.join(dir, 'big.html');
    await fs.writeFile(file, renderHtmlReport({ manifest, summary: summarize(manifest, records), records }));
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(pathToFileURL(file).href);
    expect(await page.locator('#grid .card').count()).toBe(300);
    await expect(page.locator('#grid-count').textContent()).resolves.toBe('showing 300 of 305 images');
    await page.click('#show-more');
    expect(await page.locator('#grid .card').count()).toBe(305);
    expect(await page.locator('#show-more').isHidden()).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('escapes HTML', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});

import { PassThrough } from 'node:stream';
import { createEnsemble } from '@t2i-reward/core';
import { createMockReward, createTestImage } from '@t2i-reward/core/test';
import { describe, expect, it } from 'vitest';
import { createProgressBar } from './progress.js';
import { ensembleReward } from './reward.js';

describe('progress while images are scored (t2ir train --demo shows movement before the first step ends)', () => {
  it('ensembleReward reports each finished chunk of a call; concurrent calls each report their own', async () => {
    const ensemble = createEnsemble({ experts: [{ name: 'mock', model: createMockReward() }], batchSize: 16 });
    const counts: number[] = [];
    const reward = ensembleReward(ensemble, { onItemsScored: (count) => counts.push(count) });
    const inputs = (n: number) => Array.from({ length: n }, (_, i) => ({ image: createTestImage(2, 2, [i, i, i]), prompt: 'x' }));
    await reward.score(inputs(40));
    expect(counts).toEqual([16, 16, 8]);
    counts.length = 0;
    await Promise.all([reward.score(inputs(20)), reward.score(inputs(5))]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(25);
    expect(counts.every((count) => count > 0)).toBe(true);
  });

  it('the bar shows the images scored so far, before any step is recorded', () => {
    const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 200, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
    let written = '';
    stream.on('data', (chunk: Buffer) => (written += chunk.toString()));
    const bar = createProgressBar(60, 0, stream as unknown as NodeJS.WriteStream);
    bar.onImagesScored(16);
    bar.onImagesScored(16);
    bar.stop();
    expect(written).toMatch(/0\/60 \| 32 images scored/);
  });
});

import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll } from 'vitest';
import type { RunManifest } from '../records.js';

const created: string[] = [];
// Each test file imports this module afresh: its temporary folders go when the file's tests are done.
afterAll(async () => {
  await Promise.all(created.splice(0).map((dir) => fs.rm(dir, { recursive: true, force: true })));
});

/** A fresh folder under the OS temp dir, removed after the test file. */
export async function tempDir(prefix = 't2ir-bench-'): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** A small solid-colour PNG (so a brightness mock scores it predictably). */
export async function writePng(file: string, rgb: [number, number, number], size = 16): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await sharp({ create: { width: size, height: size, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .png()
    .toFile(file);
}

export async function pngBytes(rgb: [number, number, number], size = 16): Promise<Buffer> {
  return sharp({ create: { width: size, height: size, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .png()
    .toBuffer();
}

export async function writeLines(file: string, lines: unknown[]): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
}

/** Silences the runner's stderr messages while keeping them for assertions. */
export function collectLog(): { lines: string[]; log: (line: string) => void } {
  const lines: string[] = [];
  return { lines, log: (line: string) => lines.push(line) };
}

/** The manifest of a made-up ensemble run (score metric, one sample per prompt, no problems) for report tests. */
export function testManifest(overrides: Pick<RunManifest, 'suite' | 'expected'> & Partial<RunManifest>): RunManifest {
  return {
    tool: 't2i-reward-bench',
    formatVersion: 1,
    protocol: { name: 'ensemble', metric: 'score', overall: 'mean-of-items' },
    samplesPerPrompt: 1,
    source: 'test',
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    problems: [],
    ...overrides,
  };
}

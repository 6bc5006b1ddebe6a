import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DurableJsonlWriter } from './jsonl.js';
import { loadRecords, readManifest, RESULTS_FILE, writeManifest, type RunManifest } from './records.js';
import { writeReports, type RunReport } from './report/write.js';
import type { BadInput, ResultRecord } from './types.js';

/**
 * Combines shard folders (`--shard i/n` runs of one suite) into one run folder: records keyed by image are
 * unioned (a key scored in two folders keeps the later record), image paths are rewritten relative to the
 * merged folder, and the reports are written as for a single run.
 */
export async function mergeRuns(outDir: string, runDirs: readonly string[]): Promise<RunReport> {
  if (runDirs.length === 0) throw new Error('bench merge needs at least one run folder');
  const manifests: RunManifest[] = [];
  for (const dir of runDirs) {
    const manifest = await readManifest(dir);
    if (!manifest) throw new Error(`${dir} is not a benchmark run folder (no run.json)`);
    manifests.push(manifest);
  }
  const first = manifests[0]!;
  manifests.forEach((m, i) => {
    const differs =
      m.suite !== first.suite
        ? `suite ${m.suite} ≠ ${first.suite}`
        : JSON.stringify(m.protocol) !== JSON.stringify(first.protocol)
          ? `protocol ${m.protocol.name} with other experts or options`
          : m.samplesPerPrompt !== first.samplesPerPrompt
            ? `samples per prompt ${m.samplesPerPrompt} ≠ ${first.samplesPerPrompt}`
            : undefined;
    if (differs) throw new Error(`cannot merge ${runDirs[i]} with ${runDirs[0]}: ${differs}`);
  });
  const counts = new Set(manifests.map((m) => m.shard?.split('/')[1]).filter(Boolean));
  if (counts.size > 1) throw new Error(`cannot merge shards of different splits (${[...counts].map((n) => `/${n}`).join(', ')})`);
  const shardNames = manifests.map((m) => m.shard).filter(Boolean) as string[];
  const duplicate = shardNames.find((s, i) => shardNames.indexOf(s) !== i);
  if (duplicate) throw new Error(`shard ${duplicate} appears twice among the merged folders`);

  await fs.mkdir(outDir, { recursive: true });
  const merged = new Map<string, ResultRecord>();
  for (const dir of runDirs) {
    const { records } = await loadRecords(dir);
    for (const record of records) {
      const image = record.image ? path.relative(outDir, path.resolve(dir, record.image)).split(path.sep).join('/') : undefined;
      const copy: ResultRecord = { ...record, ...(image !== undefined ? { image } : {}) };
      const previous = merged.get(record.key);
      // A scored record beats an error; otherwise the later one wins.
      if (!previous || previous.status === 'error' || record.status !== 'error') merged.set(record.key, copy);
    }
  }
  const problems = new Map<string, BadInput>();
  for (const m of manifests) for (const p of m.problems) problems.set(`${p.kind}\u0000${p.message}`, p);
  const count = Number(first.shard?.split('/')[1] ?? 0);
  const expected =
    count > 0 && shardNames.length === count ? manifests.reduce((s, m) => s + m.expected, 0) : Math.max(merged.size, ...manifests.map((m) => m.expected));
  const now = new Date().toISOString();
  const manifest: RunManifest = {
    ...first,
    createdAt: now,
    updatedAt: now,
    expected,
    problems: [...problems.values()],
    mergedFrom: runDirs.map((d) => path.resolve(d)),
  };
  delete manifest.shard;
  await writeManifest(outDir, manifest);
  const resultsFile = path.join(outDir, RESULTS_FILE);
  await fs.rm(resultsFile, { force: true });
  const writer = new DurableJsonlWriter(resultsFile);
  try {
    for (const record of [...merged.values()].sort((a, b) => (a.key < b.key ? -1 : 1))) {
      const { shard: _shard, ...rest } = record;
      writer.append(rest);
    }
  } finally {
    writer.close();
  }
  return writeReports(outDir);
}

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { loadRecords, readManifest, RESULTS_FILE } from '../records.js';
import type { ResultRecord } from '../types.js';
import { resultsCsv, summaryCsv } from './csv.js';
import { renderHtmlReport } from './html.js';
import { summarize, type RunSummary } from './summary.js';

export interface RunReport {
  runDir: string;
  summary: RunSummary;
  records: ResultRecord[];
  files: { results: string; summary: string; csv: string; summaryCsv: string; html: string };
}

/** Reads a run folder and (re)writes summary.json, results.csv, summary.csv and report.html. */
export async function writeReports(runDir: string, options: { skipFiles?: boolean } = {}): Promise<RunReport> {
  const manifest = await readManifest(runDir);
  if (!manifest) throw new Error(`${runDir} is not a benchmark run folder (no run.json)`);
  const { records } = await loadRecords(runDir);
  const summary = summarize(manifest, records);
  const files = {
    results: path.join(runDir, RESULTS_FILE),
    summary: path.join(runDir, 'summary.json'),
    csv: path.join(runDir, 'results.csv'),
    summaryCsv: path.join(runDir, 'summary.csv'),
    html: path.join(runDir, 'report.html'),
  };
  if (!options.skipFiles) {
    await fs.writeFile(files.summary, `${JSON.stringify(summary, null, 2)}\n`);
    await fs.writeFile(files.csv, resultsCsv(records));
    await fs.writeFile(files.summaryCsv, summaryCsv(summary));
    await fs.writeFile(files.html, renderHtmlReport({ manifest, summary, records }));
  }
  return { runDir, summary, records, files };
}

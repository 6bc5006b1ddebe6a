import { readFile } from 'node:fs/promises';
import type { MetricsRecord } from '../trainer.js';

/** A metrics.jsonl file's records without `timing` (wall-clock seconds: the only part two equal runs may differ in). */
export async function readRecordsWithoutTiming(file: string): Promise<Omit<MetricsRecord, 'timing'>[]> {
  return (await readFile(file, 'utf8'))
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const { timing: _timing, ...rest } = JSON.parse(line) as MetricsRecord;
      return rest;
    });
}

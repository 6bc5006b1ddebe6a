import { promises as fs, openSync, writeSync, fsyncSync, closeSync, fstatSync, readSync } from 'node:fs';
import { errorMessage } from './errors.js';

export interface ParsedLine<T> {
  line: number;
  value?: T;
  /** Set when the line is not valid JSON. */
  error?: string;
}

/** Splits text into non-empty lines, tolerating CRLF and a missing final newline. */
export function splitLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const trimmed = raw.trim();
    if (trimmed.length > 0) out.push({ line: i + 1, text: trimmed });
  });
  return out;
}

/** Parses JSON Lines; a malformed line is reported, never thrown, so one bad line does not lose the rest. */
export function parseJsonLines<T = unknown>(text: string): ParsedLine<T>[] {
  return splitLines(text).map(({ line, text: lineText }) => {
    try {
      return { line, value: JSON.parse(lineText) as T };
    } catch (error) {
      return { line, error: errorMessage(error) };
    }
  });
}

export async function readJsonLines<T = unknown>(file: string): Promise<ParsedLine<T>[]> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return parseJsonLines<T>(text);
}

/**
 * An append-only JSONL file where every record is on disk (fsync) before `append` returns, so a crash
 * loses at most the record being written. A torn last line left by an earlier crash is closed with a
 * newline first, so it stays one malformed line instead of corrupting the next record.
 */
export class DurableJsonlWriter {
  readonly #fd: number;
  #closed = false;

  constructor(readonly file: string) {
    this.#fd = openSync(file, 'a+');
    const size = fstatSync(this.#fd).size;
    if (size > 0) {
      const last = Buffer.alloc(1);
      readSync(this.#fd, last, 0, 1, size - 1);
      if (last[0] !== 0x0a) this.#write('\n');
    }
  }

  #write(text: string): void {
    const bytes = Buffer.from(text, 'utf8');
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(this.#fd, bytes, offset);
  }

  append(record: unknown): void {
    if (this.#closed) throw new Error(`${this.file} is closed`);
    this.#write(`${JSON.stringify(record)}\n`);
    fsyncSync(this.#fd);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeSync(this.#fd);
  }
}

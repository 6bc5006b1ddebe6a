import { promises as fs, openSync, writeSync, fsyncSync, closeSync, fstatSync, ftruncateSync, readSync } from 'node:fs';
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
 * loses at most the record being written. A torn last line left by an earlier crash (no final newline) is cut
 * off on open, as a write-ahead log drops its torn tail: the file stays valid JSON Lines, and the record it
 * held is simply not there, so a resumed run scores that item again.
 */
export class DurableJsonlWriter {
  readonly #fd: number;
  #closed = false;
  /** Bytes of a torn last line removed when the file was opened (0 when it ended cleanly). */
  readonly truncatedBytes: number;

  constructor(readonly file: string) {
    this.#fd = openSync(file, 'a+');
    const size = fstatSync(this.#fd).size;
    const end = size > 0 ? lastLineEnd(this.#fd, size) : 0;
    this.truncatedBytes = size - end;
    if (end < size) {
      ftruncateSync(this.#fd, end);
      fsyncSync(this.#fd);
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

/** The offset just past the file's last newline (0 when it has none), read backwards in 64 KiB blocks. */
function lastLineEnd(fd: number, size: number): number {
  const block = Buffer.alloc(65536);
  let position = size;
  while (position > 0) {
    const start = Math.max(0, position - block.length);
    const length = position - start;
    readSync(fd, block, 0, length, start);
    const index = block.subarray(0, length).lastIndexOf(0x0a);
    if (index >= 0) return start + index + 1;
    position = start;
  }
  return 0;
}

import type { PromptSpec } from '@t2i-reward/core';

/** One GenEval `evaluation_metadata.jsonl` row, kept verbatim next to the item. */
export interface GenEvalMetadata {
  tag: string;
  prompt: string;
  include: { class: string; count: number; color?: string; position?: [string, number] }[];
  exclude?: { class: string; count: number }[];
  [key: string]: unknown;
}

/** One prompt of a suite. */
export interface BenchItem {
  /** Stable id inside the suite ("color/0007", "geneval/00012"): results are keyed by it. */
  id: string;
  /** Position of the prompt in its source file (0-based), used for image file names. */
  index: number;
  prompt: string;
  /** CompBench category, GenEval tag, T2I-R1 task type, or "user". */
  category: string;
  spec?: PromptSpec;
  geneval?: GenEvalMetadata;
  /** An image that belongs to the prompt (bundled examples, a user JSONL `image` field), resolved path. */
  image?: string;
  /** Where the item came from (file:line), for messages. */
  origin?: string;
}

/** Why an input could not be used. Each kind is counted in the summary. */
export type BadInputKind = 'missing-image' | 'decode-error' | 'malformed-line' | 'unknown-category' | 'generator-error' | 'expert-error';

export interface BadInput {
  kind: BadInputKind;
  message: string;
  itemId?: string;
}

export interface CategoryInfo {
  name: string;
  /** When set, the category cannot be scored by the built-in experts and says why. */
  needs?: string;
}

export interface SuiteLoadResult {
  items: BenchItem[];
  /** Lines or rows that could not be turned into items. */
  problems: BadInput[];
}

export interface Suite {
  name: string;
  description: string;
  /** Protocol used when the caller names none. */
  defaultProtocol: ProtocolName;
  /** Known categories (empty when the suite accepts any, e.g. a user file). */
  categories: CategoryInfo[];
  load(): Promise<SuiteLoadResult>;
  /** Images already on disk for this suite (a GenEval-layout folder is its own image source). */
  imageDir?: string;
}

export type ProtocolName = 'compbench' | 'geneval' | 'ensemble' | 'ocr';

/** One expert's verdict on one image, as stored in results.jsonl. */
export interface ExpertRecord {
  kind: string;
  modelId: string;
  score: number | null;
  raw: number | null;
  details?: Record<string, unknown>;
  warnings: string[];
  error?: { code: string; message: string };
  cached?: boolean;
}

export type ResultStatus = 'ok' | 'error' | 'unsupported';

/** One line of results.jsonl: one image (prompt × sample) scored, failed or skipped. */
export interface ResultRecord {
  key: string;
  itemId: string;
  sample: number;
  prompt: string;
  category: string;
  status: ResultStatus;
  /** Image path relative to the run folder (or absolute when it lies elsewhere on another drive). */
  image?: string;
  imageHash?: string;
  /** Decoded width and height (boxes in expert details are in these pixels). */
  imageSize?: [number, number];
  /** The protocol's score for the image; null unless status is ok. */
  score: number | null;
  /** GenEval: whether every rule held. */
  correct?: boolean;
  experts: Record<string, ExpertRecord>;
  warnings: string[];
  /** Set when status is 'error' or 'unsupported'. */
  problem?: BadInput;
  /** Milliseconds spent obtaining + scoring the image. */
  ms?: number;
  time: string;
  shard?: string;
}

export function sampleKey(itemId: string, sample: number): string {
  return `${itemId}#${sample}`;
}

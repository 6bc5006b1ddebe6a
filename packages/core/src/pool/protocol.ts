import type { ExpertConfig } from '../config/schema.js';
import type { WireError, WireResult, WireSample } from './wire.js';

/** The image limits a worker's expert gets (the serialisable part of ImageLoadOptions). */
export interface PoolImageOptions {
  maxBytes?: number;
  maxPixels?: number;
  allowUrls?: string[];
  allowedRoot?: string;
}

/** How a worker builds one expert: a prepared config entry and the context a plugin's `create` receives. */
export interface ExpertBuild {
  /** Identifies one pooled reward; workers keep the model they built under it until it is disposed. */
  key: string;
  entry: ExpertConfig;
  configDir: string;
  /** JSON path of the entry ("experts/0"), for error messages. */
  path: string;
  image: PoolImageOptions;
}

export type PoolTask = { op: 'describe'; build: ExpertBuild } | { op: 'score'; build: ExpertBuild; samples: WireSample[] };

export type PoolReply =
  | { ok: true; threadId: number; identity: { kind: string; modelId: string; version: string } }
  | { ok: true; threadId: number; results: WireResult[] }
  | { ok: false; threadId: number; error: WireError };

export interface PoolWorkerData {
  /** Modules each worker imports for plugins (package names or file URLs exporting `expertPlugin`). */
  modules: string[];
  /** BroadcastChannel name on which disposals are announced. */
  channel: string;
  /** True when the workers run from TypeScript sources under tsx. */
  source: boolean;
  /** Nice value each worker thread sets on itself (0 = unchanged). */
  nice: number;
}

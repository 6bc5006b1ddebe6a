import type { ExplainDetails } from '../details.js';
import type { ImageLoadOptions } from '../images/load.js';
import type { RewardModelV1 } from '../spec.js';
import type { JSONSchema } from '../validation.js';
import type { BackendPlacement } from './placement.js';
import type { ExpertConfig } from './schema.js';

/** What a plugin's `create` gets besides its own config entry. */
export interface ExpertPluginContext {
  /** Folder relative paths are resolved against (the config file's folder, else the working directory). */
  configDir: string;
  /** JSON path of this expert's entry, e.g. "experts/1", for error messages. */
  path: string;
  /** Resolves a path relative to `configDir` (absolute paths pass through). */
  resolvePath(relativePath: string): string;
  /** The ensemble's image limits, for experts that fetch or decode more images themselves. */
  image: ImageLoadOptions;
}

export type { BackendPlacement } from './placement.js';

/** What a kind runs with no network and no model download: the config entry `--expert KIND` uses, and why it is offline. */
export interface OfflineDefault {
  entry: ExpertConfig;
  /** One line for `t2ir models`' offline column, e.g. "backend tfjs, model centernet (weights ship in …)". */
  note: string;
}

/** What a kind without an offline default needs, with a config entry to copy. */
export interface SetupHint {
  /** "a VQA model: a local transformers.js folder or an OpenAI-compatible server". */
  needs: string;
  example: ExpertConfig;
}

/**
 * How a package makes its expert nameable by `kind` in config files. Expert packages export one as
 * `expertPlugin`, made by `defineExpert` (which derives every field below from one declaration).
 */
export interface ExpertPlugin {
  kind: string;
  /** One line for `t2ir models`. */
  description?: string;
  /** Supported `backend.type` values; the first is the default when the config gives no backend. */
  backends: readonly string[];
  /**
   * JSON Schema of this kind's whole expert entry ({kind, name, weight, backend, options}); declare the keys you
   * read (e.g. `backend.model`, `options.threshold`). Errors are reported with the entry's path ("experts/0/...").
   */
  configSchema?: JSONSchema;
  /** Where each backend type runs (undeclared types: `in-process`). `defineExpert` fills it from its backends. */
  placement?: Readonly<Record<string, BackendPlacement>>;
  /** @deprecated declare `placement: 'pool'` on the backend (defineExpert); still honoured for hand-written plugins. */
  poolBackends?: readonly string[];
  /**
   * Items per pool task (default: each batch split evenly over the threads). 1 suits models that run image by
   * image anyway (TF.js CenterNet): a free worker takes the next image, so one slowed thread does not hold a batch.
   */
  poolChunkSize?: number;
  create(config: ExpertConfig, context: ExpertPluginContext): RewardModelV1 | Promise<RewardModelV1>;
  /** @deprecated declare `placement: 'remote'` on the backend (defineExpert); still honoured for hand-written plugins. */
  remoteBackends?: readonly string[];
  /** One line on why this kind scored what it did, from its `details` (default: core's `explainDetails`). */
  explain?: ExplainDetails;
  /**
   * What of a prompt this kind's score checks. `t2ir score` warns about the parts of a prompt that no expert of
   * the ensemble checks ("attributes not checked", "text not checked"), naming what each expert does check.
   * Undeclared: unknown, and no such warning is given for ensembles with this kind.
   */
  judges?: readonly JudgedAspect[];
  /** The entry `t2ir score --expert KIND` runs without a config, when the kind runs offline. */
  offline?: OfflineDefault;
  /** What the kind needs when it has no offline default (`--expert KIND` alone says so, `t2ir models` shows it). */
  setupHint?: SetupHint;
}

/**
 * A part of a prompt an expert can check: `objects` named, their `counts`, `positions` (spatial relations),
 * `attributes` (colour, material, ...), quoted `text` rendered in the image, or the image as a whole (`overall`:
 * preference / alignment models, which check no part on its own).
 */
export type JudgedAspect = 'objects' | 'counts' | 'positions' | 'attributes' | 'text' | 'overall';

/**
 * A backend that can run an expert of any kind (remote serving engines: `kserve`). When an entry's
 * `backend.type` names one, it builds the model and the kind is only a label (its package is not loaded).
 * Packages export theirs as `backendPlugins`; a config's `plugins` or a registry's `backends` make them usable.
 */
export interface BackendPlugin {
  type: string;
  description?: string;
  /** JSON Schema of the whole expert entry, as for ExpertPlugin. */
  configSchema?: JSONSchema;
  create(config: ExpertConfig, context: ExpertPluginContext): RewardModelV1 | Promise<RewardModelV1>;
}

/** Where a kind's backend runs: its declared placement, else the deprecated lists, else in-process. */
export function placementOfBackend(plugin: Pick<ExpertPlugin, 'placement' | 'poolBackends' | 'remoteBackends'>, type: string): BackendPlacement {
  const declared = plugin.placement && Object.hasOwn(plugin.placement, type) ? plugin.placement[type] : undefined;
  if (declared) return declared;
  if (plugin.remoteBackends?.includes(type)) return 'remote';
  if (plugin.poolBackends?.includes(type)) return 'pool';
  return 'in-process';
}

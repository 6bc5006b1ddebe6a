/**
 * The worker side of a RewardPool (a piscina worker module). Each worker builds an expert from its serialisable
 * config entry on first use (through the same plugin resolution as config files), keeps it for later tasks, and
 * scores the chunks it is sent. Whole-call failures come back as `{ ok: false, error }`; per-item errors stay in
 * their results.
 */
import { BroadcastChannel, threadId, workerData } from 'node:worker_threads';
import os from 'node:os';
import path from 'node:path';
import { assertSupportedModel } from '../ensemble/ensemble.js';
import { prepareExpertEntry } from '../config/config.js';
import type { ExpertPlugin } from '../config/plugin.js';
import { createRewardRegistry, type RewardRegistry } from '../config/registry.js';
import { InvalidConfigError } from '../errors.js';
import type { RewardModelV1 } from '../spec.js';
import { errorToWire, resultToWire, samplesFromWire } from './wire.js';
import type { PoolReply, PoolTask, PoolWorkerData } from './protocol.js';

const data = (workerData ?? {}) as Partial<PoolWorkerData>;
// setpriority(PRIO_PROCESS, 0) acts on the calling thread on Linux (a per-thread nice value under NPTL), so this
// lowers this worker only, never the thread that owns the pool. Elsewhere it is per process: not done there.
if (data.nice && os.platform() === 'linux') {
  try {
    os.setPriority(0, data.nice);
  } catch {
    // A sandbox may forbid it; the pool works at normal priority.
  }
}
const models = new Map<string, Promise<RewardModelV1>>();

let modulePlugins: Promise<ExpertPlugin[]> | undefined;
let registry: RewardRegistry | undefined;

/**
 * Imports a module by name or URL. From TypeScript sources (tests, tsx) a worker's own dynamic `import()` does
 * not pass through tsx's hooks on Node 20, so it goes through tsx's `tsImport`.
 */
async function importModule(specifier: string): Promise<unknown> {
  if (!data.source) return import(specifier);
  const api = 'tsx/esm/api';
  const { tsImport } = (await import(api)) as { tsImport(specifier: string, parent: string): Promise<unknown> };
  return tsImport(specifier, import.meta.url);
}

/** Plugins from the pool's `modules` (each exporting `expertPlugin` and/or `expertPlugins`), imported once. */
function pluginsFromModules(): Promise<ExpertPlugin[]> {
  modulePlugins ??= Promise.all(
    (data.modules ?? []).map(async (specifier) => {
      const module = (await importModule(specifier)) as { expertPlugin?: ExpertPlugin; expertPlugins?: ExpertPlugin[] };
      const plugins = [...(module.expertPlugin ? [module.expertPlugin] : []), ...(module.expertPlugins ?? [])];
      if (plugins.length === 0) throw new InvalidConfigError(`pool module ${specifier} exports no expertPlugin`, { data: { module: specifier } });
      return plugins;
    }),
  ).then((lists) => lists.flat());
  return modulePlugins;
}

async function build(task: PoolTask): Promise<RewardModelV1> {
  const { entry, configDir, path: where, image } = task.build;
  // This worker's own registry: the pool's modules, then each kind's package.
  const plugins = await pluginsFromModules();
  registry ??= createRewardRegistry({ plugins, importModule });
  const plugin = await registry.resolveExpert(entry.kind);
  const expert = prepareExpertEntry(entry, plugin, where, configDir);
  const model = await plugin.create(expert, {
    configDir,
    path: where,
    resolvePath: (relative) => (path.isAbsolute(relative) ? relative : path.resolve(configDir, relative)),
    image,
  });
  assertSupportedModel(model, `the model of ${entry.kind}`);
  return model;
}

function modelFor(task: PoolTask): Promise<RewardModelV1> {
  let model = models.get(task.build.key);
  if (!model) {
    model = build(task);
    models.set(task.build.key, model);
    // A failed build is retried by the next task.
    model.catch(() => models.delete(task.build.key));
  }
  return model;
}

async function disposeModel(key: string): Promise<void> {
  const model = models.get(key);
  if (!model) return;
  models.delete(key);
  await model.then((loaded) => loaded.dispose()).catch(() => undefined);
}

if (data.channel) {
  // The calling thread announces disposed experts here, so every worker frees its copy (not only the one that
  // happens to take a task).
  const channel = new BroadcastChannel(data.channel);
  channel.onmessage = (event) => {
    const message = (event as { data?: { dispose?: unknown } }).data;
    if (typeof message?.dispose === 'string') void disposeModel(message.dispose);
  };
  channel.unref();
}

export default async function handle(task: PoolTask): Promise<PoolReply> {
  try {
    const model = await modelFor(task);
    if (task.op === 'describe') {
      return { ok: true, threadId, identity: { kind: model.kind, modelId: model.modelId, version: model.version } };
    }
    const results = await model.doScore(samplesFromWire(task.samples));
    return { ok: true, threadId, results: results.map(resultToWire) };
  } catch (error) {
    return { ok: false, threadId, error: errorToWire(error) };
  }
}

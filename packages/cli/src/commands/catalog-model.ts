import {
  findCatalogEntry,
  listCatalog,
  readPullManifest,
  resolveModelLocation,
  type CatalogExpert,
  type ExpertConfig,
  type ModelCatalogEntry,
} from '@t2i-reward/core';
import { UsageError } from './usage-error.js';

/**
 * The expert entry for `--model <name>`: the catalog entry's kind / backend / variant, with `backend.model` the
 * pulled folder as core's `resolveModelLocation` finds it (`$T2IR_CACHE/models/<name>`). `kinds` are the `--expert`
 * kinds given with it (at most one, and it must be the model's kind).
 */
export function expertEntryForModel(name: string, kinds: readonly string[] = []): ExpertConfig {
  const entry: ModelCatalogEntry | undefined = findCatalogEntry(name);
  const manifest = entry ? undefined : readPullManifest(name);
  const expert = entry?.expert ?? manifest?.expert;
  if (!expert) {
    const known = listCatalog()
      .map((item) => item.name)
      .join(', ');
    throw new UsageError(`--model ${name}: not in the model catalog (${known}); t2ir models lists each with how to get it`);
  }
  const distinct = [...new Set(kinds)];
  if (distinct.length > 1) throw new UsageError(`--model gives one expert: name at most one --expert kind (got ${distinct.join(', ')})`);
  if (distinct.length === 1 && distinct[0] !== expert.kind)
    throw new UsageError(`--model ${name} is a '${expert.kind}' model, not '${distinct[0]}': drop --expert or give --expert ${expert.kind}`);
  const location = resolveModelLocation(name);
  if (!location.local) {
    const how = entry?.files.length
      ? `run t2ir models pull ${name}`
      : entry?.export
        ? `no ONNX export is published; t2ir models export ${name} prints the command that makes one (then give --config with its folder)`
        : `it is served, not pulled: ${entry?.serve ?? 'see t2ir models'}`;
    throw new Error(`model '${name}' is not in the model cache: ${how}`);
  }
  return catalogExpertConfig(expert, location.location);
}

/** The ensemble config entry a catalog model yields, with `model` as its backend's model (a folder, or a served name). */
export function catalogExpertConfig(expert: CatalogExpert, model: string): ExpertConfig {
  const options = { ...(expert.options ?? {}), ...(expert.variant ? { variant: expert.variant } : {}) };
  return {
    kind: expert.kind,
    ...(expert.backend ? { backend: { ...(expert.backendOptions ?? {}), type: expert.backend, model } } : {}),
    ...(Object.keys(options).length > 0 ? { options } : {}),
  };
}

import { Option, type Command } from 'commander';
import Table from 'cli-table3';
import { loadEnsembleConfig, registryForConfig, T2IRewardError, type ExpertPlugin, type RewardRegistry } from '@t2i-reward/core';
import { catalogStatuses, registerCatalogCommands, renderCatalogTable, type CatalogModelStatus } from './models-catalog.js';
import { cliRegistry } from './registry.js';

export interface ExpertKindInfo {
  kind: string;
  package: string | undefined;
  available: boolean;
  backends: string[];
  /** Backend types every kind can use (e.g. `kserve`: delegate to a KServe v2 / Triton server), and their package. */
  sharedBackends: { type: string; package: string | undefined }[];
  /** What runs with no network and no model download, or what the kind needs instead. */
  offline: string;
  description?: string;
  /** Why it is not available. */
  problem?: string;
  /** Catalog models of this kind and where each stands here: ready offline now, pullable, needs an export, or served. */
  models: CatalogModelStatus[];
}

/** The offline column of a kind, from its declaration: what runs offline, or what it needs instead. */
export function offlineNote(plugin: Pick<ExpertPlugin, 'offline' | 'setupHint'>): string {
  if (plugin.offline) return `yes: ${plugin.offline.note}`;
  if (plugin.setupHint) return `no: needs ${plugin.setupHint.needs}`;
  return "see the plugin's documentation";
}

/** Every kind `registry` knows (built-in and held plugins), whether its package loads here, and what it declares. */
export async function listExpertKinds(registry: RewardRegistry = cliRegistry): Promise<ExpertKindInfo[]> {
  const kinds = registry.kinds();
  const sharedBackends = registry.sharedBackends();
  const catalog = catalogStatuses();
  const modelsOf = (kind: string) => catalog.filter((model) => model.kind === kind);
  return Promise.all(
    kinds.map(async (kind): Promise<ExpertKindInfo> => {
      const packageName = registry.packageOf(kind);
      try {
        const plugin = await registry.resolveExpert(kind);
        return {
          kind,
          package: packageName,
          available: true,
          backends: [...plugin.backends],
          sharedBackends,
          offline: offlineNote(plugin),
          ...(plugin.description ? { description: plugin.description } : {}),
          models: modelsOf(kind),
        };
      } catch (error) {
        const problem =
          T2IRewardError.isInstance(error) && typeof error.data?.reason === 'string'
            ? ({ 'not-installed': 'not installed', 'no-plugin': 'no expert plugin exported yet', 'load-failed': 'fails to load' }[error.data.reason] ??
              error.message)
            : (error as Error).message;
        return {
          kind,
          package: packageName,
          available: false,
          backends: [],
          sharedBackends,
          offline: 'unknown',
          problem,
          models: modelsOf(kind),
        };
      }
    }),
  );
}

export function registerModelsCommand(program: Command, setExitCode: (code: number) => void = () => undefined): void {
  const models = program
    .command('models')
    .summary('list the expert kinds and their backends')
    .description(
      "List the expert kinds a config file can name (the built-in packages, and with --config the plugins it loads), whether each package is installed and loads, the backend types it supports (backend.type in configs) and what runs offline: each from the kind's own declaration.",
    )
    .addOption(new Option('--json', 'print a JSON array instead of a table'))
    .addOption(new Option('--config <file>', "also list the kinds of the config's plugins (its `plugins` modules)"))
    .action(async (flags: { json?: boolean; config?: string }) => {
      const registry = flags.config ? await registryForConfig(await loadEnsembleConfig(flags.config), { registry: cliRegistry }) : cliRegistry;
      const kinds = await listExpertKinds(registry);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(kinds, null, 2)}\n`);
        return;
      }
      const table = new Table({
        head: ['kind', 'package', 'status', 'backends', 'offline?', 'description'],
        colWidths: [10, 24, 14, 22, 36, 40],
        wordWrap: true,
        style: { head: [], border: [] },
      });
      for (const info of kinds) {
        const backends = [...info.backends, ...info.sharedBackends.map((shared) => `${shared.type}*`)];
        table.push([
          info.kind,
          info.package ?? '',
          info.available ? 'available' : (info.problem ?? 'unavailable'),
          backends.join(', '),
          offlineNow(info),
          info.description ?? '',
        ]);
      }
      const shared = registry
        .sharedBackends()
        .map((backend) => (backend.package ? `${backend.type} (${backend.package})` : backend.type))
        .join(', ');
      process.stdout.write(`${table.toString()}\n* shared backends, usable by every kind: ${shared}: delegate scoring to a KServe v2 / Triton reward server\n`);
      process.stdout.write(
        `\nModel catalog (t2ir models pull <name>; cache: $T2IR_CACHE/models):\n${renderCatalogTable(kinds.flatMap((info) => info.models))}\n`,
      );
    });
  registerCatalogCommands(models, setExitCode);
}

/** The offline column: the kind's note, then its catalog models that are ready now or a pull away. */
function offlineNow(info: ExpertKindInfo): string {
  const ready = info.models.filter((model) => model.status === 'ready').map((model) => model.name);
  const pullable = info.models.filter((model) => model.status === 'pullable').map((model) => model.name);
  if (ready.length > 0) return `yes: pulled ${ready.join(', ')} (t2ir score --model NAME)`;
  return pullable.length > 0 ? `${info.offline}; or t2ir models pull ${pullable.join(' | ')}` : info.offline;
}

import { Option, type Command } from 'commander';
import Table from 'cli-table3';
import { BUILTIN_BACKEND_PACKAGES, BUILTIN_EXPERT_KINDS, expertPackageName, listExpertPlugins, resolveExpertPlugin, T2IRewardError } from '@t2i-reward/core';
import { catalogStatuses, registerCatalogCommands, renderCatalogTable, type CatalogModelStatus } from './models-catalog.js';

export interface ExpertKindInfo {
  kind: string;
  package: string | undefined;
  available: boolean;
  backends: string[];
  /** Backend types every kind can use (e.g. `kserve`: delegate to a KServe v2 / Triton server), and their package. */
  sharedBackends: { type: string; package: string }[];
  /** What runs with no network and no model download, or what the kind needs instead. */
  offline: string;
  description?: string;
  /** Why it is not available. */
  problem?: string;
  /** Catalog models of this kind and where each stands here: ready offline now, pullable, needs an export, or served. */
  models: CatalogModelStatus[];
}

/**
 * What each built-in kind can run offline, right after `npm install`: only models whose weights ship inside an npm
 * package do; the others need a model folder (exported weights) or a server.
 */
export const OFFLINE_NOTES: Record<string, string> = {
  detector: 'yes: backend tfjs, model centernet (COCO-80 weights ship in @vladmandic/human)',
  ocr: 'yes: tesseract (English LSTM weights ship in @tesseract.js-data/eng)',
  compressibility: 'yes: no model (JPEG size with sharp)',
  safety: 'yes: backend tfjs, nsfwjs MobileNetV2 / InceptionV3 (weights ship in the nsfwjs package)',
  aesthetic: 'no: needs a CLIP ViT-L/14 folder with the LAION head (t2ir models pull clip-vit-l14, then t2ir models export laion-aesthetic)',
  vqa: 'no: needs a local model folder (transformers / onnx) or an OpenAI-compatible server',
  orm: 'no: needs a local model folder (transformers / onnx) or an OpenAI-compatible server',
  hpm: 'no: needs a local CLIP / HPS / PickScore / ImageReward folder',
  judge: 'no: needs an OpenAI-compatible server running the judge (e.g. UnifiedReward on vLLM)',
};

const SHARED_BACKENDS = Object.entries(BUILTIN_BACKEND_PACKAGES).map(([type, pkg]) => ({ type, package: pkg }));

/** Every known expert kind (built-in and registered) and whether its package loads here. */
export async function listExpertKinds(): Promise<ExpertKindInfo[]> {
  const kinds = [...new Set([...BUILTIN_EXPERT_KINDS, ...listExpertPlugins().map((plugin) => plugin.kind)])];
  const catalog = catalogStatuses();
  const modelsOf = (kind: string) => catalog.filter((model) => model.kind === kind);
  return Promise.all(
    kinds.map(async (kind): Promise<ExpertKindInfo> => {
      const packageName = expertPackageName(kind);
      try {
        const plugin = await resolveExpertPlugin(kind, { importModule: (specifier) => import(specifier) });
        return {
          kind,
          package: packageName,
          available: true,
          backends: [...plugin.backends],
          sharedBackends: SHARED_BACKENDS,
          offline: OFFLINE_NOTES[kind] ?? "see the plugin's documentation",
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
          sharedBackends: SHARED_BACKENDS,
          offline: OFFLINE_NOTES[kind] ?? 'unknown',
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
      'List the expert kinds a config file can name (detector, vqa, orm, hpm, ocr, compressibility, safety, aesthetic and registered plugins), whether each package is installed and loads, and the backend types it supports (backend.type in configs).',
    )
    .addOption(new Option('--json', 'print a JSON array instead of a table'))
    .action(async (flags: { json?: boolean }) => {
      const kinds = await listExpertKinds();
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
      const shared = SHARED_BACKENDS.map((backend) => `${backend.type} (${backend.package})`).join(', ');
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

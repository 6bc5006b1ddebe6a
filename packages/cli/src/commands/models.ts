import { Option, type Command } from 'commander';
import Table from 'cli-table3';
import { BUILTIN_EXPERT_KINDS, expertPackageName, listExpertPlugins, resolveExpertPlugin, T2IRewardError } from '@t2i-reward/core';

export interface ExpertKindInfo {
  kind: string;
  package: string | undefined;
  available: boolean;
  backends: string[];
  description?: string;
  /** Why it is not available. */
  problem?: string;
}

/** Every known expert kind (built-in and registered) and whether its package loads here. */
export async function listExpertKinds(): Promise<ExpertKindInfo[]> {
  const kinds = [...new Set([...BUILTIN_EXPERT_KINDS, ...listExpertPlugins().map((plugin) => plugin.kind)])];
  return Promise.all(kinds.map(async (kind): Promise<ExpertKindInfo> => {
    const packageName = expertPackageName(kind);
    try {
      const plugin = await resolveExpertPlugin(kind, { importModule: (specifier) => import(specifier) });
      return {
        kind,
        package: packageName,
        available: true,
        backends: [...plugin.backends],
        ...(plugin.description ? { description: plugin.description } : {}),
      };
    } catch (error) {
      const problem = T2IRewardError.isInstance(error) && typeof error.data?.reason === 'string'
        ? { 'not-installed': 'not installed', 'no-plugin': 'no expert plugin exported yet', 'load-failed': 'fails to load' }[error.data.reason] ?? error.message
        : (error as Error).message;
      return { kind, package: packageName, available: false, backends: [], problem };
    }
  }));
}

export function registerModelsCommand(program: Command): void {
  program
    .command('models')
    .summary('list the expert kinds and their backends')
    .description('List the expert kinds a config file can name (detector, vqa, orm, hpm, ocr and registered plugins), whether each package is installed and loads, and the backend types it supports (backend.type in configs).')
    .addOption(new Option('--json', 'print a JSON array instead of a table'))
    .action(async (flags: { json?: boolean }) => {
      const kinds = await listExpertKinds();
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(kinds, null, 2)}\n`);
        return;
      }
      const table = new Table({ head: ['kind', 'package', 'status', 'backends', 'description'], colWidths: [10, 24, 18, 18, 60], wordWrap: true, style: { head: [], border: [] } });
      for (const info of kinds) {
        table.push([info.kind, info.package ?? '', info.available ? 'available' : (info.problem ?? 'unavailable'), info.backends.join(', '), info.description ?? '']);
      }
      process.stdout.write(`${table.toString()}\n`);
    });
}

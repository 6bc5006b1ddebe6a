import type { Command } from 'commander';

// Placeholder until its issue lands: registers the command so --help lists it.
export function registerModelsCommand(program: Command): void {
  program
    .command('models')
    .description('(not available yet)')
    .action(() => {
      throw new Error('t2ir models is not available in this build yet');
    });
}

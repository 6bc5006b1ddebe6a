import type { Command } from 'commander';

// Placeholder until its issue lands: registers the command so --help lists it.
export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description('(not available yet)')
    .action(() => {
      throw new Error('t2ir train is not available in this build yet');
    });
}

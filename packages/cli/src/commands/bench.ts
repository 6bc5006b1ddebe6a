import type { Command } from 'commander';

// Placeholder until its issue lands: registers the command so --help lists it.
export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('(not available yet)')
    .action(() => {
      throw new Error('t2ir bench is not available in this build yet');
    });
}

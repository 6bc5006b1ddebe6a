import type { Command } from 'commander';

// Placeholder until its issue lands: registers the command so --help lists it.
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('(not available yet)')
    .action(() => {
      throw new Error('t2ir serve is not available in this build yet');
    });
}

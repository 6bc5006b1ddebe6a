import type { Command } from 'commander';

// Placeholder until its issue lands: registers the command so --help lists it.
export function registerScoreCommand(program: Command): void {
  program
    .command('score')
    .description('(not available yet)')
    .action(() => {
      throw new Error('t2ir score is not available in this build yet');
    });
}

import type { Command } from 'commander';
import { registerBenchCommand as registerBench } from '@t2i-reward/benchmarks';

/**
 * `t2ir bench` (run), `t2ir bench merge`, `t2ir bench compare`, `t2ir bench report`: the harness and its
 * commander definition live in @t2i-reward/benchmarks so its standalone entry runs the very same code.
 */
export function registerBenchCommand(program: Command, setExitCode: (code: number) => void): void {
  registerBench(program, setExitCode);
}

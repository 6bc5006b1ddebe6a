/** argv of a small seeded `t2ir train --demo` run (scene reward, cpu runtime) of `steps` steps writing to `out`, then `extra`. */
export function demoTrainArgv(steps: number, out: string, ...extra: string[]): string[] {
  return ['train', '--demo', '--reward', 'scene', '--runtime', 'cpu', '--steps', String(steps), '--out', out, '--seed', '1', ...extra];
}

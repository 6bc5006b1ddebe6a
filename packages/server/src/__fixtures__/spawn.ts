import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const fixture = fileURLToPath(new URL('./serve-fixture.ts', import.meta.url));

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** stdout lines after the first. */
  lines: string[];
  exited: Promise<number | null>;
}

/** Starts serve-fixture.ts in a child process (from source, through tsx) and waits for its URL. */
export async function spawnServer(mode: 'gated' | 'bright' | 'rounds' | 'replica'): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--conditions=t2ir-source', '--import', 'tsx', fixture, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines: string[] = [];
  const reader = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    reader.on('line', (line) => {
      if (lines.length === 0 && line.startsWith('{')) {
        lines.push(line);
        resolve((JSON.parse(line) as { url: string }).url);
      } else lines.push(line);
    });
    void exited.then((code) => reject(new Error(`server fixture exited (${code}) before listening: ${stderr}`)));
  });
  lines.shift();
  return { child, url, lines, exited };
}

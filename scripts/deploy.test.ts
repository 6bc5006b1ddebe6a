import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseShard } from '@t2i-reward/benchmarks';
import { createProgram } from '@t2i-reward/cli';
import { createEnsemble, parseEnsembleConfig } from '@t2i-reward/core';
import { createMockReward } from '@t2i-reward/core/test';
import { createRewardServer } from '@t2i-reward/server';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

// Every file in deploy/ is read as its engine reads it: YAML parsed, container arguments run through the CLI's
// own option parser (commander, with each command's action replaced by a recorder), probe paths requested from a
// real server on loopback. A renamed flag, a wrong port or a missing probe route fails here, not on a cluster.

/** The CLI's own commander type (the root's `commander` is another major version). */
type Command = Awaited<ReturnType<typeof createProgram>>;

const deployDir = fileURLToPath(new URL('../deploy/', import.meta.url));

interface Invocation {
  command: string;
  options: Record<string, unknown>;
  args: unknown[];
}

/** Parses `argv` (after the binary) with the real `t2ir` program; returns what the matched action would get. */
async function parseWithCli(argv: string[]): Promise<Invocation> {
  let invocation: Invocation | undefined;
  const program = await createProgram(() => {});
  const record = (command: Command) => {
    command.action((...received: unknown[]) => {
      const self = received.at(-1) as Command;
      invocation = { command: commandPath(self), options: self.opts(), args: received.slice(0, -2) };
    });
    command.commands.forEach(record);
  };
  program.commands.forEach(record);
  program.exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  for (const command of program.commands) command.exitOverride();
  await program.parseAsync(argv, { from: 'user' });
  if (!invocation) throw new Error(`no command ran for: ${argv.join(' ')}`);
  return invocation;
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** Kubernetes `$(VAR)` expansion in command / args, from the container's environment. */
function expandKubernetes(arg: string, env: Record<string, string>): string {
  return arg.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => env[name] ?? whole);
}

interface Probe {
  path: string;
  port: number | string;
}
interface Container {
  name: string;
  args?: string[];
  command?: string[];
  env?: { name: string; value?: string }[];
  ports?: { containerPort: number; name?: string }[];
  readinessProbe?: { httpGet: Probe };
  livenessProbe?: { httpGet: Probe };
}

interface PodSpec {
  containers: Container[];
}
/** The fields of a Kubernetes object this test reads. */
interface Manifest {
  kind: string;
  spec?: { completionMode?: string; completions?: number; predictor?: PodSpec; template?: { spec?: PodSpec } };
  data?: Record<string, string>;
}

async function manifests(): Promise<{ file: string; doc: Manifest }[]> {
  const dir = path.join(deployDir, 'kubernetes');
  const out: { file: string; doc: Manifest }[] = [];
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort()) {
    const docs = parseAllDocuments(await readFile(path.join(dir, file), 'utf8'));
    for (const doc of Array.isArray(docs) ? docs : [docs]) {
      expect(doc.errors, `${file}: ${doc.errors.map((e) => e.message).join('; ')}`).toEqual([]);
      out.push({ file, doc: doc.toJS() as Manifest });
    }
  }
  return out;
}

/** The pod spec of a workload (Deployment, Job, KServe predictor). */
function podSpec(doc: Manifest): PodSpec | undefined {
  return doc.kind === 'InferenceService' ? doc.spec?.predictor : doc.spec?.template?.spec;
}

describe('deploy/: manifests, container commands and probes', () => {
  it('every manifest parses; every container command is valid for the CLI; probes hit the port serve listens on', async () => {
    const docs = await manifests();
    expect(new Set(docs.map((d) => d.doc.kind))).toEqual(
      new Set(['InferenceService', 'ConfigMap', 'Deployment', 'Service', 'HorizontalPodAutoscaler', 'Job', 'PersistentVolumeClaim']),
    );
    const probePaths = new Set<string>();
    let containers = 0;
    for (const { file, doc } of docs) {
      const spec = podSpec(doc);
      if (!spec) continue;
      for (const container of spec.containers) {
        containers++;
        const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value ?? '']));
        const completions = doc.kind === 'Job' && doc.spec?.completionMode === 'Indexed' ? Number(doc.spec.completions) : 1;
        for (let index = 0; index < completions; index++) {
          const podEnv = doc.spec?.completionMode === 'Indexed' ? { ...env, JOB_COMPLETION_INDEX: String(index) } : env;
          const argv = (container.args ?? []).map((arg) => expandKubernetes(arg, podEnv));
          const run = await parseWithCli(argv);
          if (run.command === 'serve') {
            const port = Number(run.options.port);
            // Probes go to --health-port where the container has one, else to the scoring port.
            const healthPort = run.options.healthPort === undefined ? port : Number(run.options.healthPort);
            const containerPorts = container.ports?.map((p) => p.containerPort);
            expect(containerPorts, `${file} ${container.name}`).toContain(port);
            expect(containerPorts, `${file} ${container.name}`).toContain(healthPort);
            for (const probe of [container.readinessProbe, container.livenessProbe]) {
              expect(probe, `${file}: ${container.name} needs readiness and liveness probes`).toBeDefined();
              const probePort =
                typeof probe!.httpGet.port === 'number' ? probe!.httpGet.port : container.ports!.find((p) => p.name === probe!.httpGet.port)?.containerPort;
              expect(probePort, `${file}: probe port`).toBe(healthPort);
              probePaths.add(probe!.httpGet.path);
            }
            expect(run.options.host).toBe('0.0.0.0');
          }
          if (run.command === 'bench' && run.options.shard === 'auto') {
            // The Job tells each pod the count it runs under, and it is the Job's own.
            const shard = parseShard('auto', podEnv);
            expect(shard).toEqual({ index, count: Number(doc.spec?.completions) });
            expect(run.options.out).toBe(`/data/runs/shard-${index}`);
          }
          if (run.command === 'bench merge') {
            const shardJob = docs.find((d) => d.doc.kind === 'Job' && d.doc.spec?.completionMode === 'Indexed')!.doc;
            const inputs = (run.args[1] as string[]).slice().sort();
            expect(inputs).toEqual([...Array(Number(shardJob.spec?.completions)).keys()].map((i) => `/data/runs/shard-${i}`));
          }
        }
      }
    }
    expect(containers).toBe(4);
    expect([...probePaths].sort()).toEqual(['/v2/health/live', '/v2/health/ready']);

    // Every ensemble a ConfigMap ships is a valid config.
    for (const { doc } of docs.filter((d) => d.doc.kind === 'ConfigMap')) {
      expect(() => parseEnsembleConfig(JSON.parse(doc.data!['ensemble.json']!))).not.toThrow();
    }

    // The probe paths answer 200 on a real server once it is ready: on its scoring port and on its health port.
    const server = createRewardServer({ ensemble: createEnsemble({ experts: [{ name: 'mock', model: createMockReward() }] }), healthPort: 0 });
    await server.listen();
    try {
      await server.ready;
      for (const base of [server.url, server.healthUrl!]) {
        for (const probe of probePaths) expect((await fetch(`${base}${probe}`)).status, `${base}${probe}`).toBe(200);
      }
    } finally {
      await server.close();
    }
  });

  it('the Dockerfile runs the CLI as PID 1 with valid arguments, as a non-root user, with a health check on a live route', async () => {
    const text = await readFile(path.join(deployDir, 'Dockerfile'), 'utf8');
    const jsonArray = (instruction: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${instruction} [`));
      expect(line, instruction).toBeDefined();
      return JSON.parse(line!.slice(instruction.length + 1)) as string[];
    };
    const entrypoint = jsonArray('ENTRYPOINT');
    expect(entrypoint).toEqual(['node', '/app/packages/cli/dist/bin.js']);
    const run = await parseWithCli(jsonArray('CMD'));
    expect(run.command).toBe('serve');
    expect(text).toMatch(/^USER node$/m);
    expect(text).toMatch(/^FROM .* AS runtime$/m);
    const health = text.split('\n').find((l) => l.startsWith('HEALTHCHECK'))!;
    expect(health).toContain(`http://127.0.0.1:${String(run.options.port)}/v2/health/live`);
  });

  it('the Slurm scripts: each t2ir line parses, the array size is the merge count, --shard auto takes the task id', async () => {
    const sbatch = await readFile(path.join(deployDir, 'slurm/bench-array.sbatch'), 'utf8');
    const submit = await readFile(path.join(deployDir, 'slurm/submit-bench.sh'), 'utf8');
    const [, first, last] = /^#SBATCH --array=(\d+)-(\d+)$/m.exec(sbatch)!;
    const count = Number(last) - Number(first) + 1;
    const shell = (line: string, env: Record<string, string>) =>
      // Words of quoted and bare parts ("$RUNS"/shard-0 is one word); quotes removed, $VAR / ${VAR} expanded.
      [...line.matchAll(/(?:"[^"]*"|'[^']*'|[^\s"']+)+/g)].map((m) =>
        m[0].replace(/"([^"]*)"|'([^']*)'/g, '$1$2').replace(/\$\{?([A-Za-z_]+)\}?/g, (_, name: string) => env[name] ?? ''),
      );
    for (let task = Number(first); task <= Number(last); task++) {
      const env = { RUNS: 'runs', IMAGES: 'images', SLURM_ARRAY_TASK_ID: String(task), SLURM_CPUS_PER_TASK: '4' };
      const line = sbatch.split('\n').find((l) => l.startsWith('npx t2ir '))!;
      const run = await parseWithCli(shell(line, env).slice(2));
      expect(run.command).toBe('bench');
      expect(run.options.shard).toBe('auto');
      expect(parseShard('auto', { SLURM_ARRAY_TASK_ID: String(task), SLURM_ARRAY_TASK_MIN: first!, SLURM_ARRAY_TASK_COUNT: String(count) })).toEqual({
        index: task - Number(first),
        count,
      });
      expect(run.options.out).toBe(`runs/shard-${task}`);
    }
    const wrapped = /--wrap '([^']+)'/.exec(submit)![1]!;
    const merge = await parseWithCli(shell(wrapped, { RUNS: 'runs' }).slice(2));
    expect(merge.command).toBe('bench merge');
    expect(merge.args[0]).toBe('runs/merged');
    expect(merge.args[1]).toEqual([...Array(count).keys()].map((i) => `runs/shard-${i + Number(first)}`));
  });
});

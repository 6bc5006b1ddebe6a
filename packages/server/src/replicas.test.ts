import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createKServeReward } from '@t2i-reward/kserve';
import { createTestImage, meanBrightness } from '@t2i-reward/core/test';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnServer, type ServerProcess } from './__fixtures__/spawn.js';

// Three real server processes ("replica" fixture: 30 ms a batch, queue of 2, Retry-After 1) behind a client that
// knows all three. One replica is SIGKILLed mid-run: every item must come back exactly once, with its own score,
// and the clients must have waited on 429s as Retry-After says.

const clientDir = fileURLToPath(new URL('../../../clients/python/', import.meta.url));
const ITEMS = 36;
/** Item i is a grey image of level 5·i: its mock score (mean brightness) names the item. */
const level = (i: number) => 5 * i + 10;

let replicas: ServerProcess[] = [];
afterEach(() => {
  for (const replica of replicas) replica.child.kill('SIGKILL');
  replicas = [];
});

const pythonRun = `
import json, sys, threading
from concurrent.futures import ThreadPoolExecutor
from t2i_reward_client import RewardClient, png_bytes
client = RewardClient(retries=8, cooldown=60)
done = 0
lock = threading.Lock()
def one(i):
    global done
    level = 5 * i + 10
    result = client.score([png_bytes(bytes([level]) * 12, 2, 2)], [f"item {i}"])
    with lock:
        done += 1
        print(f"done {done}", flush=True)
    return i, result
with ThreadPoolExecutor(12) as pool:
    answers = list(pool.map(one, range(${ITEMS})))
print(json.dumps({"answers": answers, "backoffs": client.backoffs, "failovers": client.failovers}), flush=True)
`;

describe('several replicas, one killed mid-run', () => {
  it('the Python client: every item answered exactly once with its own score, 429s waited out, the dead replica skipped', async () => {
    replicas = await Promise.all([0, 1, 2].map(() => spawnServer('replica')));
    const child = spawn('python3', ['-c', pythonRun], {
      cwd: clientDir,
      env: { ...process.env, T2IR_URL: replicas.map((r) => r.url).join(','), PYTHONDONTWRITEBYTECODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    let last = '';
    let killed = false;
    for await (const line of createInterface({ input: child.stdout })) {
      if (!killed && line === 'done 6') {
        replicas[0]!.child.kill('SIGKILL');
        killed = true;
      }
      last = line;
    }
    const code = await new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', resolve)));
    expect(code, stderr).toBe(0);
    expect(killed).toBe(true);
    const { answers, backoffs, failovers } = JSON.parse(last) as { answers: [number, { reward: number }[]][]; backoffs: number[]; failovers: number };
    expect(answers.map(([i]) => i)).toEqual([...Array(ITEMS).keys()]);
    for (const [i, results] of answers) {
      expect(results).toHaveLength(1);
      expect(results[0]!.reward).toBeCloseTo(level(i) / 255, 10);
    }
    // Twelve threads against three queues of two: some rounds found every live replica full.
    expect(backoffs.length).toBeGreaterThan(0);
    expect(backoffs.every((seconds) => seconds === 1)).toBe(true);
    expect(failovers).toBeGreaterThan(0);
  });

  it('the kserve backend: every item answered exactly once, 429s waited out as Retry-After says', async () => {
    replicas = await Promise.all([0, 1, 2].map(() => spawnServer('replica')));
    const statuses: number[] = [];
    const reward = createKServeReward({
      endpoints: replicas.map((r) => r.url),
      model: 't2i-reward',
      retries: 8,
      healthCheckIntervalMs: 0,
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        statuses.push(response.status);
        return response;
      },
    });
    let done = 0;
    let killed = false;
    const scoreOne = async (i: number) => {
      const [result] = await reward.doScore([{ image: createTestImage(2, 2, [level(i), level(i), level(i)]), prompt: `item ${i}` }]);
      if (++done === 6 && !killed) {
        killed = true;
        replicas[1]!.child.kill('SIGKILL');
      }
      return result!;
    };
    // Twelve callers at once, each scoring its share in turn.
    const results = new Array<Awaited<ReturnType<typeof scoreOne>>>(ITEMS);
    await Promise.all(
      [...Array(12).keys()].map(async (worker) => {
        for (let i = worker; i < ITEMS; i += 12) results[i] = await scoreOne(i);
      }),
    );
    await reward.dispose();
    expect(killed).toBe(true);
    results.forEach((result, i) => {
      expect(result.error, `item ${i}`).toBeUndefined();
      // REWARD travels as FP32.
      expect(result.score).toBeCloseTo(meanBrightness(createTestImage(2, 2, [level(i), level(i), level(i)])), 6);
    });
    expect(statuses).toContain(429);
    expect(reward.backoffs().length).toBeGreaterThan(0);
    expect(reward.backoffs().every((ms) => ms === 1000)).toBe(true);
    const dead = reward.endpointStatus().find((endpoint) => endpoint.url === replicas[1]!.url.replace(/\/+$/, ''));
    expect(dead?.healthy).toBe(false);
  });
});

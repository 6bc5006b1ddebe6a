import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from './__fixtures__/run-cli.js';
import { demoTrainArgv } from './__fixtures__/train-demo.js';
import { demoPlanLine, demoProgressLine, demoWorkload } from './train.js';

// `t2ir train --demo` says up front what it will compute and about how long that takes, then the speed measured
// on this machine after the step-0 evaluation.

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 't2ir-train-duration-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('t2ir train --demo: the expected duration up front', () => {
  it('counts the images a run draws and scores: 32 a step, 80 an evaluation (step 0, every 10, the last), 10 samples', () => {
    expect(demoWorkload(60)).toMatchObject({ perStep: 32, evaluations: 7, perEvaluation: 80, images: 60 * 32 + 7 * 80 + 10 });
    expect(demoWorkload(3)).toMatchObject({ evaluations: 2, images: 3 * 32 + 2 * 80 + 10 });
  });

  it('the default 60 steps: about 7 min at the measured 11.7 steps/min on 2 idle cores; a 3-step run in about a minute', () => {
    expect(demoPlanLine(60, 'detector')).toBe(
      't2ir train --demo: 60 steps × 32 images + 7 evaluations × 80 images (2490 images drawn and scored by CenterNet): about 7 min on 2 idle cores (11.7 steps/min measured) plus loading the models, longer on a busy machine; the step-0 evaluation comes first',
    );
    expect(demoPlanLine(3, 'detector')).toMatch(/\(266 images .*\): about 43 s on 2 idle cores/);
    expect(demoPlanLine(60, 'scene')).toMatch(/scene reward .*seconds/);
  });

  it("after the step-0 evaluation: this machine's speed and the time left at it", () => {
    // 80 images in 40 s = 2 images/s; 2490 − 80 images left → about 20 min.
    expect(demoProgressLine(60, 40)).toBe('step-0 evaluation: 80 images in 40 s (models loaded; 2.0 images/s here): about 20 min to go for 60 steps');
  });

  it('the plan line is the first thing on stderr (not with --json)', async () => {
    const plain = await runCliCaptured(...demoTrainArgv(1, path.join(dir, 'a'), '--no-progress'));
    expect(plain.code).toBe(0);
    expect(plain.stderr.split('\n')[0]).toBe('t2ir train --demo: 1 steps on the scene reward (no images drawn): seconds');
    const json = await runCliCaptured(...demoTrainArgv(1, path.join(dir, 'b'), '--no-progress', '--json'));
    expect(json.code).toBe(0);
    expect(json.stderr).not.toContain('t2ir train --demo:');
  });
});

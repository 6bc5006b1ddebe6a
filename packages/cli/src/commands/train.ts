import path from 'node:path';
import { Option, type Command } from 'commander';
import { GRPO_PRESETS, latestCheckpoint, trainFromConfig, type GrpoPresetName, type MetricsRecord } from '@t2i-reward/trainer';
import { DEMO_EVAL_EVERY, DEMO_EVAL_GROUP_SIZE, DEMO_SETTINGS, HELD_OUT_PROMPTS, runDemo, TRAIN_EVAL_PROMPTS } from '@t2i-reward/trainer/demo';
import { integer, nonNegativeInteger, positiveInteger, positiveNumber, unitInterval } from './arguments.js';
import { failCommand, poolOption, THREADS_FLAG_HELP } from './ensemble-setup.js';

interface TrainFlags {
  demo?: boolean;
  config?: string;
  steps?: number;
  out?: string;
  seed?: number;
  minutes?: number;
  resume?: boolean;
  runtime?: 'auto' | 'wasm' | 'cpu' | 'tfjs-node-gpu';
  reward?: 'detector' | 'scene';
  preset?: GrpoPresetName;
  progress?: boolean;
  json?: boolean;
  copyPenalty?: number;
  earlyStopping?: number;
  sampleAhead?: boolean;
  threads?: number;
}

function lastEval(records: readonly MetricsRecord[], split: MetricsRecord['split']): number | undefined {
  return records.filter((r) => r.split === split).at(-1)?.reward.mean;
}

/** The step of the checkpoint `<out>/checkpoints/latest` points at, or undefined when none was saved. */
export async function savedCheckpoint(outDir: string): Promise<{ step: number; dir: string } | undefined> {
  const dir = await latestCheckpoint(path.join(outDir, 'checkpoints'));
  if (!dir) return undefined;
  const step = Number(/step-(\d+)$/.exec(dir)?.[1] ?? Number.NaN);
  return Number.isFinite(step) ? { step, dir } : undefined;
}

/** `--resume` with no checkpoint to resume from: said on stderr, and the run starts from step 0. */
async function resumeOrStartOver(outDir: string, resume: boolean | undefined): Promise<boolean> {
  if (!resume) return false;
  if (await savedCheckpoint(outDir)) return true;
  process.stderr.write(`t2ir train: --resume: nothing to resume in ${outDir} (no checkpoint in ${path.join(outDir, 'checkpoints')}); starting from step 0\n`);
  return false;
}

/** What Ctrl-C left: the steps done and whether a checkpoint lets --resume continue (and from which step). */
export function interruptedMessage(stepsDone: number, saved: { step: number; dir: string } | undefined): string {
  if (!saved) {
    return stepsDone === 0
      ? 'interrupted at step 0: nothing was trained and no checkpoint saved; run the same command again (without --resume) to start over'
      : `interrupted after step ${stepsDone}: the curve and summary cover it, but no checkpoint was saved yet (one is written every 10 steps and at the end), so there is nothing to resume: run again without --resume to start over`;
  }
  return `interrupted after step ${stepsDone}: the curve and summary cover it; the checkpoint of step ${saved.step} is saved (${saved.dir}): add --resume to continue from step ${saved.step}`;
}

/** The demo's reference speed: `npm run bench:pool` on 2 otherwise idle cores, CenterNet in the pool (trainer README). */
export const DEMO_REFERENCE_STEPS_PER_MINUTE = 11.7;

/** What a --demo run of `steps` steps draws and scores: training batches, evaluations (step 0, every 10, the last), samples. */
export function demoWorkload(steps: number, evalEvery = DEMO_EVAL_EVERY, evalGroupSize = DEMO_EVAL_GROUP_SIZE) {
  const perStep = (DEMO_SETTINGS.groupSize ?? 8) * (DEMO_SETTINGS.promptsPerStep ?? 4);
  const evaluations = 1 + Math.floor(steps / evalEvery) + (steps % evalEvery === 0 ? 0 : 1);
  const perEvaluation = (HELD_OUT_PROMPTS.length + TRAIN_EVAL_PROMPTS.length) * evalGroupSize;
  const images = steps * perStep + evaluations * perEvaluation + HELD_OUT_PROMPTS.length;
  // The reference speed in images a second (a step's update included), for the whole run's estimate.
  const referenceImagesPerSecond = (DEMO_REFERENCE_STEPS_PER_MINUTE * perStep) / 60;
  return { perStep, evaluations, perEvaluation, images, expectedMinutes: images / referenceImagesPerSecond / 60 };
}

const minutesText = (minutes: number): string => (minutes < 1.5 ? `${Math.max(1, Math.round(minutes * 60))} s` : `${Math.round(minutes)} min`);

/**
 * The demo's up-front line (stderr): what it will compute and about how long that takes at the reference speed,
 * so a new user knows a 60-step run is minutes, not seconds.
 */
export function demoPlanLine(steps: number, reward: 'detector' | 'scene'): string {
  const work = demoWorkload(steps);
  if (reward === 'scene') return `t2ir train --demo: ${steps} steps on the scene reward (no images drawn): seconds`;
  return (
    `t2ir train --demo: ${steps} steps × ${work.perStep} images + ${work.evaluations} evaluations × ${work.perEvaluation} images ` +
    `(${work.images} images drawn and scored by CenterNet): about ${minutesText(work.expectedMinutes)} on 2 idle cores ` +
    `(${DEMO_REFERENCE_STEPS_PER_MINUTE} steps/min measured) plus loading the models, longer on a busy machine; the step-0 evaluation comes first`
  );
}

/** After the step-0 evaluation: the speed measured here and the time left for the whole run at that speed. */
export function demoProgressLine(steps: number, seconds: number): string {
  const work = demoWorkload(steps);
  const rate = work.perEvaluation / Math.max(seconds, 1e-3);
  const left = (work.images - work.perEvaluation) / rate / 60;
  return `step-0 evaluation: ${work.perEvaluation} images in ${Math.round(seconds)} s (models loaded; ${rate.toFixed(1)} images/s here): about ${minutesText(left)} to go for ${steps} steps`;
}

async function runTrain(flags: TrainFlags): Promise<number> {
  const progress = flags.progress !== false;
  if (flags.demo) {
    const outDir = path.resolve(flags.out ?? 't2ir-demo');
    const resume = await resumeOrStartOver(outDir, flags.resume);
    // Ctrl-C stops after writing the curve and summary of the steps done (as `bench` writes its reports).
    const interrupt = new AbortController();
    const onSigint = () => interrupt.abort(new Error('interrupted'));
    process.once('SIGINT', onSigint);
    const steps = flags.steps ?? 60;
    const reward = flags.reward ?? 'detector';
    const started = performance.now();
    let evaluated = false;
    if (!flags.json) process.stderr.write(`${demoPlanLine(steps, reward)}\n`);
    const summary = await runDemo({
      // The first feedback with numbers: the speed of this machine once the models are loaded and step 0 evaluated.
      onRecord: (record) => {
        if (evaluated || flags.json || reward === 'scene' || record.split !== 'eval-train' || record.step !== 0) return;
        evaluated = true;
        process.stderr.write(`${demoProgressLine(steps, (performance.now() - started) / 1000)}\n`);
      },
      signal: interrupt.signal,
      outDir,
      ...(flags.steps !== undefined ? { steps: flags.steps } : {}),
      ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
      ...(flags.minutes !== undefined ? { maxMinutes: flags.minutes } : {}),
      ...(flags.runtime ? { runtime: flags.runtime } : {}),
      ...(flags.reward ? { reward: flags.reward } : {}),
      ...(resume ? { resume: true } : {}),
      ...(flags.copyPenalty !== undefined ? { copyPenalty: flags.copyPenalty } : {}),
      ...(flags.earlyStopping !== undefined ? { earlyStopping: { patience: flags.earlyStopping } } : {}),
      ...(flags.sampleAhead ? { settings: { sampleAhead: true } } : {}),
      ...poolOption(flags.threads),
      progress,
    }).finally(() => process.removeListener('SIGINT', onSigint));
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(summary)}\n`);
    } else {
      const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');
      process.stdout.write(
        [
          `steps ${summary.steps}${summary.stepsThisRun !== summary.steps ? ` (${summary.stepsThisRun} in this run)` : ''} in ${summary.minutes} min (TF.js ${summary.backend})`,
          `held-out prompts: mean reward ${fmt(summary.heldOutStart)} → ${fmt(summary.heldOutEnd)}`,
          `train prompts:    mean reward ${fmt(summary.trainStart)} → ${fmt(summary.trainEnd)}`,
          `trained on '${summary.rewardExpert}'; extra-copy share of training samples ${fmt(summary.extraCopies.trainFirst)} → ${fmt(summary.extraCopies.trainLast)} (first / last 5 steps)`,
          `experts' agreement (mean Kendall τ-b within groups) ${fmt(summary.agreement.tauFirst)} → ${fmt(summary.agreement.tauLast)}; drift alarms: ${summary.driftSteps.length > 0 ? `steps ${summary.driftSteps.join(', ')}` : 'none'}`,
          ...(summary.earlyStopping
            ? [
                `early stopping: best held-out ${fmt(summary.earlyStopping.bestValue)} at step ${summary.earlyStopping.bestStep}${summary.earlyStopping.stopped ? ', stopped early' : ''}`,
              ]
            : []),
          `metrics: ${summary.metricsPath}`,
          `plot:    ${summary.htmlPath}`,
          '',
        ].join('\n'),
      );
    }
    if (summary.interrupted) {
      process.stderr.write(`${interruptedMessage(summary.steps, await savedCheckpoint(outDir))}\n`);
      return 130;
    }
    return 0;
  }
  const outDir = path.resolve(flags.out ?? 't2ir-train');
  const resume = await resumeOrStartOver(outDir, flags.resume);
  const result = await trainFromConfig(flags.config!, {
    outDir,
    ...(flags.steps !== undefined ? { steps: flags.steps } : {}),
    ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
    ...(flags.minutes !== undefined ? { maxMinutes: flags.minutes } : {}),
    ...(resume ? { resume: true } : {}),
    ...(flags.preset ? { preset: flags.preset } : {}),
    ...(flags.earlyStopping !== undefined ? { earlyStopping: { patience: flags.earlyStopping } } : {}),
    ...(flags.sampleAhead ? { sampleAhead: true } : {}),
    ...poolOption(flags.threads),
    progress,
  });
  const train = result.records.filter((r) => r.split === 'train').at(-1);
  const summary = {
    steps: result.step,
    lastBatchReward: train?.reward.mean ?? null,
    lastHeldOutReward: lastEval(result.records, 'eval') ?? null,
    metricsPath: result.metricsPath,
    checkpointPath: result.checkpointPath,
  };
  process.stdout.write(
    flags.json
      ? `${JSON.stringify(summary)}\n`
      : `steps ${summary.steps}; last batch reward ${summary.lastBatchReward?.toFixed(3) ?? 'n/a'}; held-out ${summary.lastHeldOutReward?.toFixed(3) ?? 'n/a'}\nmetrics: ${summary.metricsPath}\ncheckpoint: ${summary.checkpointPath ?? 'none'}\n`,
  );
  return 0;
}

export function registerTrainCommand(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('train')
    .summary('GRPO / BiCoT-GRPO training of a TF.js policy against the reward ensemble')
    .description(
      'Train a TF.js policy with GRPO against the reward ensemble, writing metrics.jsonl and checkpoints/ to --out. ' +
        '--demo runs the built-in BiCoT demo: a small policy plans objects, counts and a relation, then lays the objects ' +
        'out on a grid; its samples are pasted from the bundled photos and scored by the real CenterNet detector; it writes ' +
        'learning-curve.html too. --config trains your policy (see the @t2i-reward/trainer README for the module contract).',
    )
    .option('--demo', 'run the BiCoT demo')
    .option(
      '-c, --config <file>',
      'train config JSON: {"policy": "./policy.js", "prompts": [...] | "prompts.txt", "evalPrompts"?, "ensemble"?, "steps"?, "seed"?, "settings"?: {groupSize, beta, learningRate, ...}}',
    )
    .option('--steps <n>', 'number of updates (demo default 60; overrides the config)', positiveInteger)
    .option('-o, --out <dir>', 'output folder (default ./t2ir-demo or ./t2ir-train)')
    .option('--seed <n>', 'seed of the run (sampling, prompt order, initialisation)', integer)
    .option('--minutes <m>', 'stop starting new steps after this many minutes (a final evaluation follows)', positiveNumber)
    .option('--resume', 'continue from <out>/checkpoints/latest (same seed)')
    .addOption(
      new Option('--runtime <backend>', 'demo: TF.js backend for the policy and the detector (default wasm)').choices(['auto', 'wasm', 'cpu', 'tfjs-node-gpu']),
    )
    .addOption(
      new Option('--reward <kind>', 'demo: CenterNet on the rendered images (default), or the same formula on the plan without images (fast)').choices([
        'detector',
        'scene',
      ]),
    )
    .addOption(
      new Option(
        '--preset <name>',
        'config: GRPO settings preset under the config settings; t2i-r1-reference = the released T2I-R1 trainer (bnpo loss) and reward (ensemble preset of that name)',
      ).choices(Object.keys(GRPO_PRESETS)),
    )
    .option('--copy-penalty <lambda>', 'demo: train on the detector with the copy penalty, reward · (1 − λ)^extra copies (0..1)', unitInterval)
    .option('--early-stopping <patience>', 'stop when the held-out reward has not improved for this many evaluations', positiveInteger)
    .option(
      '--sample-ahead',
      'sample the next batch before each update so its rewards run during the update (faster with a pooled or remote reward; one step off-policy)',
    )
    .option('--threads <n>', THREADS_FLAG_HELP, nonNegativeInteger)
    .option('--no-progress', 'no progress bar on stderr')
    .option('--json', 'print the summary as one JSON object')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  t2ir train --demo                                  # 60 steps, writes ./t2ir-demo/{metrics.jsonl,learning-curve.html}',
        '  t2ir train --demo --steps 5 --out /tmp/demo --seed 1',
        '  t2ir train --demo --out /tmp/demo --resume         # continue a stopped run',
        '  t2ir train --demo --copy-penalty 0.5 --early-stopping 3   # penalise extra copies; stop when held-out reward stalls',
        '  t2ir train --config train.json --out runs/a',
        "  t2ir train --config train.json --sample-ahead      # overlap the next batch's rewards with this update",
        '',
        'Exit status: 0 when training finished, 1 when it failed, 2 for usage errors (a bad flag, an unreadable or invalid config), 130 after Ctrl-C.',
      ].join('\n'),
    )
    .action(async (flags: TrainFlags, command: Command) => {
      if (Boolean(flags.demo) === Boolean(flags.config)) {
        command.error('error: give exactly one of --demo or --config FILE', { exitCode: 2, code: 't2ir.usage' });
      }
      if (flags.demo === undefined && (flags.reward !== undefined || flags.runtime !== undefined || flags.copyPenalty !== undefined)) {
        command.error('error: --reward, --runtime and --copy-penalty are demo options (a config names its own runtime and ensemble)', {
          exitCode: 2,
          code: 't2ir.usage',
        });
      }
      try {
        setExitCode(await runTrain(flags));
      } catch (error) {
        failCommand(command, error, setExitCode);
      }
    });
}

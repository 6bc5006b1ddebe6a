import cliProgress from 'cli-progress';
import type { MetricsRecord } from './trainer.js';

export interface ProgressReporter {
  onRecord(record: MetricsRecord): void;
  /** Images scored so far in the run moved by `count` (the bar moves while a step or an evaluation is scored). */
  onImagesScored(count: number): void;
  stop(): void;
}

function format(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '  -  ' : value.toFixed(3);
}

/**
 * A cli-progress bar on stderr (stdout stays free for results): step, batch reward, latest held-out and
 * train evaluations, KL. Without a TTY cli-progress prints nothing.
 */
export function createProgressBar(totalSteps: number, startStep = 0, stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format:
        'train |{bar}| {value}/{total} | {images} images scored | reward {reward} | held-out {heldout} | train-eval {train} | kl {kl} | {duration_formatted} (eta {eta_formatted})',
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const payload = { images: 0, reward: format(undefined), heldout: format(undefined), train: format(undefined), kl: format(undefined) };
  bar.start(totalSteps, startStep, payload);
  return {
    onRecord(record) {
      if (record.split === 'train') {
        payload.reward = format(record.reward.mean);
        payload.kl = format(record.kl);
        bar.update(record.step, payload);
      } else {
        if (record.split === 'eval') payload.heldout = format(record.reward.mean);
        else payload.train = format(record.reward.mean);
        bar.update(payload);
      }
    },
    onImagesScored(count) {
      payload.images += count;
      bar.update(payload);
    },
    stop() {
      bar.stop();
    },
  };
}

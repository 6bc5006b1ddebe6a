import type { BenchInputError } from '../errors.js';
import type { BenchItem } from '../types.js';

export interface ImageSourceContext {
  /** The run folder: generated images are written under `<runDir>/images`. */
  runDir: string;
  samplesPerPrompt: number;
  signal?: AbortSignal;
}

/** Where a run's images come from: a folder of existing images or a generator. */
export interface ImageSource {
  /** e.g. "folder:compbench:/data/out", "http:http://localhost:8000/v1", "command:python gen.py". */
  readonly description: string;
  /**
   * The image file for sample `sample` of `item`, generating it when needed. Throws BenchInputError
   * ('missing-image' / 'generator-error') when there is none; the run records it and goes on.
   */
  obtain(item: BenchItem, sample: number, context: ImageSourceContext): Promise<string>;
  /**
   * Sources of existing images (folders): the 'missing-image' error `obtain` would throw, else undefined; cheap,
   * and never generates. The run asks it for images it will not score (an unsupported task), so a missing image
   * counts as missing in every task alike.
   */
  missingImage?(item: BenchItem, sample: number): Promise<BenchInputError | undefined>;
}

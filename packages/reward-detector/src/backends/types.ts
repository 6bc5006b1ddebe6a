import type { RgbImage } from '@t2i-reward/core';
import type { Detection } from '../scoring/boxes.js';
import type { ClassVocabulary } from '../vocabulary.js';

/** A box detector as the reward uses it: images in, detections in image pixels out. */
export interface DetectorBackend {
  /** Stable id for cache keys, e.g. "tfjs/centernet". */
  readonly id: string;
  /**
   * A closed vocabulary (labels are its class names; prompt nouns are mapped onto it) or 'open' (labels are
   * the query texts passed to `detect`).
   */
  readonly vocabulary: ClassVocabulary | 'open';
  /** Loads the model ahead of the first `detect` (optional; `detect` loads on demand otherwise). */
  load?(): Promise<unknown>;
  /** One detection list per image (all candidate boxes; the scoring applies thresholds). */
  detect(images: readonly RgbImage[], queries: readonly (readonly string[])[], signal?: AbortSignal): Promise<Detection[][]>;
  dispose(): Promise<void>;
}

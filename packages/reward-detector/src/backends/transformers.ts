import path from 'node:path';
import {
  ModelLoadError,
  type RgbImage,
  type TransformersModule,
  loadTransformers,
  memoizeAsync,
  pretrainedLoadOptions,
  checkModelLocation,
  resolveModelLocation,
  throwIfAborted,
  toRawImage,
} from '@t2i-reward/core';
import type { Box, Detection } from '../scoring/boxes.js';
import { groundingDinoCaption, phraseDetections, phraseScores, phraseTokens, tokenizeCaption } from './grounding-dino-phrases.js';
import type { DetectorBackend } from './types.js';

export interface TransformersBackendOptions {
  /** Hub id or local folder in the Hugging Face layout (config.json, preprocessor_config.json, tokenizer.json, onnx/model.onnx). */
  model: string;
  /** Boxes below this score are dropped here already (the reward's box threshold). */
  boxThreshold?: number;
  /** GroundingDINO, 'best-token' scoring: a box is labelled with a query only when that query's tokens score above this (default 0.25). */
  textThreshold?: number;
  /**
   * GroundingDINO box scoring. 'phrase-mean' (what T2I-R1's released reward does; the reward picks it for the
   * `t2i-r1` and `t2i-r1-code` formulas): the caption is `make_detection_prompt(queries)`, each query's phrase
   * scores a box by the mean sigmoid over its first / last word's tokens, and a box is returned once for **every**
   * phrase strictly above the box threshold, unclamped, in phrase-then-query order. 'best-token' (default): a box's
   * score is its highest token probability, its one label the query with the best token, kept above `textThreshold`.
   */
  groundingDinoScoring?: 'phrase-mean' | 'best-token';
  dtype?: string;
  allowRemoteModels?: boolean;
  cacheDir?: string;
  /** Folder relative model paths are resolved against (default: the working directory). */
  baseDir?: string;
  /** Injected transformers.js module (tests); otherwise core's lazy loader. */
  transformers?: TransformersModule;
}

/** The open-vocabulary architectures handled, by config.json `model_type`. */
export type OpenVocabularyArchitecture = 'owlvit' | 'owlv2' | 'grounding-dino';
const ARCHITECTURES: readonly string[] = ['owlvit', 'owlv2', 'grounding-dino'];

/* Minimal structural views of the transformers.js objects used here (its own types are very broad). */
interface TjsTensor {
  dims: number[];
  data: ArrayLike<number> | BigInt64Array;
  dispose?: () => void;
}
interface ImageProcessorOutput {
  pixel_values: TjsTensor;
  pixel_mask?: TjsTensor;
  original_sizes: [number, number][];
  reshaped_input_sizes: [number, number][];
}
interface Tokenizer {
  (text: string[], options: { padding: boolean; truncation: boolean }): Record<string, TjsTensor>;
  encode(text: string, options?: { add_special_tokens?: boolean }): number[];
  tokenize?(text: string): string[];
}
interface ImageProcessor {
  (images: unknown[]): Promise<ImageProcessorOutput>;
  do_center_crop?: boolean;
  size?: unknown;
  get_resize_output_image_size?: (image: unknown, size: unknown) => [number, number];
}
interface Processor {
  image_processor: ImageProcessor;
  tokenizer: Tokenizer;
}
interface LoadedDetector {
  tjs: TransformersModule;
  processor: Processor;
  model: DetectionModel;
  architecture: OpenVocabularyArchitecture;
}
interface DetectionModel {
  config: { model_type: string };
  (inputs: Record<string, unknown>): Promise<{ logits: TjsTensor; pred_boxes: TjsTensor }>;
  dispose(): Promise<unknown>;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** One image's GroundingDINO detection: the loaded model, the processed image, its queries and the score floor. */
interface GroundingDinoCall {
  loaded: LoadedDetector;
  pixels: ImageProcessorOutput;
  image: RgbImage;
  labels: string[];
  floor: number;
}

/** One GroundingDINO forward pass on a caption's token ids (a single sequence, no padding). */
function runGroundingDino({ loaded: { tjs, model }, pixels }: GroundingDinoCall, ids: readonly number[]) {
  const shape = [1, ids.length];
  const int64 = (values: readonly number[]) => new tjs.Tensor('int64', BigInt64Array.from(values.map((v) => BigInt(v))), shape);
  return model({
    input_ids: int64(ids),
    attention_mask: int64(ids.map(() => 1)),
    token_type_ids: int64(ids.map(() => 0)),
    pixel_values: pixels.pixel_values,
    ...(pixels.pixel_mask ? { pixel_mask: pixels.pixel_mask } : {}),
  });
}

/**
 * GroundingDINO and OWL-ViT / OWLv2 through @huggingface/transformers (ONNX on onnxruntime-node). Each image
 * is run with its own prompt's object names as text queries; labels of the returned detections are those
 * query strings. OWL-ViT / OWLv2: each predicted box takes its best query (sigmoid of the logit).
 * GroundingDINO, `groundingDinoScoring: 'best-token'` (default here): the queries are joined as "a . b ." (its
 * training format); a box's score is its highest token probability, its label the query whose tokens score
 * highest, kept when that exceeds the text threshold. 'phrase-mean' (the reward's choice for T2I-R1 formulas):
 * T2I-R1's phrase scoring, one detection per (phrase, box) above the box threshold (see grounding-dino-phrases.ts).
 */
export class TransformersDetectorBackend implements DetectorBackend {
  readonly id: string;
  readonly vocabulary = 'open' as const;
  readonly #options: TransformersBackendOptions;
  readonly #loaded = memoizeAsync(() => this.#load());
  #architecture: OpenVocabularyArchitecture | undefined;

  constructor(options: TransformersBackendOptions) {
    this.#options = options;
    const source = resolveModelLocation(options.model, options.baseDir);
    this.id = `transformers/${source.local ? path.basename(source.location) : options.model}`;
  }

  get architecture(): OpenVocabularyArchitecture | undefined {
    return this.#architecture;
  }

  /** Loads the model (idempotent; concurrent callers share one load). */
  load(): Promise<LoadedDetector> {
    return this.#loaded();
  }

  async #load(): Promise<LoadedDetector> {
    // A folder (not a hub name) is checked before transformers.js loads: one line naming what is missing.
    const source = checkModelLocation(this.#options.model, 'open-vocabulary detector', ['config.json'], this.#options.baseDir);
    const tjs =
      this.#options.transformers ??
      (await loadTransformers({
        allowRemoteModels: this.#options.allowRemoteModels ?? false,
      }));
    let processor: Processor;
    let model: DetectionModel;
    try {
      // The tokenizer is loaded on its own: transformers.js has no Owlv2Processor, so AutoProcessor gives OWLv2
      // folders an image processor only (its zero-shot pipeline loads the tokenizer separately too).
      const pretrained = pretrainedLoadOptions(this.#options, source.local);
      const [auto, tokenizer] = await Promise.all([
        tjs.AutoProcessor.from_pretrained(source.location, pretrained),
        tjs.AutoTokenizer.from_pretrained(source.location, pretrained),
      ]);
      processor = { image_processor: (auto as unknown as Processor).image_processor, tokenizer: tokenizer as unknown as Tokenizer };
      model = (await tjs.AutoModelForZeroShotObjectDetection.from_pretrained(source.location, {
        ...pretrained,
        dtype: (this.#options.dtype ?? 'fp32') as 'fp32',
        device: 'cpu',
      })) as unknown as DetectionModel;
    } catch (error) {
      const hint = source.local ? '' : ' (offline: pass a local folder, or set allowRemoteModels: true with network access)';
      throw new ModelLoadError(`cannot load open-vocabulary detector '${this.#options.model}'${hint}: ${(error as Error).message}`, { cause: error });
    }
    const architecture = model.config.model_type;
    if (!ARCHITECTURES.includes(architecture)) {
      await model.dispose();
      throw new ModelLoadError(`'${this.#options.model}' is a ${architecture} model; expected one of ${ARCHITECTURES.join(', ')}`);
    }
    this.#architecture = architecture as OpenVocabularyArchitecture;
    return { tjs, processor, model, architecture: this.#architecture };
  }

  async detect(images: readonly RgbImage[], queries: readonly (readonly string[])[], signal?: AbortSignal): Promise<Detection[][]> {
    const loaded = await this.load();
    const results: Detection[][] = [];
    // Exported detection graphs are run one image at a time (as transformers.js' own pipeline does).
    for (const [i, image] of images.entries()) {
      throwIfAborted(signal);
      const labels = [...(queries[i] ?? [])];
      results.push(labels.length === 0 ? [] : await this.#detectOne(loaded, image, labels));
    }
    return results;
  }

  async #detectOne(loaded: LoadedDetector, image: RgbImage, labels: string[]): Promise<Detection[]> {
    const { tjs, processor, model, architecture } = loaded;
    const raw = toRawImage(tjs.RawImage, image);
    const pixels = await processor.image_processor([raw]);
    const floor = this.#options.boxThreshold ?? 0;
    if (architecture === 'grounding-dino') return this.#groundingDino({ loaded, pixels, image, labels, floor });
    const text = processor.tokenizer(labels, { padding: true, truncation: true });
    const output = await model({ ...text, pixel_values: pixels.pixel_values });
    const [, numBoxes = 0, numQueries = 0] = output.logits.dims;
    const logits = output.logits.data as ArrayLike<number>;
    const boxes = output.pred_boxes.data as ArrayLike<number>;
    const toImage = canvasToImage(canvasGeometry(processor.image_processor, raw, pixels), image);
    const detections: Detection[] = [];
    for (let b = 0; b < numBoxes; b++) {
      let best = 0;
      for (let q = 1; q < numQueries; q++) if ((logits[b * numQueries + q] as number) > (logits[b * numQueries + best] as number)) best = q;
      const score = sigmoid(logits[b * numQueries + best] as number);
      if (score < floor) continue;
      detections.push({ label: labels[best] as string, score, box: toImage(boxes, b) });
    }
    return detections.sort((a, b) => b.score - a.score);
  }

  async #groundingDino(call: GroundingDinoCall): Promise<Detection[]> {
    if (this.#options.groundingDinoScoring === 'phrase-mean') return this.#groundingDinoPhrases(call);
    const { loaded, image, labels, floor } = call;
    const tokenizer = loaded.processor.tokenizer;
    // "[CLS] q1 . q2 . [SEP]", remembering which token positions belong to which query.
    const [cls, sep] = tokenizer.encode('', { add_special_tokens: true });
    const dot = tokenizer.encode('.', { add_special_tokens: false });
    const ids: number[] = [cls as number];
    const spans: [number, number][] = [];
    for (const label of labels) {
      const tokens = tokenizer.encode(label.toLowerCase(), { add_special_tokens: false });
      spans.push([ids.length, ids.length + tokens.length]);
      ids.push(...tokens, ...dot);
    }
    ids.push(sep as number);
    const output = await runGroundingDino(call, ids);
    const [, numBoxes = 0, numTokens = 0] = output.logits.dims;
    const logits = output.logits.data as ArrayLike<number>;
    const boxes = output.pred_boxes.data as ArrayLike<number>;
    const textThreshold = this.#options.textThreshold ?? 0.25;
    const detections: Detection[] = [];
    for (let b = 0; b < numBoxes; b++) {
      const prob = (t: number) => sigmoid(logits[b * numTokens + t] as number);
      let boxScore = 0;
      for (let t = 0; t < Math.min(ids.length, numTokens); t++) boxScore = Math.max(boxScore, prob(t));
      if (boxScore <= floor) continue;
      let best = -1;
      let bestScore = 0;
      spans.forEach(([start, end], q) => {
        for (let t = start; t < end && t < numTokens; t++) if (prob(t) > bestScore) [best, bestScore] = [q, prob(t)];
      });
      if (best < 0 || bestScore <= textThreshold) continue;
      // GroundingDINO boxes are relative to the image itself (the pixel mask excludes padding).
      const [cx, cy, w, h] = [0, 1, 2, 3].map((k) => boxes[b * 4 + k] as number) as [number, number, number, number];
      detections.push({
        label: labels[best] as string,
        score: boxScore,
        box: clampBox([(cx - w / 2) * image.width, (cy - h / 2) * image.height, (cx + w / 2) * image.width, (cy + h / 2) * image.height], image),
      });
    }
    return detections.sort((a, b) => b.score - a.score);
  }

  /** T2I-R1's scoring: one detection per (phrase, box) whose phrase score is strictly above the box threshold. */
  async #groundingDinoPhrases(call: GroundingDinoCall): Promise<Detection[]> {
    const { loaded, image, labels, floor } = call;
    const { caption, spans } = groundingDinoCaption(labels);
    const tokenized = tokenizeCaption(caption, loaded.processor.tokenizer);
    const output = await runGroundingDino(call, tokenized.ids);
    const [, numBoxes = 0, numTokens = 0] = output.logits.dims;
    const boxes = output.pred_boxes.data as ArrayLike<number>;
    const scores = phraseScores(output.logits.data as ArrayLike<number>, numBoxes, numTokens, phraseTokens(tokenized, spans, numTokens));
    return phraseDetections(scores, boxes, labels, image, floor);
  }

  async dispose(): Promise<void> {
    const loaded = await this.#loaded.clear()?.catch(() => undefined);
    this.#architecture = undefined;
    await loaded?.model.dispose();
  }
}

/** Where the model's input canvas sits in the resized image, and the resized size (see canvasToImage). */
export interface CanvasGeometry {
  /** Model input (canvas) size, padding included. */
  canvasWidth: number;
  canvasHeight: number;
  /** The image after resizing (before a centre crop / after which padding was added). */
  resizedWidth: number;
  resizedHeight: number;
  /** Offset of the canvas in the resized image (a centre crop's left / top; 0 otherwise). */
  offsetX: number;
  offsetY: number;
}

function canvasGeometry(processor: ImageProcessor, raw: unknown, pixels: ImageProcessorOutput): CanvasGeometry {
  const [, , canvasHeight = 1, canvasWidth = 1] = pixels.pixel_values.dims;
  const [reshapedHeight, reshapedWidth] = pixels.reshaped_input_sizes[0] ?? [canvasHeight, canvasWidth];
  if (processor.do_center_crop && processor.get_resize_output_image_size) {
    // reshaped_input_size is the crop; the resized image it was cut from is larger on one side.
    const [resizedWidth, resizedHeight] = processor.get_resize_output_image_size(raw, processor.size);
    return {
      canvasWidth,
      canvasHeight,
      resizedWidth,
      resizedHeight,
      offsetX: Math.floor((resizedWidth - reshapedWidth) / 2),
      offsetY: Math.floor((resizedHeight - reshapedHeight) / 2),
    };
  }
  return { canvasWidth, canvasHeight, resizedWidth: reshapedWidth, resizedHeight: reshapedHeight, offsetX: 0, offsetY: 0 };
}

/**
 * OWL boxes (centre-size, relative to the model's input canvas) to original image pixels: canvas pixels,
 * plus the centre-crop offset, scaled from the resized image back to the original.
 */
export function canvasToImage(geometry: CanvasGeometry, image: { width: number; height: number }) {
  const sx = image.width / geometry.resizedWidth;
  const sy = image.height / geometry.resizedHeight;
  const x = (v: number) => (v * geometry.canvasWidth + geometry.offsetX) * sx;
  const y = (v: number) => (v * geometry.canvasHeight + geometry.offsetY) * sy;
  return (boxes: ArrayLike<number>, b: number): Box => {
    const [cx, cy, w, h] = [0, 1, 2, 3].map((k) => boxes[b * 4 + k] as number) as [number, number, number, number];
    return clampBox([x(cx - w / 2), y(cy - h / 2), x(cx + w / 2), y(cy + h / 2)], image);
  };
}

function clampBox(box: [number, number, number, number], image: { width: number; height: number }): Box {
  const cx = (v: number) => Math.min(image.width, Math.max(0, v));
  const cy = (v: number) => Math.min(image.height, Math.max(0, v));
  return [cx(box[0]), cy(box[1]), cx(box[2]), cy(box[3])];
}

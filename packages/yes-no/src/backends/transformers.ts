import {
  checkModelLocation,
  ModelLoadError,
  UnsupportedInputError,
  loadTransformers,
  pretrainedLoadOptions,
  throwIfAborted,
  toRawImage,
  type RgbImage,
} from '@t2i-reward/core';
import { logitsAnswer, stripSpecialTokens, tokenizerLimit, type YesNoAnswer, type YesNoAskOptions, type YesNoBackend, type YesNoQuery } from '../backend.js';
import { yesNoProbabilities, yesNoTokenIdsFor, type YesNoTokenIds } from '../yes-no.js';
import { LoadingYesNoBackend } from './loading.js';
import type { TransformersBackendOptions } from './schemas.js';

export type { TransformersBackendOptions } from './schemas.js';

/* The slice of the transformers.js API this backend uses (typed here so the runtime stays an optional peer). */
interface Tensor {
  dims: number[];
  data: ArrayLike<number | bigint> & { subarray?: (a: number, b: number) => ArrayLike<number> };
}
interface Tokenizer {
  (text: string | string[], options?: Record<string, unknown>): { input_ids: Tensor; attention_mask: Tensor };
  padding_side: string;
  model_max_length: number;
  chat_template: unknown;
  all_special_tokens: string[];
  get_vocab(): Map<string, number> | Record<string, number>;
  encode(text: string, options?: { add_special_tokens?: boolean }): number[];
  decode(ids: number[], options?: { skip_special_tokens?: boolean }): string;
  apply_chat_template(messages: unknown[], options: { tokenize: false; add_generation_prompt: boolean }): string;
}
interface Processor {
  (images: unknown, text: string[], options?: Record<string, unknown>): Promise<Record<string, Tensor>>;
  tokenizer: Tokenizer;
  config?: { image_token?: string };
}
interface Session {
  inputNames: string[];
  run: (...args: unknown[]) => Promise<unknown>;
}
interface ImageTextModel {
  config: { model_type?: string; text_config?: { max_position_embeddings?: number }; max_position_embeddings?: number };
  sessions: Record<string, Session>;
  encode_image(inputs: Record<string, Tensor>): Promise<Tensor>;
  encode_text(inputs: { input_ids: Tensor }): Promise<Tensor>;
  _merge_input_ids_with_image_features(inputs: Record<string, Tensor>): { inputs_embeds: Tensor; attention_mask: Tensor };
  forward(inputs: Record<string, unknown>): Promise<{ logits: Tensor }>;
  dispose(): Promise<unknown>;
}
interface Loaded {
  processor: Processor;
  model: ImageTextModel;
  yesNo: YesNoTokenIds;
  imageToken: string;
  limit: number;
  RawImage: new (data: Uint8ClampedArray, width: number, height: number, channels: number) => unknown;
  Tensor: new (type: string, data: unknown, dims: number[]) => Tensor;
  cat: (tensors: Tensor[], dim: number) => Tensor;
}

/** Processor outputs that only the vision encoder reads (the decoder gets the merged embeddings instead). */
const PIXEL_INPUTS = new Set(['pixel_values', 'pixel_attention_mask']);

/**
 * Image-text-to-text models through @huggingface/transformers (LLaVA family; other transformers.js VLMs whose
 * forward merges image features into token embeddings the same way). Reads the logits of one forward pass, never
 * generated text. Per `ask`, the image is preprocessed and encoded once; its features are merged into every
 * question's embeddings and the questions run as one left-padded batch.
 */
export class TransformersYesNoBackend extends LoadingYesNoBackend<TransformersBackendOptions, Loaded> implements YesNoBackend {
  constructor(options: TransformersBackendOptions) {
    super(`transformers/${options.model}`, options);
  }

  protected async doLoad(): Promise<Loaded> {
    const { model: modelId, dtype = 'fp32', device = 'cpu' } = this.options;
    // A folder (not a hub name) is checked before transformers.js loads: one line naming what is missing.
    checkModelLocation(modelId, 'VQA image-text-to-text model', ['config.json']);
    const transformers = await loadTransformers({
      allowRemoteModels: this.options.allowRemoteModels ?? false,
    });
    const tf = transformers as unknown as {
      AutoProcessor: { from_pretrained(id: string, options: Record<string, unknown>): Promise<Processor> };
      AutoModelForImageTextToText: { from_pretrained(id: string, options: Record<string, unknown>): Promise<ImageTextModel> };
      RawImage: Loaded['RawImage'];
      Tensor: Loaded['Tensor'];
      cat: Loaded['cat'];
    };
    let processor: Processor;
    let model: ImageTextModel;
    try {
      const pretrained = pretrainedLoadOptions(this.options);
      processor = await tf.AutoProcessor.from_pretrained(modelId, pretrained);
      model = await tf.AutoModelForImageTextToText.from_pretrained(modelId, {
        ...pretrained,
        dtype,
        device,
        ...(this.options.sessionOptions ? { session_options: this.options.sessionOptions } : {}),
      });
    } catch (error) {
      throw new ModelLoadError(`cannot load image-text-to-text model "${modelId}" with transformers.js: ${(error as Error).message}`, {
        cause: error,
        data: { model: modelId },
      });
    }
    const tokenizer = processor.tokenizer;
    // Left padding keeps every question's last token at the last position of the batch.
    tokenizer.padding_side = 'left';
    const vision = model.sessions['vision_encoder'];
    if (vision) {
      const run = vision.run.bind(vision);
      vision.run = (...args: unknown[]) => {
        this.stats.imageEncodings++;
        return run(...args);
      };
    }
    const limit =
      this.options.maxInputTokens ??
      tokenizerLimit(tokenizer) ??
      model.config.text_config?.max_position_embeddings ??
      model.config.max_position_embeddings ??
      Infinity;
    return {
      processor,
      model,
      yesNo: yesNoTokenIdsFor(tokenizer, () => tokenizer.get_vocab()),
      imageToken: processor.config?.image_token ?? '<image>',
      limit,
      RawImage: tf.RawImage,
      Tensor: tf.Tensor,
      cat: tf.cat,
    };
  }

  /**
   * The text of the user turn, image first, in the model's own chat template. Templates that only read string
   * content (older LLaVA ones) get "<image>\n{text}" as the content; without a template: "<image>\n{text}".
   */
  #render(loaded: Loaded, text: string): string {
    const tokenizer = loaded.processor.tokenizer;
    const plain = `${loaded.imageToken}\n${text}`;
    if (!tokenizer.chat_template) return plain;
    const render = (content: unknown) => tokenizer.apply_chat_template([{ role: 'user', content }], { tokenize: false, add_generation_prompt: true });
    const structured = render([{ type: 'image' }, { type: 'text', text }]);
    return structured.includes(loaded.imageToken) && structured.includes(text) ? structured : render(plain);
  }

  async ask(image: RgbImage, queries: readonly YesNoQuery[], options: YesNoAskOptions = {}): Promise<YesNoAnswer[]> {
    const loaded = await this.loaded();
    const batch = Math.max(1, this.options.maxBatchQuestions ?? 4);
    const answers: YesNoAnswer[] = [];
    const raw = toRawImage(loaded.RawImage, image);
    let features: Tensor | undefined;
    for (let start = 0; start < queries.length; start += batch) {
      throwIfAborted(options.signal);
      const chunk = queries.slice(start, start + batch);
      const prepared = await this.#prepare(loaded, raw, chunk);
      // The image is encoded once per ask and its features reused by every chunk of questions.
      // encode_image feeds the vision session the inputs it declares (pixel_values, image_grid_thw, ...).
      features ??= await loaded.model.encode_image(prepared.inputs);
      throwIfAborted(options.signal);
      const logits = await this.#forward(loaded, prepared.inputs, features, chunk.length);
      const [rows, positions, vocab] = logits.dims as [number, number, number];
      const data = logits.data as Float32Array;
      for (let row = 0; row < rows; row++) {
        const offset = (row * positions + positions - 1) * vocab;
        const p = yesNoProbabilities(data.subarray(offset, offset + vocab), loaded.yesNo, options);
        const sent = prepared.sent[row];
        answers.push(logitsAnswer(p, sent, prepared.warnings[row] ?? []));
      }
    }
    return answers;
  }

  /** Renders, cleans and (when over the limit) truncates the questions, then runs the processor once. */
  async #prepare(loaded: Loaded, raw: unknown, queries: readonly YesNoQuery[]) {
    const tokenizer = loaded.processor.tokenizer;
    const warnings: string[][] = queries.map(() => []);
    const bodies = queries.map((query, i) => {
      const cleaned = stripSpecialTokens(query.body, tokenizer.all_special_tokens.concat(loaded.imageToken));
      if (cleaned.warning) warnings[i]!.push(cleaned.warning);
      return cleaned.text;
    });
    const cleaned = [...bodies];
    const texts = () => queries.map((q, i) => this.#render(loaded, (q.prefix ?? '') + bodies[i] + (q.suffix ?? '')));
    let inputs = await loaded.processor(raw, texts(), { padding: true });
    for (let attempt = 0; attempt < 4; attempt++) {
      const lengths = rowLengths(inputs.attention_mask!);
      const over = lengths.map((length) => length - loaded.limit);
      // The text as sent when control-token text was removed (a truncated question has no exact text: left out).
      const sent = queries.map((q, i) => (bodies[i] === cleaned[i] && bodies[i] !== q.body ? (q.prefix ?? '') + bodies[i] + (q.suffix ?? '') : undefined));
      if (over.every((n) => n <= 0)) return { inputs, warnings, sent };
      over.forEach((overflow, i) => {
        if (overflow <= 0) return;
        const ids = tokenizer.encode(bodies[i]!, { add_special_tokens: false });
        const keep = ids.length - overflow;
        if (keep <= 0) {
          throw new UnsupportedInputError(`the question template alone is over the model's limit of ${loaded.limit} tokens`, {
            data: { limit: loaded.limit, length: lengths[i] },
          });
        }
        bodies[i] = tokenizer.decode(ids.slice(0, keep), { skip_special_tokens: true });
        if (attempt === 0) warnings[i]!.push(`prompt truncated from ${ids.length} to ${keep} tokens to fit the model limit of ${loaded.limit} tokens`);
        else warnings[i]![warnings[i]!.length - 1] = `prompt truncated to ${keep} tokens to fit the model limit of ${loaded.limit} tokens`;
      });
      inputs = await loaded.processor(raw, texts(), { padding: true });
    }
    throw new UnsupportedInputError(`cannot truncate the prompt to the model's limit of ${loaded.limit} tokens`);
  }

  /** One decoder pass over a batch of questions that share the image features. */
  async #forward(loaded: Loaded, inputs: Record<string, Tensor>, features: Tensor, rows: number): Promise<Tensor> {
    const { model } = loaded;
    const inputIds = inputs.input_ids!;
    const tiled =
      rows === 1
        ? features
        : loaded.cat(
            Array.from({ length: rows }, () => features),
            0,
          );
    const embeds = await model.encode_text({ input_ids: inputIds });
    const merged = model._merge_input_ids_with_image_features({
      image_features: tiled,
      inputs_embeds: embeds,
      input_ids: inputIds,
      attention_mask: inputs.attention_mask!,
    });
    const rest = Object.fromEntries(Object.entries(inputs).filter(([key]) => !PIXEL_INPUTS.has(key)));
    const decoder = model.sessions['decoder_model_merged'] ?? model.sessions['model'];
    const keepLast = decoder?.inputNames.includes('num_logits_to_keep') ? { num_logits_to_keep: new loaded.Tensor('int64', [1n], []) } : {};
    this.stats.decoderRuns++;
    const output = await model.forward({ ...rest, ...keepLast, inputs_embeds: merged.inputs_embeds, attention_mask: merged.attention_mask });
    return output.logits;
  }

  async dispose(): Promise<void> {
    const loaded = await this.unload();
    await loaded?.model.dispose();
  }
}

function rowLengths(mask: Tensor): number[] {
  const [rows, cols] = mask.dims as [number, number];
  const lengths: number[] = [];
  for (let r = 0; r < rows; r++) {
    let n = 0;
    for (let c = 0; c < cols; c++) n += Number(mask.data[r * cols + c]);
    lengths.push(n);
  }
  return lengths;
}

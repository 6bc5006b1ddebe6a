import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { throwIfAborted, toRawImage, type RgbImage } from '@t2i-reward/core';
import type { InferenceSession } from 'onnxruntime-node';
import { logitsAnswer, tokenizerLimit, type YesNoAnswer, type YesNoAskOptions, type YesNoBackend, type YesNoQuery } from '../backend.js';
import { yesNoProbabilities, yesNoTokenIdsFor, type YesNoTokenIds } from '../yes-no.js';
import {
  OnnxExportYesNoBackend,
  framedQueryIds,
  type ExportTokenizer,
  type LoadedExport,
  type OnnxGitBackendOptions,
  type OpenedSessions,
  type SessionContract,
} from './onnx-export.js';

type Tokenizer = ExportTokenizer;
interface Loaded extends LoadedExport<Tokenizer> {
  encoder: InferenceSession;
  decoder: InferenceSession;
  yesNo: YesNoTokenIds;
  decoderStartId: number;
  /** The tokenizer's own [CLS] … [SEP] around every question. */
  frame: { before: number[]; after: number[] };
  limit: number;
}

const CONTRACT: SessionContract[] = [
  { file: 'vision_model', inputs: ['pixel_values'], output: 'image_embeds' },
  { file: 'text_encoder', inputs: ['input_ids', 'attention_mask', 'image_embeds'], output: 'question_embeds' },
  { file: 'text_decoder', inputs: ['input_ids', 'question_embeds', 'question_attention_mask'], output: 'logits' },
];

/**
 * BLIP-VQA exports (Salesforce/blip-vqa-base / -capfilt-large, exported with scripts/export_blip_onnx.py) on raw
 * onnxruntime-node: the vision model runs once per `ask`; each question runs the question encoder
 * (`[CLS] question [SEP]`, cross-attending to the image) and one decoder step from `text_config.bos_token_id`
 * ([DEC]), as HF BlipForQuestionAnswering does; P(yes) comes from that first decoder position.
 */
export class OnnxBlipYesNoBackend extends OnnxExportYesNoBackend<Tokenizer, Loaded> implements YesNoBackend {
  constructor(options: OnnxGitBackendOptions) {
    super(options, 'BLIP-VQA', CONTRACT);
  }

  protected async fromExport(open: () => Promise<OpenedSessions<Tokenizer>>, dir: string): Promise<Loaded> {
    const config = JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8')) as {
      text_config?: { bos_token_id?: number; max_position_embeddings?: number };
    };
    const {
      common,
      sessions: [, encoder, decoder],
    } = await open();
    const { tokenizer } = common;
    const decoderStartId = config.text_config?.bos_token_id;
    if (decoderStartId === undefined) throw new Error('config.json has no text_config.bos_token_id (the [DEC] token the answer decoder starts from)');
    const [cls, sep] = tokenizer.encode('');
    if (cls === undefined || sep === undefined) throw new Error('the tokenizer adds no [CLS] … [SEP] around a question');
    return {
      ...common,
      encoder: encoder!,
      decoder: decoder!,
      decoderStartId,
      frame: { before: [cls], after: [sep] },
      yesNo: yesNoTokenIdsFor(tokenizer, () => tokenizer.get_vocab()),
      limit: this.options.maxInputTokens ?? tokenizerLimit(tokenizer) ?? config.text_config?.max_position_embeddings ?? Infinity,
    };
  }

  async ask(image: RgbImage, queries: readonly YesNoQuery[], options: YesNoAskOptions = {}): Promise<YesNoAnswer[]> {
    const loaded = await this.loaded();
    const { ort } = loaded;
    const { pixel_values } = await loaded.imageProcessor(toRawImage(loaded.RawImage, image));
    this.stats.imageEncodings++;
    const { image_embeds: imageEmbeds } = await loaded.vision.run({ pixel_values: new ort.Tensor('float32', pixel_values.data, pixel_values.dims) });
    const start = new ort.Tensor('int64', BigInt64Array.of(BigInt(loaded.decoderStartId)), [1, 1]);
    const answers: YesNoAnswer[] = [];
    for (const query of queries) {
      throwIfAborted(options.signal);
      const { ids, warnings, sent } = framedQueryIds(loaded.tokenizer, query, loaded.limit, loaded.frame);
      const inputIds = new ort.Tensor(
        'int64',
        BigInt64Array.from(ids, (id) => BigInt(id)),
        [1, ids.length],
      );
      const ones = new ort.Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]);
      const { question_embeds: questionEmbeds } = await loaded.encoder.run({ input_ids: inputIds, attention_mask: ones, image_embeds: imageEmbeds! });
      this.stats.decoderRuns++;
      const { logits } = await loaded.decoder.run({ input_ids: start, question_embeds: questionEmbeds!, question_attention_mask: ones });
      const vocab = logits!.dims[2]!;
      const p = yesNoProbabilities((logits!.data as Float32Array).subarray(0, vocab), loaded.yesNo, options);
      answers.push(logitsAnswer(p, sent, warnings));
    }
    return answers;
  }

  async dispose(): Promise<void> {
    const loaded = await this.unload();
    await Promise.all([loaded?.vision.release(), loaded?.encoder.release(), loaded?.decoder.release()]);
  }
}

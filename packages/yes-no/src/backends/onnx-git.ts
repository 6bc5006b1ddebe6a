import { throwIfAborted, toRawImage, type RgbImage } from '@t2i-reward/core';
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
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

export type { OnnxGitBackendOptions } from './onnx-export.js';

interface Tokenizer extends ExportTokenizer {
  config: { cls_token?: string | { content: string } };
  bos_token_id?: number;
}
interface Loaded extends LoadedExport<Tokenizer> {
  decoder: InferenceSession;
  yesNo: YesNoTokenIds;
  startId: number;
  limit: number;
}

const CONTRACT: SessionContract[] = [
  { file: 'vision_encoder', inputs: ['pixel_values'], output: 'image_features' },
  { file: 'decoder_model', inputs: ['image_features', 'input_ids'], output: 'logits' },
];

/**
 * GIT-style VQA exports (e.g. microsoft/git-base-vqav2, exported with scripts/export_git_onnx.py) on raw
 * onnxruntime-node: transformers.js has no GIT / BLIP model class. The image is encoded once per `ask`; each
 * question runs the decoder on `[CLS] + question tokens` and reads the logits of the last position.
 * Tokenizer and image preprocessing come from the export's own tokenizer.json / preprocessor_config.json
 * through transformers.js (only its tokenizer and image processor are used).
 */
export class OnnxGitYesNoBackend extends OnnxExportYesNoBackend<Tokenizer, Loaded> implements YesNoBackend {
  constructor(options: OnnxGitBackendOptions) {
    super(options, 'GIT-style', CONTRACT);
  }

  protected async fromExport(open: () => Promise<OpenedSessions<Tokenizer>>): Promise<Loaded> {
    const {
      common,
      sessions: [, decoder],
    } = await open();
    const { tokenizer } = common;
    // GIT starts every text with [CLS] (its BOS); take it from the tokenizer config.
    const cls = tokenizer.config.cls_token;
    const clsToken = typeof cls === 'string' ? cls : cls?.content;
    const vocab = tokenizer.get_vocab();
    const clsId = clsToken === undefined ? undefined : vocab instanceof Map ? vocab.get(clsToken) : vocab[clsToken];
    const startId = clsId ?? tokenizer.bos_token_id ?? undefined;
    if (startId === undefined) throw new Error('the tokenizer has no [CLS] / BOS token to start the question');
    return {
      ...common,
      decoder: decoder!,
      startId,
      yesNo: yesNoTokenIdsFor(tokenizer, () => tokenizer.get_vocab()),
      limit: this.options.maxInputTokens ?? tokenizerLimit(tokenizer) ?? Infinity,
    };
  }

  /** Runs the vision encoder once; its output feeds every question about the image. */
  async encode(loaded: Loaded, image: RgbImage): Promise<OrtTensor> {
    const { pixel_values } = await loaded.imageProcessor(toRawImage(loaded.RawImage, image));
    this.stats.imageEncodings++;
    const output = await loaded.vision.run({ pixel_values: new loaded.ort.Tensor('float32', pixel_values.data, pixel_values.dims) });
    return output['image_features']!;
  }

  async ask(image: RgbImage, queries: readonly YesNoQuery[], options: YesNoAskOptions = {}): Promise<YesNoAnswer[]> {
    const loaded = await this.loaded();
    const features = await this.encode(loaded, image);
    const answers: YesNoAnswer[] = [];
    for (const query of queries) {
      throwIfAborted(options.signal);
      // [CLS] + question tokens, no [SEP].
      const { ids, warnings, sent } = framedQueryIds(loaded.tokenizer, query, loaded.limit, { before: [loaded.startId], after: [] });
      const input = new loaded.ort.Tensor(
        'int64',
        BigInt64Array.from(ids, (id) => BigInt(id)),
        [1, ids.length],
      );
      this.stats.decoderRuns++;
      const { logits } = await loaded.decoder.run({ image_features: features, input_ids: input });
      const [, positions, vocab] = logits!.dims as [number, number, number];
      const data = logits!.data as Float32Array;
      const p = yesNoProbabilities(data.subarray((positions - 1) * vocab, positions * vocab), loaded.yesNo, options);
      answers.push(logitsAnswer(p, sent, warnings));
    }
    return answers;
  }

  async dispose(): Promise<void> {
    const loaded = await this.unload();
    await loaded?.vision.release();
    await loaded?.decoder.release();
  }
}

/**
 * npm run bench -w @t2i-reward/vqa [-- --llava DIR --git DIR --images N --questions Q --repeat R]
 *
 * 1. Image-encoding reuse: questions about one image share its vision features (one encoder run per image)
 *    versus the plain transformers.js route, model(processor(image, text)) per question (one encoder run per
 *    question); the same for the GIT-style ONNX backend.
 * 2. Pipeline versus raw session calls: one question through TransformersYesNoBackend (processor, tokenizer,
 *    transformers.js model wrappers) versus the three onnxruntime-node sessions fed prebuilt tensors.
 * Timings are side by side in one run; read the ratios, not the absolute numbers. Models: fixtures/bench-models/
 * (random weights, 224 px, width 256: `npm run fixtures:bench -w @t2i-reward/vqa`, needs /usr/bin/python3 + torch)
 * when generated, else the tiny test fixtures (32 px), where fixed per-call overheads dominate.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createRgbImage, loadOnnxRuntime, loadTransformers, type RgbImage } from '@t2i-reward/core';
import { OnnxGitYesNoBackend, TransformersYesNoBackend } from '@t2i-reward/yes-no';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The bench-size models of `npm run fixtures:bench` when generated, else the tiny test fixtures. */
const model = (bench: string, tiny: string) => {
  const dir = path.join(here, '../fixtures/bench-models', bench);
  return existsSync(path.join(dir, 'config.json')) ? dir : path.join(here, '../fixtures/models', tiny);
};
const { values } = parseArgs({
  options: {
    llava: { type: 'string', default: model('llava', 'tiny-llava') },
    git: { type: 'string', default: model('git', 'tiny-git') },
    images: { type: 'string', default: '4' },
    questions: { type: 'string', default: '6' },
    repeat: { type: 'string', default: '5' },
  },
});
const imageCount = Number(values.images);
const questionCount = Number(values.questions);
const repeat = Number(values.repeat);

const PHRASES = ['red car', 'blue dog', 'green cat', 'wooden bird', 'round photo', 'yellow square', 'metal car', 'left dog'];
const questions = Array.from({ length: questionCount }, (_, i) => ({ body: `${PHRASES[i % PHRASES.length]}?` }));

function testImage(seed: number, size: number): RgbImage {
  const data = new Uint8Array(size * size * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 31 + seed * 97) % 256;
  return createRgbImage(data, size, size);
}

/** Median ms of `repeat` runs after one warm-up. */
async function time(run: () => Promise<unknown>): Promise<number> {
  await run();
  const samples: number[] = [];
  for (let r = 0; r < repeat; r++) {
    const start = performance.now();
    await run();
    samples.push(performance.now() - start);
  }
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
}

const rows: { case: string; 'ms / image': string; 'encoder runs / image': number; 'decoder runs / image': number; 'vs reuse': string }[] = [];
function row(name: string, ms: number, encoder: number, decoder: number, reuseMs: number) {
  rows.push({
    case: name,
    'ms / image': (ms / imageCount).toFixed(2),
    'encoder runs / image': encoder,
    'decoder runs / image': decoder,
    'vs reuse': `${(ms / reuseMs).toFixed(2)}x`,
  });
}

const images = Array.from({ length: imageCount }, (_, i) => testImage(i, 64));

// --- 1a. LLaVA through transformers.js
{
  const batched = new TransformersYesNoBackend({ model: values.llava, maxBatchQuestions: questionCount });
  const single = new TransformersYesNoBackend({ model: values.llava, maxBatchQuestions: 1 });
  await Promise.all([batched.load(), single.load()]);
  const reuseMs = await time(async () => {
    for (const image of images) await batched.ask(image, questions);
  });
  const singleMs = await time(async () => {
    for (const image of images) await single.ask(image, questions);
  });

  const tf = (await loadTransformers()) as unknown as {
    AutoProcessor: {
      from_pretrained(
        id: string,
      ): Promise<{ (image: unknown, text: string): Promise<Record<string, unknown>>; tokenizer: { apply_chat_template(m: unknown[], o: object): string } }>;
    };
    AutoModelForImageTextToText: {
      from_pretrained(
        id: string,
        o: object,
      ): Promise<{ (inputs: object): Promise<{ logits: unknown }>; sessions: Record<string, { run: (...a: unknown[]) => Promise<unknown> }> }>;
    };
    RawImage: new (d: Uint8ClampedArray, w: number, h: number, c: number) => unknown;
  };
  const processor = await tf.AutoProcessor.from_pretrained(values.llava);
  const model = await tf.AutoModelForImageTextToText.from_pretrained(values.llava, { dtype: 'fp32' });
  let naiveEncoder = 0;
  const vision = model.sessions['vision_encoder']!;
  const run = vision.run.bind(vision);
  vision.run = (...args) => {
    naiveEncoder++;
    return run(...args);
  };
  const naive = async () => {
    for (const image of images) {
      const raw = new tf.RawImage(new Uint8ClampedArray(image.data), image.width, image.height, 3);
      for (const q of questions) {
        const text = processor.tokenizer.apply_chat_template([{ role: 'user', content: [{ type: 'image' }, { type: 'text', text: q.body }] }], {
          tokenize: false,
          add_generation_prompt: true,
        });
        await model(await processor(raw, text));
      }
    }
  };
  const naiveMs = await time(naive);
  const perImage = (n: number) => n / (imageCount * (repeat + 1));
  row(
    `llava: reuse features, ${questionCount} questions batched`,
    reuseMs,
    perImage(batched.stats.imageEncodings),
    perImage(batched.stats.decoderRuns),
    reuseMs,
  );
  row('llava: reuse features, one question per decoder run', singleMs, perImage(single.stats.imageEncodings), perImage(single.stats.decoderRuns), reuseMs);
  row('llava: model(processor(image, text)) per question', naiveMs, perImage(naiveEncoder), questionCount, reuseMs);

  // --- 2. pipeline vs raw sessions, one question on one image
  const ort = await loadOnnxRuntime();
  const sessions = Object.fromEntries(
    await Promise.all(
      ['vision_encoder', 'embed_tokens', 'decoder_model_merged'].map(
        async (name) => [name, await ort.InferenceSession.create(path.join(values.llava, 'onnx', `${name}.onnx`))] as const,
      ),
    ),
  );
  const probe = await processor(
    new tf.RawImage(new Uint8ClampedArray(images[0]!.data), 64, 64, 3),
    processor.tokenizer.apply_chat_template([{ role: 'user', content: [{ type: 'image' }, { type: 'text', text: questions[0]!.body }] }], {
      tokenize: false,
      add_generation_prompt: true,
    }),
  );
  const pixelValues = probe.pixel_values as { data: Float32Array; dims: number[] };
  const inputIds = probe.input_ids as { data: BigInt64Array; dims: number[] };
  const imageTokenId = BigInt(
    (JSON.parse(await (await import('node:fs/promises')).readFile(path.join(values.llava, 'config.json'), 'utf8')) as { image_token_index: number })
      .image_token_index,
  );
  const decoder = sessions['decoder_model_merged']!;
  const rawCall = async () => {
    const { image_features: features } = await sessions['vision_encoder']!.run({ pixel_values: new ort.Tensor('float32', pixelValues.data, pixelValues.dims) });
    const { inputs_embeds: embeds } = await sessions['embed_tokens']!.run({ input_ids: new ort.Tensor('int64', inputIds.data, inputIds.dims) });
    const hidden = embeds!.dims[2]!;
    const merged = new Float32Array(embeds!.data as Float32Array);
    const featureData = features!.data as Float32Array;
    let next = 0;
    inputIds.data.forEach((id, i) => {
      if (id === imageTokenId) merged.set(featureData.subarray(next++ * hidden, next * hidden), i * hidden);
    });
    const length = inputIds.dims[1]!;
    const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {
      inputs_embeds: new ort.Tensor('float32', merged, [1, length, hidden]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(length).fill(1n), [1, length]),
      position_ids: new ort.Tensor(
        'int64',
        BigInt64Array.from({ length }, (_, i) => BigInt(i)),
        [1, length],
      ),
    };
    for (const name of decoder.inputNames.filter((n) => n.startsWith('past_key_values'))) {
      const meta = (decoder as unknown as { inputMetadata: { name: string; shape: (number | string)[] }[] }).inputMetadata.find((m) => m.name === name)!;
      const shape = meta.shape.map((d) => (typeof d === 'number' ? d : d === 'batch_size' ? 1 : 0));
      feeds[name] = new ort.Tensor('float32', new Float32Array(0), shape);
    }
    await decoder.run(feeds);
  };
  const oneQuestion = new TransformersYesNoBackend({ model: values.llava });
  await oneQuestion.load();
  const pipelineMs = await time(() => oneQuestion.ask(images[0]!, questions.slice(0, 1)));
  const rawMs = await time(rawCall);
  console.log(`\npipeline vs raw sessions (one question, one image, ${values.llava}):`);
  console.table([
    {
      route: 'TransformersYesNoBackend.ask (preprocess, tokenize, 3 sessions, yes/no)',
      ms: pipelineMs.toFixed(3),
      ratio: `${(pipelineMs / rawMs).toFixed(2)}x`,
    },
    { route: 'raw onnxruntime-node: 3 session.run with prebuilt tensors', ms: rawMs.toFixed(3), ratio: '1.00x' },
  ]);
  await Promise.all([batched.dispose(), single.dispose(), oneQuestion.dispose()]);
}

// --- 1b. GIT-style ONNX
{
  const git = new OnnxGitYesNoBackend({ model: values.git });
  await git.load();
  const before = { ...git.stats };
  const reuseMs = await time(async () => {
    for (const image of images) await git.ask(image, questions);
  });
  const reuseRuns = { enc: git.stats.imageEncodings - before.imageEncodings, dec: git.stats.decoderRuns - before.decoderRuns };
  const perQuestionMs = await time(async () => {
    for (const image of images) for (const q of questions) await git.ask(image, [q]);
  });
  const perImage = (n: number) => n / (imageCount * (repeat + 1));
  row(`git (onnx): encode once, ${questionCount} questions`, reuseMs, perImage(reuseRuns.enc), perImage(reuseRuns.dec), reuseMs);
  row('git (onnx): encode per question', perQuestionMs, questionCount, questionCount, reuseMs);
  await git.dispose();
}

console.log(`\nimage-encoding reuse (${imageCount} images x ${questionCount} questions, median of ${repeat}; ${values.llava}, ${values.git}):`);
console.table(rows);

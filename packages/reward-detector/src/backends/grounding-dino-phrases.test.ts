import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createRgbImage, fromT2IR1Row } from '@t2i-reward/core';
import { createDetectorReward } from '../reward.js';
import { groundingDinoCaption, phraseDetections, phraseScores, phraseTokens, tokenizeCaption, type WordPieceTokenizer } from './grounding-dino-phrases.js';
import { TransformersDetectorBackend } from './transformers.js';

/** A hand-made WordPiece tokenizer: [CLS] 100, [SEP] 101, words cut into pieces of 4 characters ("traf", "##fic"). */
function handTokenizer(): WordPieceTokenizer & { vocab: Map<string, number> } {
  const vocab = new Map<string, number>();
  const id = (piece: string) => {
    if (!vocab.has(piece)) vocab.set(piece, vocab.size + 1);
    return vocab.get(piece) as number;
  };
  const tokenize = (text: string) =>
    text
      .toLowerCase()
      .split(/\s+/)
      .filter(Boolean)
      .flatMap((word) => {
        const pieces: string[] = [];
        for (let i = 0; i < word.length; i += 4) pieces.push((i === 0 ? '' : '##') + word.slice(i, i + 4));
        return pieces;
      });
  return {
    vocab,
    tokenize,
    encode: (text, options) => [
      ...(options?.add_special_tokens === false ? [] : [100]),
      ...tokenize(text).map(id),
      ...(options?.add_special_tokens === false ? [] : [101]),
    ],
  };
}

const logit = (p: number) => Math.log(p / (1 - p));

describe('GroundingDINO phrase scoring (T2I-R1 reward_gdino.py + GroundingDINO create_positive_map_from_span)', () => {
  const nouns = ['dog', 'traffic light', 'big red apple'];
  const { caption, spans } = groundingDinoCaption(nouns);
  const tokenized = tokenizeCaption(caption, handTokenizer());

  it('builds the caption and character spans of make_detection_prompt (first and last word)', () => {
    expect(caption).toBe('dog . traffic light . big red apple.');
    expect(spans).toEqual([
      [[0, 3]],
      [
        [6, 13],
        [14, 19],
      ],
      [
        [22, 25],
        [30, 35],
      ],
    ]);
    expect(spans.map((phrase) => phrase.map(([s, e]) => caption.slice(s, e)).join(' '))).toEqual(['dog', 'traffic light', 'big apple']);
  });

  it('maps phrases to token positions: [CLS] dog . traf ##fic ligh ##t . big red appl ##e . [SEP]', () => {
    expect(tokenized.ids).toHaveLength(14);
    expect(phraseTokens(tokenized, spans).map((p) => p.positions)).toEqual([[1], [3, 4, 5, 6], [8, 10, 11]]); // "red" is not in the phrase
    expect(phraseTokens(tokenized, spans)[1]?.weight).toBe(1 / (4 + 1e-6));
  });

  it('scores each box per phrase by the mean token probability (÷ (n + 1e-6)); a box counts for every phrase above 0.3', () => {
    // Two query boxes over 14 text tokens; probabilities chosen by hand.
    const numTokens = 14;
    const probs = [
      // box 0: dog 0.9; traffic light tokens 0.2 0.4 0.6 0.8; big 0.5, red 0.99 (not in the phrase), appl 0.1, ##e 0.3
      [0.01, 0.9, 0.01, 0.2, 0.4, 0.6, 0.8, 0.01, 0.5, 0.99, 0.1, 0.3, 0.01, 0.01],
      // box 1: dog 0.3 (exactly the threshold before the 1e-6), traffic light all 0.31, apple phrase 0.7 0.7 0.7
      [0.01, 0.3, 0.01, 0.31, 0.31, 0.31, 0.31, 0.01, 0.7, 0.01, 0.7, 0.7, 0.01, 0.01],
    ];
    const logits = probs.flatMap((row) => row.map(logit));
    const scores = phraseScores(logits, 2, numTokens, phraseTokens(tokenized, spans));
    const hand = [
      [0.9 / (1 + 1e-6), 0.3 / (1 + 1e-6)],
      [(0.2 + 0.4 + 0.6 + 0.8) / (4 + 1e-6), (4 * 0.31) / (4 + 1e-6)],
      [(0.5 + 0.1 + 0.3) / (3 + 1e-6), (3 * 0.7) / (3 + 1e-6)],
    ];
    scores.forEach((row, j) => row.forEach((s, q) => expect(s).toBeCloseTo(hand[j]?.[q] as number, 12)));

    const boxes = [0.25, 0.5, 0.5, 0.5, 0.75, 0.5, 0.5, 1.2]; // (cx, cy, w, h); box 1 runs past the image: not clamped
    const detections = phraseDetections(scores, boxes, nouns, { width: 100, height: 200 }, 0.3);
    // box 1's dog (0.3 / (1 + 1e-6)) and box 0's apple phrase (0.9 / (3 + 1e-6)) fall just under 0.3; "red" (0.99) never counts.
    expect(detections.map((d) => d.label)).toEqual(['dog', 'traffic light', 'traffic light', 'big red apple']);
    [0.9 / (1 + 1e-6), 2 / (4 + 1e-6), 1.24 / (4 + 1e-6), 2.1 / (3 + 1e-6)].forEach((v, i) => expect(detections[i]?.score).toBeCloseTo(v, 12));
    [50, -20, 100, 220].forEach((v, k) => expect(detections[2]?.box[k]).toBeCloseTo(v, 9));
    expect(detections[1]?.box).toEqual([0, 50, 50, 150]); // box 0 counts for two phrases
    expect(detections[0]?.box).toEqual([0, 50, 50, 150]);
  });

  it('runs the GroundingDINO fixture through phrase scoring and matches its torch reference', async () => {
    const folder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'models', 'tiny-grounding-dino-io');
    const reference = JSON.parse(fs.readFileSync(path.join(folder, 'reference.json'), 'utf8')) as {
      queries: string[];
      input_ids: number[];
      image: { width: number; height: number; pixels: number[] };
      phrase_mode: { caption: string; positions: number[][]; detections: { label: string; score: number; box: number[] }[] };
    };
    const backend = new TransformersDetectorBackend({ model: folder, boxThreshold: 0.3, groundingDinoScoring: 'phrase-mean' });
    try {
      const { processor } = await backend.load();
      const fixture = groundingDinoCaption(reference.queries);
      expect(fixture.caption).toBe(reference.phrase_mode.caption);
      const ids = tokenizeCaption(fixture.caption, processor.tokenizer);
      expect(ids.ids).toEqual(reference.input_ids);
      expect(ids.ids).toEqual(processor.tokenizer.encode(fixture.caption, { add_special_tokens: true }));
      // Word-by-word encoding equals encoding the whole caption (punctuation, [UNK], upper case, several spaces).
      for (const nouns of [
        ['t-shirt', 'dog'],
        ['Traffic Light', 'cat'],
        ['big  red   dog', 'zebra!'],
        ['ice cream cone', 'roll of tape', 'dog'],
      ]) {
        const text = groundingDinoCaption(nouns).caption;
        expect(tokenizeCaption(text, processor.tokenizer).ids, text).toEqual(processor.tokenizer.encode(text, { add_special_tokens: true }));
      }
      expect(phraseTokens(ids, fixture.spans).map((p) => p.positions)).toEqual(reference.phrase_mode.positions);

      const image = createRgbImage(Uint8Array.from(reference.image.pixels), reference.image.width, reference.image.height);
      const [detections = []] = await backend.detect([image], [reference.queries]);
      const expected = reference.phrase_mode.detections;
      expect(new Set(expected.map((d) => d.label)).size).toBeGreaterThan(1);
      expect(detections).toHaveLength(expected.length);
      detections.forEach((d, i) => {
        expect(d.label).toBe(expected[i]?.label);
        expect(d.score).toBeCloseTo(expected[i]?.score as number, 5);
        expected[i]?.box.forEach((v, k) => expect(d.box[k]).toBeCloseTo(v, 3));
      });
    } finally {
      await backend.dispose();
    }
  });
});

describe('the reward picks phrase scoring for T2I-R1 formulas', () => {
  const folder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'models', 'tiny-grounding-dino-io');
  const reference = JSON.parse(fs.readFileSync(path.join(folder, 'reference.json'), 'utf8')) as {
    queries: string[];
    image: { width: number; height: number; pixels: number[] };
    phrase_mode: { detections: { label: string; score: number }[] };
  };
  const image = createRgbImage(Uint8Array.from(reference.image.pixels), reference.image.width, reference.image.height);
  const reward = createDetectorReward({ backend: { type: 'transformers', model: folder }, formula: 't2i-r1-code', reproduceBugs: true });
  afterAll(async () => {
    await reward.dispose();
  });

  it('t2i-r1 formulas get phrase scoring, compbench / geneval the best-token labels, a backend setting overrides both', async () => {
    const expected = reference.phrase_mode.detections.length;
    const boxesOf = async (options: Parameters<typeof createDetectorReward>[0]) => {
      const r = createDetectorReward(options);
      try {
        const [detections = []] = await r.backend.detect([image], [reference.queries]);
        return detections.length;
      } finally {
        await r.dispose();
      }
    };
    expect(await boxesOf({ backend: { type: 'transformers', model: folder } })).toBe(expected); // default formula t2i-r1
    expect(await boxesOf({ backend: { type: 'transformers', model: folder }, formula: 'compbench' })).toBeLessThanOrEqual(8); // one label per box
    expect(await boxesOf({ backend: { type: 'transformers', model: folder, groundingDinoScoring: 'phrase-mean' }, formula: 'geneval' })).toBe(expected);
  });

  it('reference mode: the row nouns are the caption, existence = fraction of nouns with a phrase box > 0.3', async () => {
    const spec = fromT2IR1Row({ prompt: 'x', task_type: 'color', nouns: reference.queries });
    const [result] = await reward.doScore([{ image, prompt: 'x', spec }]);
    const found = reference.queries.filter((q) => reference.phrase_mode.detections.some((d) => d.label === q && d.score > 0.3));
    expect(found.length).toBeGreaterThan(0);
    expect(result?.score).toBeCloseTo(found.length / reference.queries.length, 12);
  });
});

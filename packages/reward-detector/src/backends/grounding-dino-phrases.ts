import type { Detection } from '../scoring/boxes.js';

/**
 * GroundingDINO phrase scoring as T2I-R1's released reward does it (CaraJ7/T2I-R1 `reward_gdino.py`,
 * `get_grounding_output` with `token_spans`; IDEA-Research/GroundingDINO `create_positive_map_from_span`):
 *
 * 1. caption = nouns joined by " . " plus "."; each noun's phrase covers the characters of its first word and, for
 *    several words, of its last word (`make_detection_prompt`);
 * 2. a phrase's tokens are those from the token of its span's first character to the token of its last
 *    character (`char_to_token`, with the code's fallbacks to the next / previous characters), across its spans;
 * 3. a query box's phrase score is the sum of the sigmoid token probabilities over those tokens divided by
 *    (their number + 1e-6) — the mean, up to that 1e-6;
 * 4. a box counts for **every** phrase whose score is strictly above the box threshold (0.3).
 */

/** The caption and, per noun, the character spans of its phrase (first word; last word too for several words). */
export function groundingDinoCaption(nouns: readonly string[]): { caption: string; spans: [number, number][][] } {
  if (nouns.length === 0) return { caption: '', spans: [] };
  const spans: [number, number][][] = [];
  let pointer = 0;
  for (const noun of nouns) {
    const words = noun.trim().split(' ');
    const first = words[0] ?? '';
    if (words.length === 1) {
      spans.push([[pointer, pointer + first.length]]);
      pointer += first.length + 3;
    } else {
      const last = words[words.length - 1] ?? '';
      spans.push([
        [pointer, pointer + first.length],
        [pointer + noun.length - last.length, pointer + noun.length],
      ]);
      pointer += noun.length + 3;
    }
  }
  return { caption: `${nouns.join(' . ')}.`, spans };
}

/** The two tokenizer calls used (a transformers.js PreTrainedTokenizer has both). */
export interface WordPieceTokenizer {
  encode(text: string, options?: { add_special_tokens?: boolean }): number[];
  tokenize?(text: string): string[];
}

export interface TokenizedCaption {
  /** [CLS] caption tokens [SEP]. */
  ids: number[];
  /** Index into `ids` of the token holding each character of the caption; null for whitespace. */
  charToToken: (number | null)[];
}

const isPunctuation = (ch: string): boolean => {
  const code = ch.codePointAt(0) ?? 0;
  return (code >= 33 && code <= 47) || (code >= 58 && code <= 64) || (code >= 91 && code <= 96) || (code >= 123 && code <= 126) || /\p{P}/u.test(ch);
};
const isCjk = (ch: string): boolean => /\p{Script=Han}/u.test(ch);

/**
 * Tokenizes the caption as BERT does (whitespace split, each punctuation / CJK character a word, WordPiece per
 * word) while recording which token each character falls in — the offsets a fast tokenizer's `char_to_token`
 * reads. Words are encoded one by one; for a BERT tokenizer that equals encoding the whole caption.
 */
export function tokenizeCaption(caption: string, tokenizer: WordPieceTokenizer): TokenizedCaption {
  const [cls, sep] = tokenizer.encode('', { add_special_tokens: true });
  const ids: number[] = [cls as number];
  const charToToken: (number | null)[] = new Array<number | null>(caption.length).fill(null);
  const chars = [...caption];
  let offset = 0;
  let word: { start: number; text: string } | undefined;
  const flush = () => {
    if (!word) return;
    const pieces = tokenizer.encode(word.text, { add_special_tokens: false });
    const strings = tokenizer.tokenize?.(word.text);
    const lengths = strings?.length === pieces.length ? strings.map((s) => (s.startsWith('##') ? s.length - 2 : s.length)) : undefined;
    const first = ids.length;
    ids.push(...pieces);
    if (lengths && lengths.reduce((a, b) => a + b, 0) === word.text.length) {
      let at = word.start;
      lengths.forEach((length, k) => {
        for (let c = 0; c < length; c++) charToToken[at + c] = first + k;
        at += length;
      });
    } else {
      // [UNK] or a normaliser that changed the length: spread the word's characters over its tokens.
      for (let c = 0; c < word.text.length; c++)
        charToToken[word.start + c] = first + Math.min(pieces.length - 1, Math.floor((c * pieces.length) / word.text.length));
    }
    word = undefined;
  };
  for (const ch of chars) {
    if (/\s/u.test(ch)) flush();
    else if (isPunctuation(ch) || isCjk(ch)) {
      flush();
      word = { start: offset, text: ch };
      flush();
    } else if (word) word.text += ch;
    else word = { start: offset, text: ch };
    offset += ch.length;
  }
  flush();
  ids.push(sep as number);
  return { ids, charToToken };
}

export interface PhraseTokens {
  /** Token positions of the phrase (into the model's text axis). */
  positions: number[];
  /** The normaliser 1 / (positions + 1e-6) of `create_positive_map_from_span`. */
  weight: number;
}

/** `create_positive_map_from_span`: each phrase's token positions (below `maxTextLength`) and its weight. */
export function phraseTokens(tokenized: TokenizedCaption, spans: readonly (readonly [number, number])[][], maxTextLength = 256): PhraseTokens[] {
  const at = (char: number): number | null => (char >= 0 && char < tokenized.charToToken.length ? (tokenized.charToToken[char] ?? null) : null);
  return spans.map((phrase) => {
    const positions = new Set<number>();
    for (const [beg, end] of phrase) {
      const begin = at(beg) ?? at(beg + 1) ?? at(beg + 2);
      const last = at(end - 1) ?? at(end - 2) ?? at(end - 3);
      if (begin === null || last === null) continue;
      for (let t = begin; t <= last && t < maxTextLength; t++) positions.add(t);
    }
    const sorted = [...positions].sort((a, b) => a - b);
    return { positions: sorted, weight: 1 / (sorted.length + 1e-6) };
  });
}

/**
 * One detection per (phrase, query box) whose phrase score is strictly above `threshold`, phrase-major like the
 * code's `pred_phrases`; label = the phrase's query, box = the model's (cx, cy, w, h) in image pixels, unclamped.
 */
export function phraseDetections(
  scores: readonly (readonly number[])[],
  boxes: ArrayLike<number>,
  labels: readonly string[],
  image: { width: number; height: number },
  threshold: number,
): Detection[] {
  const detections: Detection[] = [];
  scores.forEach((row, phrase) => {
    row.forEach((score, b) => {
      if (!(score > threshold)) return;
      const [cx, cy, w, h] = [0, 1, 2, 3].map((k) => boxes[b * 4 + k] as number) as [number, number, number, number];
      detections.push({
        label: labels[phrase] as string,
        score,
        box: [(cx - w / 2) * image.width, (cy - h / 2) * image.height, (cx + w / 2) * image.width, (cy + h / 2) * image.height],
      });
    });
  });
  return detections;
}

/**
 * Phrase scores of every query box: `scores[phrase][query]` = Σ over the phrase's tokens of sigmoid(logit) ×
 * weight. `logits` is the model's [numQueries, numTokens] row-major output for one image.
 */
export function phraseScores(logits: ArrayLike<number>, numQueries: number, numTokens: number, phrases: readonly PhraseTokens[]): number[][] {
  return phrases.map(({ positions, weight }) => {
    const row: number[] = [];
    for (let q = 0; q < numQueries; q++) {
      let sum = 0;
      for (const t of positions) if (t < numTokens) sum += 1 / (1 + Math.exp(-(logits[q * numTokens + t] as number)));
      row.push(sum * weight);
    }
    return row;
  });
}

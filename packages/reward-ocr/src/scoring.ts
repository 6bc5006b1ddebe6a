/**
 * Flow-GRPO's OCR reward (yifan123/flow_grpo, `flow_grpo/ocr.py`, MIT), re-implemented from reading it:
 *
 * 1. target = the prompt's text after its first `"` up to the next one (Python `prompt.split('"')[1]`);
 * 2. both sides: spaces removed (only U+0020, as `str.replace(' ', '')`), lower-cased;
 * 3. distance 0 when the target is a substring of the recognised text, else their Levenshtein distance,
 *    capped at the target's length ("recognised many unrelated characters: only the target's length");
 * 4. reward = 1 − distance / length(target).
 *
 * Lengths and edits count Unicode code points, as Python strings do. Where the reference crashes (no `"` in
 * the prompt: IndexError; an empty target: ZeroDivisionError) this returns no target and a warning instead.
 */

/** What the prompt asks the image to read. */
export interface OcrTarget {
  /** The text between the quotes, as written. */
  text: string;
  /** Spaces removed, lower-cased: what is compared. */
  normalized: string;
}

export interface TargetExtraction {
  target?: OcrTarget;
  warnings: string[];
}

/** Spaces removed (U+0020 only, like the reference) and lower-cased. */
export function normalizeOcrText(text: string): string {
  return text.replaceAll(' ', '').toLowerCase();
}

/** The text between the first pair of double quotes; no quote or an empty quote → no target, with a warning. */
export function extractTarget(prompt: string): TargetExtraction {
  const parts = typeof prompt === 'string' ? prompt.split('"') : [];
  if (parts.length < 2) {
    const typographic = typeof prompt === 'string' && /[“”]/.test(prompt);
    return {
      warnings: [`no text in double quotes in the prompt: nothing to read${typographic ? ' (typographic quotes “…” are not read; use ")' : ''}`],
    };
  }
  const text = parts[1]!;
  const warnings = parts.length === 2 ? ['unclosed double quote: the target is the rest of the prompt (as Flow-GRPO reads it)'] : [];
  const normalized = normalizeOcrText(text);
  if (normalized.length === 0) return { warnings: [...warnings, 'the quoted text is empty: nothing to read'] };
  return { target: { text, normalized }, warnings };
}

/**
 * The target of a sample: its spec's `text` (the quoted spans a parser, an LLM spec or a user gave: typographic and
 * single quotes included) when it has one, else the prompt's first double-quoted span as Flow-GRPO reads it. Like
 * the reference, one span is read: the first (a warning names the others).
 */
export function targetOf(sample: { prompt: string; spec?: { text?: string[] } }): TargetExtraction {
  const spans = (sample.spec?.text ?? []).filter((span) => typeof span === 'string' && normalizeOcrText(span).length > 0);
  if (spans.length === 0) return extractTarget(sample.prompt);
  const text = spans[0]!;
  const warnings = spans.length > 1 ? [`the spec has ${spans.length} text spans: only the first ("${text}") is read`] : [];
  return { target: { text, normalized: normalizeOcrText(text) }, warnings };
}

/** Levenshtein distance over code points (insert, delete, substitute: cost 1 each). */
export function levenshtein(a: string, b: string): number {
  const s = Array.from(a);
  const t = Array.from(b);
  if (s.length === 0) return t.length;
  if (t.length === 0) return s.length;
  // One row of the DP table, over the shorter string.
  const [long, short] = s.length >= t.length ? [s, t] : [t, s];
  let row = new Uint32Array(short.length + 1);
  let next = new Uint32Array(short.length + 1);
  for (let j = 0; j <= short.length; j++) row[j] = j;
  for (let i = 1; i <= long.length; i++) {
    next[0] = i;
    const c = long[i - 1];
    for (let j = 1; j <= short.length; j++) {
      const substitute = row[j - 1]! + (short[j - 1] === c ? 0 : 1);
      const remove = row[j]! + 1;
      const insert = next[j - 1]! + 1;
      next[j] = substitute < remove ? (substitute < insert ? substitute : insert) : remove < insert ? remove : insert;
    }
    [row, next] = [next, row];
  }
  return row[short.length]!;
}

/**
 * The smallest Levenshtein distance between `target` and any substring of `text` (Sellers' approximate string
 * matching: a match may start and end anywhere in `text` for free). 0 exactly when `text` contains `target`.
 */
export function substringDistance(target: string, text: string): number {
  const pattern = Array.from(target);
  const haystack = Array.from(text);
  // column[i] = best distance of pattern[0..i) ending at the current position of the text.
  let column = Uint32Array.from({ length: pattern.length + 1 }, (_, i) => i);
  let next = new Uint32Array(pattern.length + 1);
  let best = column[pattern.length]!;
  for (const c of haystack) {
    next[0] = 0;
    for (let i = 1; i <= pattern.length; i++) {
      const substitute = column[i - 1]! + (pattern[i - 1] === c ? 0 : 1);
      next[i] = Math.min(substitute, column[i]! + 1, next[i - 1]! + 1);
    }
    [column, next] = [next, column];
    if (column[pattern.length]! < best) best = column[pattern.length]!;
  }
  return best;
}

/**
 * How the target is compared with the recognised text: 'flow-grpo' (default) is the reference's rule; 'substring'
 * scores the best-matching stretch of the recognised text (see substringDistance), so text read around the
 * target (OCR noise on busy backgrounds, other signs) no longer hides a partly right rendering.
 */
export const OCR_MATCH_MODES = ['flow-grpo', 'substring'] as const;
export type OcrMatchMode = (typeof OCR_MATCH_MODES)[number];

export interface OcrMatch {
  /** The distance that enters the reward: 0 when contained, else min(Levenshtein, target length). */
  distance: number;
  /** 'contains': the target is a substring of the recognised text; else 'levenshtein' (flow-grpo) or 'substring'. */
  rule: 'contains' | 'levenshtein' | 'substring';
  /** The distance before the cap (undefined when contained). */
  levenshtein?: number;
  /** Target length in code points. */
  length: number;
  /** 1 − distance / length, in [0, 1]. */
  reward: number;
}

/** Compares a normalised target with normalised recognised text (see the module comment for the rule). */
export function matchTarget(target: string, recognized: string, mode: OcrMatchMode = 'flow-grpo'): OcrMatch {
  const length = Array.from(target).length;
  if (length === 0) throw new RangeError('empty target');
  if (recognized.includes(target)) return { distance: 0, rule: 'contains', length, reward: 1 };
  const raw = mode === 'substring' ? substringDistance(target, recognized) : levenshtein(recognized, target);
  const distance = Math.min(raw, length);
  return { distance, rule: mode === 'substring' ? 'substring' : 'levenshtein', levenshtein: raw, length, reward: 1 - distance / length };
}

/** One recognised unit with its confidence (a tesseract word; a PaddleOCR line in the reference). */
export interface RecognizedPiece {
  text: string;
  /** 0–100 for tesseract. */
  confidence: number;
}

/**
 * The string the target is compared with: the pieces whose confidence is above `minConfidence` (the reference
 * keeps PaddleOCR lines with confidence > 0), concatenated, then normalised.
 */
export function recognizedString(pieces: readonly RecognizedPiece[], minConfidence = 0): string {
  return normalizeOcrText(
    pieces
      .filter((piece) => piece.confidence > minConfidence)
      .map((piece) => piece.text)
      .join(''),
  );
}

/** The whole reward for a prompt and the recognised pieces: undefined target → null score. */
export function ocrReward(
  prompt: string,
  pieces: readonly RecognizedPiece[],
  minConfidence = 0,
  mode: OcrMatchMode = 'flow-grpo',
): { target?: OcrTarget; match?: OcrMatch; recognized: string; warnings: string[] } {
  const { target, warnings } = extractTarget(prompt);
  const recognized = recognizedString(pieces, minConfidence);
  if (!target) return { recognized, warnings };
  return { target, match: matchTarget(target.normalized, recognized, mode), recognized, warnings };
}

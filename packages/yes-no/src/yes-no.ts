/**
 * The yes/no scoring shared by the VQA and ORM experts (DESIGN §3): from the logits of the first answer token,
 * P(yes) and P(no) are the softmax probabilities (logits optionally divided by a temperature) summed over every
 * spelling of the answer in the vocabulary ("yes", "Yes", " yes", "▁yes", "Ġyes", "YES", ...); the reward is
 * P(yes) / (P(yes) + P(no)). Everything is computed in log space (log-sum-exp), so large logits or a tiny
 * temperature never overflow and the ratio stays exact when both probabilities underflow.
 */

/** Token ids of every spelling of "yes" and of "no" in one vocabulary. */
export interface YesNoTokenIds {
  readonly yes: readonly number[];
  readonly no: readonly number[];
  /** The ids the released T2I-R1 code reads (see ReferenceTokenIds); absent when the vocabulary lacks "yes" or "no". */
  readonly reference?: ReferenceTokenIds;
}

/**
 * The token ids T2I-R1's released rewards read: `yes` / `no` are the single tokens spelled exactly "yes" / "no"
 * (`tokenizer.convert_tokens_to_ids("yes")` in reward_orm.py; `tokenizer.encode('yes')[1]` in reward_git.py, the
 * same wordpiece for GIT's BERT vocabulary); `answers` are the tokens a sampled first answer may be for
 * reward_orm.py to accept it: those whose raw token string, `.lower().strip()`, is "yes" or "no" ("Yes", "NO";
 * not "Ġyes" or "▁yes", whose marker is no whitespace).
 */
export interface ReferenceTokenIds {
  readonly yes: number;
  readonly no: number;
  readonly answers: readonly number[];
}

/** First-token probabilities as the released T2I-R1 code reads them (single lowercase ids). */
export interface ReferenceFirstToken {
  /** softmax(logits / T)[id of "yes"], over the top-k tokens when a top-k is set. */
  pYes: number;
  pNo: number;
  /** pYes / (pYes + pNo) (NaN when both are 0). */
  ratio: number;
  /** Probability that a first token sampled from the same distribution is accepted as an answer (ReferenceTokenIds.answers). */
  pAnswer: number;
}

export interface YesNoProbabilities {
  /** Softmax probability mass of all "yes" spellings over the full vocabulary. */
  pYes: number;
  /** Same for "no". */
  pNo: number;
  /** P(yes) / (P(yes) + P(no)), computed as a logistic of the log-mass difference (stable when both underflow). */
  ratio: number;
}

/** Word-boundary markers tokenizers put before a word: SentencePiece "▁", byte-level BPE "Ġ", plain space. */
const LEADING_MARKERS = /^[\s\u2581\u0120]+/u;

/**
 * The answer word a vocabulary entry spells, lower-cased, or undefined for continuation pieces ("##yes") and
 * special tokens. "▁Yes", "Ġyes", " YES" all give "yes".
 */
export function answerWordOf(token: string): string | undefined {
  if (token.startsWith('##') || (token.startsWith('<') && token.endsWith('>'))) return undefined;
  const word = token.replace(LEADING_MARKERS, '').trimEnd();
  return word.length > 0 ? word.toLowerCase() : undefined;
}

/** Python's `str.isspace()` characters (not JavaScript's `trim` set: '\x1c'-'\x1f' and '\x85' are in it, '\ufeff' is not). */
const PYTHON_SPACE = '\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000';
const PYTHON_STRIP = new RegExp(`^[${PYTHON_SPACE}]+|[${PYTHON_SPACE}]+$`, 'gu');

/** Python's `text.lower().strip()`, as reward_orm.py reads a sampled token string. */
export function pythonLowerStrip(text: string): string {
  return text.toLowerCase().replace(PYTHON_STRIP, '');
}

/** Collects the ids of all "yes" and "no" spellings from a token → id vocabulary. */
export function findYesNoTokenIds(vocab: Iterable<readonly [string, number]> | Record<string, number>): YesNoTokenIds {
  const entries: Iterable<readonly [string, number]> =
    Symbol.iterator in vocab ? (vocab as Iterable<readonly [string, number]>) : Object.entries(vocab as Record<string, number>);
  const yes = new Set<number>();
  const no = new Set<number>();
  const answers = new Set<number>();
  let exactYes: number | undefined;
  let exactNo: number | undefined;
  for (const [token, id] of entries) {
    const word = answerWordOf(token);
    if (word === 'yes') yes.add(id);
    else if (word === 'no') no.add(id);
    if (token === 'yes') exactYes = id;
    else if (token === 'no') exactNo = id;
    // Python's str.strip() removes whitespace only; "Ġ" / "▁" are letters to it.
    const stripped = pythonLowerStrip(token);
    if (stripped === 'yes' || stripped === 'no') answers.add(id);
  }
  return {
    yes: [...yes].sort((a, b) => a - b),
    no: [...no].sort((a, b) => a - b),
    ...(exactYes !== undefined && exactNo !== undefined ? { reference: { yes: exactYes, no: exactNo, answers: [...answers].sort((a, b) => a - b) } } : {}),
  };
}

const idsCache = new WeakMap<object, YesNoTokenIds>();

/**
 * `findYesNoTokenIds` memoised per tokenizer object (the vocabulary scan runs once per tokenizer).
 * `readVocab` is only called on a cache miss.
 */
export function yesNoTokenIdsFor(tokenizer: object, readVocab: () => Iterable<readonly [string, number]> | Record<string, number>): YesNoTokenIds {
  let ids = idsCache.get(tokenizer);
  if (!ids) {
    ids = findYesNoTokenIds(readVocab());
    idsCache.set(tokenizer, ids);
  }
  return ids;
}

/** log Σ exp(values[i] / temperature) over the given indices (all indices when `indices` is undefined). */
function logSumExp(logits: ArrayLike<number>, temperature: number, indices?: readonly number[]): number {
  let max = -Infinity;
  const count = indices ? indices.length : logits.length;
  for (let k = 0; k < count; k++) {
    const value = (logits[indices ? indices[k]! : k] ?? Number.NaN) / temperature;
    if (value > max) max = value;
  }
  if (max === -Infinity) return -Infinity;
  if (!Number.isFinite(max)) return max; // NaN or +Infinity propagate so callers notice broken logits
  let sum = 0;
  for (let k = 0; k < count; k++) {
    sum += Math.exp(logits[indices ? indices[k]! : k]! / temperature - max);
  }
  return max + Math.log(sum);
}

export interface YesNoOptions {
  /** Logits are divided by it before the softmax (T2I-R1's ORM uses 0.3). Default 1. */
  temperature?: number;
  /**
   * Only for the `reference` probabilities: keep the k largest logits before the softmax (Hugging Face
   * `generate`'s top-k warper, whose scores reward_orm.py reads; its default k is 50). Default: no top-k.
   */
  topK?: number;
}

/**
 * P(yes), P(no) and their ratio from one position's logits over the full vocabulary.
 * Throws a RangeError for an empty id list, an id outside the vocabulary, or a non-positive temperature.
 */
export function yesNoProbabilities(
  logits: ArrayLike<number>,
  ids: YesNoTokenIds,
  options: YesNoOptions = {},
): YesNoProbabilities & { reference?: ReferenceFirstToken } {
  const temperature = options.temperature ?? 1;
  if (!(temperature > 0) || !Number.isFinite(temperature)) {
    throw new RangeError(`temperature must be a positive finite number, got ${temperature}`);
  }
  if (ids.yes.length === 0 || ids.no.length === 0) {
    throw new RangeError('the vocabulary has no spelling of "yes" or of "no"');
  }
  for (const id of [...ids.yes, ...ids.no]) {
    if (!Number.isInteger(id) || id < 0 || id >= logits.length) {
      throw new RangeError(`token id ${id} is outside the logits (vocabulary size ${logits.length})`);
    }
  }
  const logZ = logSumExp(logits, temperature);
  const logYes = logSumExp(logits, temperature, ids.yes);
  const logNo = logSumExp(logits, temperature, ids.no);
  return {
    pYes: Math.exp(logYes - logZ),
    pNo: Math.exp(logNo - logZ),
    ratio: ratioFromLogMasses(logYes, logNo),
    ...(ids.reference ? { reference: referenceFirstToken(logits, ids.reference, options) } : {}),
  };
}

/**
 * The first-token numbers of T2I-R1's released code from one position's logits: the softmax of logits / T
 * (restricted to the top-k logits when `topK` is set; like Hugging Face's TopKLogitsWarper, which masks the logits
 * below the k-th largest, ties at the k-th value are kept), read at the single "yes" / "no" ids, and the mass of the tokens a sampled answer is accepted as.
 */
export function referenceFirstToken(logits: ArrayLike<number>, ids: ReferenceTokenIds, options: YesNoOptions = {}): ReferenceFirstToken {
  const temperature = options.temperature ?? 1;
  if (!(temperature > 0) || !Number.isFinite(temperature)) throw new RangeError(`temperature must be a positive finite number, got ${temperature}`);
  const n = logits.length;
  for (const id of [ids.yes, ids.no, ...ids.answers]) {
    if (!Number.isInteger(id) || id < 0 || id >= n) throw new RangeError(`token id ${id} is outside the logits (vocabulary size ${n})`);
  }
  let kept: number[] | undefined;
  let threshold = -Infinity;
  if (options.topK !== undefined) {
    if (!Number.isInteger(options.topK) || options.topK < 1) throw new RangeError(`topK must be a positive integer, got ${options.topK}`);
    if (options.topK < n) {
      // torch.topk keeps exactly k entries; the k-th largest value is the cut (HF masks logits < that value).
      const sorted = Array.from(logits).sort((a, b) => b - a);
      threshold = sorted[options.topK - 1]!;
      kept = [];
      for (let i = 0; i < n; i++) if (logits[i]! >= threshold) kept.push(i);
    }
  }
  const inTop = (id: number): boolean => logits[id]! >= threshold;
  const logZ = logSumExp(logits, temperature, kept);
  const prob = (id: number): number => (inTop(id) ? Math.exp(logits[id]! / temperature - logZ) : 0);
  const pYes = prob(ids.yes);
  const pNo = prob(ids.no);
  const answers = ids.answers.filter(inTop);
  const pAnswer = answers.length === 0 ? 0 : Math.exp(logSumExp(logits, temperature, answers) - logZ);
  const ratio =
    pYes + pNo > 0
      ? ratioFromLogMasses(inTop(ids.yes) ? logits[ids.yes]! / temperature : -Infinity, inTop(ids.no) ? logits[ids.no]! / temperature : -Infinity)
      : Number.NaN;
  return { pYes, pNo, ratio, pAnswer };
}

/** P(yes)/(P(yes)+P(no)) from log P(yes) and log P(no), as a logistic of their difference. */
export function ratioFromLogMasses(logYes: number, logNo: number): number {
  if (logYes === -Infinity && logNo === -Infinity) return Number.NaN;
  const diff = logNo - logYes;
  return diff >= 0 ? Math.exp(-diff) / (1 + Math.exp(-diff)) : 1 / (1 + Math.exp(diff));
}

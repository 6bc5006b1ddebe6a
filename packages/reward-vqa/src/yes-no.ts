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

/** Collects the ids of all "yes" and "no" spellings from a token → id vocabulary. */
export function findYesNoTokenIds(vocab: Iterable<readonly [string, number]> | Record<string, number>): YesNoTokenIds {
  const entries: Iterable<readonly [string, number]> = Symbol.iterator in vocab
    ? (vocab as Iterable<readonly [string, number]>)
    : Object.entries(vocab as Record<string, number>);
  const yes = new Set<number>();
  const no = new Set<number>();
  for (const [token, id] of entries) {
    const word = answerWordOf(token);
    if (word === 'yes') yes.add(id);
    else if (word === 'no') no.add(id);
  }
  return { yes: [...yes].sort((a, b) => a - b), no: [...no].sort((a, b) => a - b) };
}

const idsCache = new WeakMap<object, YesNoTokenIds>();

/**
 * `findYesNoTokenIds` memoised per tokenizer object (the vocabulary scan runs once per tokenizer).
 * `readVocab` is only called on a cache miss.
 */
export function yesNoTokenIdsFor(
  tokenizer: object,
  readVocab: () => Iterable<readonly [string, number]> | Record<string, number>,
): YesNoTokenIds {
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
    sum += Math.exp((logits[indices ? indices[k]! : k]!) / temperature - max);
  }
  return max + Math.log(sum);
}

export interface YesNoOptions {
  /** Logits are divided by it before the softmax (T2I-R1's ORM uses 0.3). Default 1. */
  temperature?: number;
}

/**
 * P(yes), P(no) and their ratio from one position's logits over the full vocabulary.
 * Throws a RangeError for an empty id list, an id outside the vocabulary, or a non-positive temperature.
 */
export function yesNoProbabilities(
  logits: ArrayLike<number>,
  ids: YesNoTokenIds,
  options: YesNoOptions = {},
): YesNoProbabilities {
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
  };
}

/** P(yes)/(P(yes)+P(no)) from log P(yes) and log P(no), as a logistic of their difference. */
export function ratioFromLogMasses(logYes: number, logNo: number): number {
  if (logYes === -Infinity && logNo === -Infinity) return Number.NaN;
  const diff = logNo - logYes;
  return diff >= 0 ? Math.exp(-diff) / (1 + Math.exp(-diff)) : 1 / (1 + Math.exp(diff));
}

import { SPATIAL_RELATIONS, type SpatialRelation } from './types.js';

/**
 * The spatial relation phrases of T2I-CompBench, GenEval and T2I-R1 (plus the usual English synonyms), as word
 * sequences, each with its canonical relation. Phrases are matched longest first, so "on the left of" wins over
 * "left of" and "on top of" over a bare "top".
 */
export interface RelationPhrase {
  /** Lower-case words, e.g. ['on', 'the', 'left', 'of']. */
  readonly words: readonly string[];
  readonly relation: SpatialRelation;
  /**
   * A bare preposition ("over", "under", "near"): only a relation when a noun phrase follows it. Phrases ending
   * in "of" / "to" always take one.
   */
  readonly bare?: boolean;
}

const PHRASES: ReadonlyArray<readonly [string, SpatialRelation, boolean?]> = [
  // left / right
  ['on the left of', 'left of'],
  ['on the left side of', 'left of'],
  ['to the left of', 'left of'],
  ['to the left side of', 'left of'],
  ['at the left of', 'left of'],
  ['on left of', 'left of'],
  ['left of', 'left of'],
  ['on the right of', 'right of'],
  ['on the right side of', 'right of'],
  ['to the right of', 'right of'],
  ['to the right side of', 'right of'],
  ['at the right of', 'right of'],
  ['on right of', 'right of'],
  ['right of', 'right of'],
  // above
  ['on the top of', 'above'],
  ['on top of', 'above'],
  ['at the top of', 'above'],
  ['atop', 'above', true],
  ['above', 'above', true],
  ['over', 'above', true],
  // below
  ['on the bottom of', 'below'],
  ['at the bottom of', 'below'],
  ['on bottom of', 'below'],
  ['below', 'below', true],
  ['under', 'below', true],
  ['underneath', 'below', true],
  ['beneath', 'below', true],
  // proximity
  ['next to', 'next to'],
  ['beside', 'next to', true],
  ['alongside', 'next to', true],
  ['near', 'near', true],
  ['nearby', 'near', true],
  ['near to', 'near'],
  ['close to', 'near'],
  ['on side of', 'on side of'],
  ['on the side of', 'on side of'],
  ['at the side of', 'on side of'],
  ['to the side of', 'on side of'],
  ['by the side of', 'on side of'],
  // depth
  ['in front of', 'in front of'],
  ['in the front of', 'in front of'],
  ['behind', 'behind', true],
  ['in back of', 'behind'],
  ['at the back of', 'behind'],
];

/** Relation phrases, longest first. */
export const RELATION_PHRASES: readonly RelationPhrase[] = PHRASES.map(([text, relation, bare]) => ({
  words: text.split(' '),
  relation,
  ...(bare ? { bare: true } : {}),
})).sort((a, b) => b.words.length - a.words.length);

const BY_TEXT = new Map<string, SpatialRelation>(PHRASES.map(([text, relation]) => [text, relation]));
for (const relation of SPATIAL_RELATIONS) BY_TEXT.set(relation, relation);

/**
 * The canonical relation of a phrase ("on the top of" → "above", "to the left of" → "left of"), or undefined
 * when it is not a spatial relation phrase. Case, surrounding whitespace, punctuation and a leading "is" / "are"
 * are ignored.
 */
export function normalizeRelation(phrase: string): SpatialRelation | undefined {
  if (typeof phrase !== 'string') return undefined;
  const text = phrase
    .toLowerCase()
    .replace(/[^a-z\s]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^(?:is|are|was|were|be|being|located|placed|positioned|sitting|standing) /, '');
  return BY_TEXT.get(text);
}

/** True for the relations 2D detectors cannot judge (they need depth). */
export function isDepthRelation(relation: SpatialRelation): boolean {
  return relation === 'in front of' || relation === 'behind';
}

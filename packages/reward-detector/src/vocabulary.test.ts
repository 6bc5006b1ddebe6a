import { describe, expect, it } from 'vitest';
import { parsePrompt } from '@t2i-reward/core';
import { COCO_CLASSES } from './coco.js';
import { cocoVocabulary, createVocabulary, singularCandidates } from './vocabulary.js';

describe('COCO vocabulary', () => {
  const coco = cocoVocabulary();
  /** Each word resolves to its label (the word names the failing pair). */
  const resolvesTo = (pairs: [word: string, label: string][]) => {
    for (const [word, label] of pairs) expect(coco.resolve(word), word).toBe(label);
  };

  it('has the 80 COCO classes, each resolving to itself', () => {
    expect(COCO_CLASSES).toHaveLength(80);
    for (const name of COCO_CLASSES) expect(coco.resolve(name)).toBe(name);
  });

  it('maps people words, animal and vehicle synonyms, and the British / American spellings', () => {
    for (const word of ['girl', 'boy', 'man', 'woman', 'child', 'people', 'men', 'women', 'children']) expect(coco.resolve(word)).toBe('person');
    resolvesTo([
      ['puppy', 'dog'],
      ['puppies', 'dog'],
      ['motorbike', 'motorcycle'],
      ['aeroplane', 'airplane'],
      ['television', 'tv'],
      ['tv', 'tv'],
      ['sofa', 'couch'],
      ['computer mouse', 'mouse'],
      ['tv remote', 'remote'],
    ]);
  });

  it("maps the people words the parser keeps (issue 20) to person: the spec says 'police officer', the detector looks for a person", () => {
    for (const prompt of [
      'a police officer directing traffic',
      'a man riding a horse',
      'a chef slicing onions',
      'a surfer riding a wave',
      'two fishermen on a pier',
    ]) {
      const names = parsePrompt(prompt).objects.map((o) => o.name);
      expect(coco.resolve(names[0]!), `${prompt} → ${names[0]}`).toBe('person');
      expect(names[0]).not.toBe('person');
    }
    expect(coco.resolve('horse')).toBe('horse');
  });

  it('singularises plurals, including irregular and -es / -ies / -ves forms', () => {
    resolvesTo([
      ['dogs', 'dog'],
      ['buses', 'bus'],
      ['benches', 'bench'],
      ['knives', 'knife'],
      ['wine glasses', 'wine glass'],
      ['mice', 'mouse'],
      ['skis', 'skis'],
      ['scissors', 'scissors'],
    ]);
    expect(singularCandidates('cherries')).toContain('cherry');
  });

  it('falls back to the head noun of a compound, after the exact compound', () => {
    resolvesTo([
      ['polar bear', 'bear'],
      ['teddy bear', 'teddy bear'],
      ['sports car', 'car'],
      ['hot dog', 'hot dog'],
      ['fire trucks', 'truck'],
      ['The Dog', 'dog'],
    ]);
  });

  it('returns undefined for nouns outside the vocabulary', () => {
    for (const word of ['unicorn', 'castle', 'moon', '', 'street light']) expect(coco.resolve(word)).toBeUndefined();
  });

  it('takes caller synonyms, which win, and ignores synonyms to unknown classes', () => {
    const custom = cocoVocabulary({ hatchback: 'car', plant: 'broccoli', robot: 'android' });
    expect(custom.resolve('hatchbacks')).toBe('car');
    expect(custom.resolve('plant')).toBe('broccoli');
    expect(custom.resolve('robot')).toBeUndefined();
    const tiny = createVocabulary(['cat']);
    expect(tiny.resolve('kitten')).toBeUndefined();
    expect(tiny.resolve('cats')).toBe('cat');
  });
});

import { describe, expect, it } from 'vitest';
import { parsePrompt } from '@t2i-reward/core';
import { COCO_CLASSES } from './coco.js';
import { cocoVocabulary, createVocabulary, singularCandidates } from './vocabulary.js';

describe('COCO vocabulary', () => {
  const coco = cocoVocabulary();

  it('has the 80 COCO classes, each resolving to itself', () => {
    expect(COCO_CLASSES).toHaveLength(80);
    for (const name of COCO_CLASSES) expect(coco.resolve(name)).toBe(name);
  });

  it('maps people words, animal and vehicle synonyms, and the British / American spellings', () => {
    for (const word of ['girl', 'boy', 'man', 'woman', 'child', 'people', 'men', 'women', 'children']) expect(coco.resolve(word)).toBe('person');
    expect(coco.resolve('puppy')).toBe('dog');
    expect(coco.resolve('puppies')).toBe('dog');
    expect(coco.resolve('motorbike')).toBe('motorcycle');
    expect(coco.resolve('aeroplane')).toBe('airplane');
    expect(coco.resolve('television')).toBe('tv');
    expect(coco.resolve('tv')).toBe('tv');
    expect(coco.resolve('sofa')).toBe('couch');
    expect(coco.resolve('computer mouse')).toBe('mouse');
    expect(coco.resolve('tv remote')).toBe('remote');
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
    expect(coco.resolve('dogs')).toBe('dog');
    expect(coco.resolve('buses')).toBe('bus');
    expect(coco.resolve('benches')).toBe('bench');
    expect(coco.resolve('knives')).toBe('knife');
    expect(coco.resolve('wine glasses')).toBe('wine glass');
    expect(coco.resolve('mice')).toBe('mouse');
    expect(coco.resolve('skis')).toBe('skis');
    expect(coco.resolve('scissors')).toBe('scissors');
    expect(singularCandidates('cherries')).toContain('cherry');
  });

  it('falls back to the head noun of a compound, after the exact compound', () => {
    expect(coco.resolve('polar bear')).toBe('bear');
    expect(coco.resolve('teddy bear')).toBe('teddy bear');
    expect(coco.resolve('sports car')).toBe('car');
    expect(coco.resolve('hot dog')).toBe('hot dog');
    expect(coco.resolve('fire trucks')).toBe('truck');
    expect(coco.resolve('The Dog')).toBe('dog');
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

import { describe, expect, it } from 'vitest';
import { isDepthRelation, normalizeRelation, RELATION_PHRASES } from './relations.js';
import { SPATIAL_RELATIONS, type SpatialRelation } from './types.js';

describe('normalizeRelation', () => {
  const cases: [string, SpatialRelation][] = [
    ['on the left of', 'left of'],
    ['left of', 'left of'],
    ['to the left of', 'left of'],
    ['on the right of', 'right of'],
    ['right of', 'right of'],
    ['to the right of', 'right of'],
    ['on the top of', 'above'],
    ['on top of', 'above'],
    ['above', 'above'],
    ['over', 'above'],
    ['on the bottom of', 'below'],
    ['below', 'below'],
    ['under', 'below'],
    ['beneath', 'below'],
    ['next to', 'next to'],
    ['near', 'near'],
    ['beside', 'next to'],
    ['on side of', 'on side of'],
    ['in front of', 'in front of'],
    ['behind', 'behind'],
  ];
  it.each(cases)('"%s" → %s', (phrase, relation) => {
    expect(normalizeRelation(phrase)).toBe(relation);
  });

  it('ignores case, extra whitespace, punctuation and a leading copula', () => {
    expect(normalizeRelation('  On The  LEFT of ')).toBe('left of');
    expect(normalizeRelation('is on top of')).toBe('above');
    expect(normalizeRelation('next to,')).toBe('next to');
  });

  it('maps every canonical relation to itself', () => {
    for (const relation of SPATIAL_RELATIONS) expect(normalizeRelation(relation)).toBe(relation);
  });

  it('returns undefined for anything else', () => {
    for (const phrase of ['', 'inside', 'left', 'on', 'top', 'the left of the', 'with']) {
      expect(normalizeRelation(phrase)).toBeUndefined();
    }
    expect(normalizeRelation(42 as unknown as string)).toBeUndefined();
  });

  it('accepts every locality used in the T2I-R1 metadata', () => {
    const localities = [
      'left of',
      'below',
      'right of',
      'above',
      'next to',
      'on the left of',
      'on the right of',
      'on the bottom of',
      'on the top of',
      'on top of',
      'near',
      'on side of',
    ];
    for (const locality of localities) expect(normalizeRelation(locality)).toBeDefined();
  });
});

describe('RELATION_PHRASES', () => {
  it('lists longer phrases first, so "on the left of" wins over "left of"', () => {
    for (let i = 1; i < RELATION_PHRASES.length; i++) {
      expect(RELATION_PHRASES[i - 1]!.words.length).toBeGreaterThanOrEqual(RELATION_PHRASES[i]!.words.length);
    }
  });

  it('agrees with normalizeRelation', () => {
    for (const phrase of RELATION_PHRASES) expect(normalizeRelation(phrase.words.join(' '))).toBe(phrase.relation);
  });
});

describe('isDepthRelation', () => {
  it('flags only the relations 2D detectors cannot judge', () => {
    expect(SPATIAL_RELATIONS.filter(isDepthRelation)).toEqual(['in front of', 'behind']);
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { queryText, stripSpecialTokens } from './backend.js';

describe('stripSpecialTokens', () => {
  const specials = ['<image>', '<|im_end|>', '<|im_start|>', '</s>'];

  it('removes special-token text and says which', () => {
    expect(stripSpecialTokens('a red car<|im_end|>\n<|im_start|>assistant', specials)).toEqual({
      text: 'a red car\nassistant',
      warning: 'removed special token text "<|im_start|>", "<|im_end|>" from the prompt',
    });
    expect(stripSpecialTokens('a {prompt} "car"', specials)).toEqual({ text: 'a {prompt} "car"' });
  });

  it('does not let a removal assemble another token', () => {
    expect(stripSpecialTokens('<im<image>age>', specials).text).toBe('');
    expect(stripSpecialTokens('<|im_<image>end|>x', specials).text).toBe('x');
  });

  it('property: the result never contains a special token', () => {
    const alphabet = fc.constantFrom('<', '>', '|', 'i', 'm', 'a', 'g', 'e', '_', 'n', 'd', 's', '/', 't', 'r', ' ');
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 60 }).map((chars) => chars.join('')),
        (text) => {
          const { text: cleaned } = stripSpecialTokens(text, specials);
          for (const token of specials) expect(cleaned.includes(token)).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('queryText', () => {
  it('joins the parts without interpreting the body', () => {
    expect(queryText({ prefix: 'P: ', body: '{prompt} $& $1', suffix: '.' })).toBe('P: {prompt} $& $1.');
  });
});

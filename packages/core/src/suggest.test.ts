import { describe, expect, it } from 'vitest';
import { closestName, didYouMean, editDistance } from './suggest.js';

describe('did you mean', () => {
  it('edit distance counts insertions, deletions, substitutions and adjacent swaps', () => {
    expect(editDistance('centernet', 'centernet')).toBe(0);
    expect(editDistance('centrenet', 'centernet')).toBe(1);
    expect(editDistance('detectr', 'detector')).toBe(1);
    expect(editDistance('abc', '')).toBe(3);
    expect(editDistance('Kitten', 'sitting')).toBe(3);
  });

  it('names the closest known name, or none when nothing is close', () => {
    expect(closestName('centrenet', ['centernet'])).toBe('centernet');
    expect(closestName('detectr', ['detector', 'vqa', 'orm', 'hpm', 'ocr'])).toBe('detector');
    expect(closestName('orn', ['detector', 'vqa', 'orm', 'hpm', 'ocr'])).toBe('orm');
    expect(closestName('yolov8', ['centernet'])).toBeUndefined();
    expect(didYouMean('genevl', ['geneval', 't2i-compbench'])).toBe("; did you mean 'geneval'?");
    expect(didYouMean('zzz', ['geneval'])).toBe('');
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { EXAMPLE_IMAGES } from '@t2i-reward/core';
import { runCliCaptured } from './__fixtures__/run-cli.js';
import { createRewardRegistry } from '@t2i-reward/core';
import { expertPlugin as detectorPlugin, mediumNote } from '@t2i-reward/detector';
import { SHOWCASE } from './score.js';

// `npm start` (`t2ir score` with no arguments): the bundled photos with prompts that exercise the count and spatial
// rules, passing and failing, and a painting whose 0 the why column explains. The real CenterNet detector, in-process.

const scream = EXAMPLE_IMAGES.find((example) => example.name === 'scream')!.path;

afterEach(() => vi.restoreAllMocks());

describe('the showcase (t2ir score with no arguments)', () => {
  it('shows existence, the count rule and the spatial rule, each passing or failing as the photo says', async () => {
    const { code, stdout } = await runCliCaptured('score', '--threads', '0', '--json');
    expect(code).toBe(0);
    const { results } = JSON.parse(stdout) as {
      results: {
        image: string;
        prompt: string;
        reward: number;
        experts: { detector: { details: { objects: { name: string; found: number; count?: number }[] } } };
      }[];
    };
    expect(results.map((result) => result.prompt)).toEqual(SHOWCASE.map((item) => item.prompt));
    const by = Object.fromEntries(results.map((result) => [result.prompt, result]));
    expect(by['a giraffe and a zebra']!.reward).toBe(1);
    // Count rule: exactly three horses pass; one bird where two are asked scores 0.
    expect(by['three horses']!.reward).toBe(1);
    expect(by['two birds']!.reward).toBe(0);
    expect(by['two birds']!.experts.detector.details.objects[0]).toMatchObject({ name: 'bird', found: 1, count: 2 });
    // Spatial rule: the person is left of the horse (1); the dog is not right of the bicycle (existence only, 0.4).
    expect(by['a person on the left of a horse']!.reward).toBe(1);
    expect(by['a dog on the right of a bicycle']!.reward).toBeCloseTo(0.4, 6);
    expect(by['a painting of a man screaming']!.reward).toBe(0);
  });

  it("the table's why column says why the painting scores 0", async () => {
    const { code, stdout } = await runCliCaptured('score', '--threads', '0', '--image', scream, '--prompt', 'a painting of a man screaming');
    expect(code).toBe(0);
    const flat = stdout.replace(/[│┃|]/g, ' ').replace(/\s+/g, ' ');
    expect(flat).toContain(
      'a painting: the detector learned from COCO photos and often finds no one in paintings or drawings, so this 0 says "not found", not "not there"',
    );
  });

  it("the note is the detector's own (its explain, given the prompt), for nothing found in a painting or drawing only", () => {
    const missed = { kind: 'detector', score: 0, details: { objects: [{ name: 'man', found: 0 }] } };
    expect(mediumNote(missed.details, { prompt: 'a watercolour of a man', score: 0 })).toMatch(/^a watercolour: /);
    expect(mediumNote(missed.details, { prompt: 'a photo of a man', score: 0 })).toBeUndefined();
    expect(mediumNote({ objects: [{ name: 'man', found: 1 }] }, { prompt: 'a painting of a man', score: 1 })).toBeUndefined();
    // Through a registry: the detector's explain adds it given the prompt; another kind's does not, nor without a prompt.
    const registry = createRewardRegistry({ plugins: [detectorPlugin] });
    expect(registry.explain(missed, { prompt: 'a painting of a man' })).toContain('a painting: the detector learned from COCO photos');
    expect(registry.explain({ ...missed, kind: 'vqa' }, { prompt: 'a painting of a man' })).not.toContain('COCO');
    expect(registry.explain(missed)).not.toContain('COCO');
  });
});

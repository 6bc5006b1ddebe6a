import { EXAMPLE_IMAGES } from '@t2i-reward/core';
import type { BenchItem, Suite } from '../types.js';

/**
 * Prompts an example photo does NOT match (objects the photo lacks), so the embedded benchmark shows the
 * detector separating true from false prompts. Keyed by the example's name.
 */
const MISMATCHED_PROMPTS: Record<string, string> = {
  dog: 'a photo of a cat',
  horses: 'a photo of an elephant',
  giraffe: 'a photo of a bus',
  eagle: 'a photo of a pizza',
  person: 'a photo of a cat next to a car',
  scream: 'a photo of a boat',
};

/**
 * The embedded offline suite: the photos bundled with core (EXAMPLE_IMAGES) with their own prompts
 * ("matching") and with prompts naming objects they lack ("mismatched").
 */
export function examplesSuite(): Suite {
  return {
    name: 'examples',
    description: 'bundled example photos with matching and mismatched prompts (offline)',
    defaultProtocol: 'ensemble',
    categories: [{ name: 'matching' }, { name: 'mismatched' }],
    async load() {
      const items: BenchItem[] = [];
      EXAMPLE_IMAGES.forEach((example, index) => {
        items.push({
          id: `matching/${example.name}`,
          index,
          prompt: example.prompt,
          category: 'matching',
          image: example.path,
          origin: `EXAMPLE_IMAGES[${index}]`,
        });
      });
      EXAMPLE_IMAGES.forEach((example, index) => {
        const prompt = MISMATCHED_PROMPTS[example.name];
        if (prompt)
          items.push({ id: `mismatched/${example.name}`, index, prompt, category: 'mismatched', image: example.path, origin: `EXAMPLE_IMAGES[${index}]` });
      });
      return { items, problems: [] };
    },
  };
}

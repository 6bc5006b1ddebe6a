import type { PromptItem } from '../policy.js';

/** The demo's object classes: those with a crop in crops.json (every one detected on the canvas by CenterNet). */
export const CLASSES = ['car', 'bicycle', 'horse', 'zebra', 'giraffe', 'bird', 'person', 'dog'] as const;
export type DemoClass = (typeof CLASSES)[number];
export const RELATIONS = ['left of', 'right of', 'above', 'below'] as const;
export type DemoRelation = (typeof RELATIONS)[number];

const PLURAL: Record<DemoClass, string> = {
  car: 'cars',
  bicycle: 'bicycles',
  horse: 'horses',
  zebra: 'zebras',
  giraffe: 'giraffes',
  bird: 'birds',
  person: 'people',
  dog: 'dogs',
};
const NUMBER_WORDS = ['zero', 'one', 'two', 'three'];
const RELATION_PHRASES: Record<DemoRelation, string> = {
  'left of': 'on the left of',
  'right of': 'on the right of',
  above: 'above',
  below: 'below',
};

/** A prompt with its PromptSpec (core's shape), so the detector reads exactly what was asked. */
export function spatialPrompt(subject: DemoClass, relation: DemoRelation, object: DemoClass): PromptItem {
  const prompt = `a ${subject} ${RELATION_PHRASES[relation]} a ${object}`;
  return {
    prompt,
    spec: {
      prompt,
      category: 'spatial',
      source: 'user',
      objects: [{ name: subject }, { name: object }],
      relations: [{ subject, relation, object, phrase: RELATION_PHRASES[relation] }],
    },
  };
}

export function countPrompt(name: DemoClass, count: 2 | 3): PromptItem {
  const prompt = `${NUMBER_WORDS[count]} ${PLURAL[name]}`;
  return { prompt, spec: { prompt, category: 'numeracy', source: 'user', objects: [{ name, count }], relations: [] } };
}

export function pairPrompt(first: DemoClass, second: DemoClass): PromptItem {
  const prompt = `a ${first} and a ${second}`;
  return { prompt, spec: { prompt, category: 'two_object', source: 'user', objects: [{ name: first }, { name: second }], relations: [] } };
}

/**
 * Held-out prompts: combinations never trained on, of words the training prompts use (each class appears as
 * subject and as reference object of every relation, every plural and number word is seen).
 */
export const HELD_OUT_PROMPTS: readonly PromptItem[] = [
  spatialPrompt('horse', 'right of', 'bird'),
  spatialPrompt('giraffe', 'above', 'dog'),
  spatialPrompt('car', 'below', 'zebra'),
  spatialPrompt('person', 'left of', 'bicycle'),
  spatialPrompt('bird', 'left of', 'giraffe'),
  spatialPrompt('dog', 'below', 'car'),
  countPrompt('giraffe', 3),
  countPrompt('dog', 2),
  pairPrompt('zebra', 'person'),
  pairPrompt('bird', 'car'),
];

/**
 * Training prompts: every spatial, counting and two-object prompt the templates make over the demo classes
 * (224 + 16 + 28), minus the held-out ones. Many contexts per word keep the policy from tying a class to an
 * unrelated word that happened to co-occur with it.
 */
export const TRAIN_PROMPTS: readonly PromptItem[] = (() => {
  const heldOut = new Set(HELD_OUT_PROMPTS.map((p) => p.prompt));
  const all: PromptItem[] = [];
  for (const subject of CLASSES) {
    for (const object of CLASSES) {
      if (subject === object) continue;
      for (const relation of RELATIONS) all.push(spatialPrompt(subject, relation, object));
    }
  }
  for (const name of CLASSES) for (const count of [2, 3] as const) all.push(countPrompt(name, count));
  CLASSES.forEach((first, i) => CLASSES.slice(i + 1).forEach((second) => all.push(pairPrompt(first, second))));
  return all.filter((p) => !heldOut.has(p.prompt));
})();

/** A fixed sample of training prompts with the held-out set's mix, for cheap learning curves on "train". */
export const TRAIN_EVAL_PROMPTS: readonly PromptItem[] = [
  spatialPrompt('dog', 'left of', 'horse'),
  spatialPrompt('car', 'right of', 'person'),
  spatialPrompt('bird', 'above', 'zebra'),
  spatialPrompt('giraffe', 'below', 'bicycle'),
  spatialPrompt('zebra', 'left of', 'dog'),
  spatialPrompt('person', 'above', 'horse'),
  countPrompt('giraffe', 2),
  countPrompt('horse', 3),
  pairPrompt('horse', 'bird'),
  pairPrompt('dog', 'bicycle'),
];

/** Words that split a prompt into the part before the relation (subject) and after it (reference object). */
const SPLIT_WORDS = new Set(['left', 'right', 'above', 'below', 'and']);

export function promptWords(prompt: string): string[] {
  return prompt.toLowerCase().match(/[a-z]+/g) ?? [];
}

/**
 * The demo policy's frozen text encoder: a bag of words for the words before the first relation word and
 * one for the words after it, over a fixed vocabulary (words it has never seen are dropped). The policy has
 * to learn what every word means for the plan and the layout.
 */
export class PromptFeaturizer {
  readonly vocabulary: readonly string[];
  private readonly index: Map<string, number>;

  constructor(prompts: readonly string[]) {
    this.vocabulary = [...new Set(prompts.flatMap(promptWords))].sort();
    this.index = new Map(this.vocabulary.map((w, i) => [w, i]));
  }

  get size(): number {
    return 2 * this.vocabulary.length;
  }

  encode(prompt: string): Float32Array {
    const features = new Float32Array(this.size);
    let segment = 0;
    for (const word of promptWords(prompt)) {
      if (segment === 0 && SPLIT_WORDS.has(word)) {
        segment = 1;
      }
      const i = this.index.get(word);
      if (i !== undefined) features[segment * this.vocabulary.length + i] = 1;
    }
    return features;
  }
}

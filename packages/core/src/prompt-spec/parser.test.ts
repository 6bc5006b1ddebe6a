import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attributePhrases, clearParseCache, MAX_PARSED_PROMPT_CHARS, parsePrompt, resolveSpec } from './parser.js';
import { validatePromptSpec } from './schema.js';
import type { PromptSpec, SpatialRelation } from './types.js';

const names = (spec: PromptSpec): string[] => spec.objects.map((o) => o.name);
const triples = (spec: PromptSpec): string[][] => spec.relations.map((r) => [r.subject, r.relation, r.object]);
const counts = (spec: PromptSpec): Record<string, number | undefined> => Object.fromEntries(spec.objects.map((o) => [o.name, o.count]));

describe('parsePrompt: relations', () => {
  const cases: [string, SpatialRelation][] = [
    ['a dog on the left of a cat', 'left of'],
    ['a dog left of a cat', 'left of'],
    ['a dog to the left of a cat', 'left of'],
    ['a dog on the right of a cat', 'right of'],
    ['a dog right of a cat', 'right of'],
    ['a dog on the top of a cat', 'above'],
    ['a dog on top of a cat', 'above'],
    ['a dog above a cat', 'above'],
    ['a dog over a cat', 'above'],
    ['a dog on the bottom of a cat', 'below'],
    ['a dog below a cat', 'below'],
    ['a dog under a cat', 'below'],
    ['a dog beneath a cat', 'below'],
    ['a dog next to a cat', 'next to'],
    ['a dog near a cat', 'near'],
    ['a dog beside a cat', 'next to'],
    ['a dog on side of a cat', 'on side of'],
    ['a dog in front of a cat', 'in front of'],
    ['a dog behind a cat', 'behind'],
  ];
  it.each(cases)('"%s" → dog %s cat', (prompt, relation) => {
    const spec = parsePrompt(prompt);
    expect(triples(spec)).toEqual([['dog', relation, 'cat']]);
    expect(names(spec)).toEqual(['dog', 'cat']);
  });

  it('keeps the words that expressed the relation', () => {
    expect(parsePrompt('a cup to the right of a plate').relations[0]?.phrase).toBe('to the right of');
  });

  it('attaches the relation to the nearest noun phrases across verbs and modifiers', () => {
    expect(triples(parsePrompt('The small red apple is sitting on top of the old wooden plate.'))).toEqual([['apple', 'above', 'plate']]);
    expect(triples(parsePrompt('a photo of a laptop below a traffic light'))).toEqual([['laptop', 'below', 'traffic light']]);
  });

  it('reads two relations in one prompt', () => {
    expect(triples(parsePrompt('a cat left of a dog and a bird above a tree'))).toEqual([
      ['cat', 'left of', 'dog'],
      ['bird', 'above', 'tree'],
    ]);
  });

  it('needs a noun phrase after a bare preposition', () => {
    expect(parsePrompt('prices went over and above').relations).toEqual([]);
    expect(parsePrompt('a bird flying above').relations).toEqual([]);
  });

  it('does not read "left" the verb or "right" the adjective as relations', () => {
    expect(parsePrompt('the woman left the room').relations).toEqual([]);
    expect(parsePrompt('the right answer').relations).toEqual([]);
  });
});

describe('parsePrompt: objects and counts', () => {
  it('reads number words one..ten and digits', () => {
    const words = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];
    words.forEach((word, index) => {
      expect(parsePrompt(`${word} ${index === 0 ? 'lamp' : 'lamps'}`).objects).toEqual([{ name: 'lamp', count: index + 1 }]);
    });
    expect(counts(parsePrompt('12 eggs and 3 cups'))).toEqual({ egg: 12, cup: 3 });
  });

  it('singularises regular and irregular plurals', () => {
    expect(names(parsePrompt('two women, three children, four mice, two knives and five boxes'))).toEqual(['woman', 'child', 'mouse', 'knife', 'box']);
    expect(names(parsePrompt('some puppies and tomatoes'))).toEqual(['puppy', 'tomato']);
    expect(names(parsePrompt('two people'))).toEqual(['person']);
  });

  it('keeps words that only exist in the plural and reads the doubled plural of template prompts', () => {
    expect(names(parsePrompt('a pair of scissors'))).toContain('scissors');
    expect(names(parsePrompt('a photo of two bootses'))).toEqual(['boots']);
  });

  it('counts "a" / "an" as one only where counting matters', () => {
    expect(counts(parsePrompt('two cups, a bowl and an apple'))).toEqual({ cup: 2, bowl: 1, apple: 1 });
    expect(counts(parsePrompt('a bowl and an apple'))).toEqual({ bowl: undefined, apple: undefined });
    expect(counts(parsePrompt('a bowl and an apple', { category: 'numeracy' }))).toEqual({ bowl: 1, apple: 1 });
    // "a meeting" is not part of the counted list.
    expect(counts(parsePrompt('six women gathered for a meeting'))).toEqual({ woman: 6, meeting: undefined });
    expect(counts(parsePrompt('a few dogs and two cats'))).toEqual({ dog: undefined, cat: 2 });
    // What stands in a spatial relation is a thing in the image.
    expect(counts(parsePrompt('three dogs on the left of a hot dog'))).toEqual({ dog: 3, 'hot dog': 1 });
  });

  it('repairs plural nouns compromise reads as verbs after a number', () => {
    expect(counts(parsePrompt('three desks and one dog'))).toEqual({ desk: 3, dog: 1 });
  });

  it('keeps compound nouns whole', () => {
    expect(names(parsePrompt('a wine glass and a sports ball'))).toEqual(['wine glass', 'sports ball']);
    expect(names(parsePrompt('two hot dogs'))).toEqual(['hot dog']);
    expect(names(parsePrompt('a potted plant near a dining table'))).toEqual(['potted plant', 'dining table']);
    expect(names(parsePrompt('a birch tree next to a coffee table'))).toEqual(['birch tree', 'coffee table']);
  });

  it('reads "hot dog" as a hot animal only without the compound list', () => {
    expect(parsePrompt('a hot dog', { compounds: [] }).objects).toEqual([{ name: 'dog', attributes: ['hot'] }]);
  });

  it('drops the "a photo of" frame', () => {
    expect(names(parsePrompt('a photo of a bench'))).toEqual(['bench']);
    expect(names(parsePrompt('an oil painting of three horses'))).toEqual(['horse']);
  });

  it('reads a noun used after a determiner even when compromise tags it as an adjective', () => {
    expect(names(parsePrompt('a photo of an orange right of a clock'))).toEqual(['orange', 'clock']);
  });

  it('reads progressive verbs as verbs, not as compound nouns', () => {
    expect(names(parsePrompt('A man is grilling burgers in the backyard.'))).toEqual(['man', 'burger', 'backyard']);
    expect(names(parsePrompt('Potted plants on a shelf'))).toEqual(['potted plant', 'shelf']);
  });

  it('reads a possessor as the owner in the picture, or as a kind after a modifier', () => {
    // The owner is in the picture ("a cat on its owner's lap"); a pronoun possessor is not an object.
    expect(names(parsePrompt("a cat on its owner's lap"))).toEqual(['cat', 'owner', 'lap']);
    expect(names(parsePrompt("a rabbit sitting on a turtle's back"))).toEqual(['rabbit', 'turtle', 'back']);
    expect(names(parsePrompt("a gecko wearing a train conductor's hat"))).toEqual(['gecko', 'hat']);
    expect(attributePhrases(parsePrompt("a conical pitcher's mound"))).toEqual(["conical pitcher's mound"]);
  });

  it('merges repeated mentions of the same thing', () => {
    expect(names(parsePrompt('A cat is on the sofa. The cat is happy.'))).toEqual(['cat', 'sofa']);
  });
});

describe('parsePrompt: attribute phrases', () => {
  it('reads colour, texture and shape adjectives before the noun', () => {
    const spec = parsePrompt('a red car, a wooden table and a fluffy dog');
    expect(spec.objects).toEqual([
      { name: 'car', attributes: ['red'], phrase: 'red car' },
      { name: 'table', attributes: ['wooden'], phrase: 'wooden table' },
      { name: 'dog', attributes: ['fluffy'], phrase: 'fluffy dog' },
    ]);
    expect(attributePhrases(spec)).toEqual(['red car', 'wooden table', 'fluffy dog']);
  });

  it('treats material and colour nouns before a noun as attributes', () => {
    expect(parsePrompt('a glass vase and a gold clock').objects).toEqual([
      { name: 'vase', attributes: ['glass'], phrase: 'glass vase' },
      { name: 'clock', attributes: ['gold'], phrase: 'gold clock' },
    ]);
    // ...but as the head they are the thing itself.
    expect(names(parsePrompt('a black orange and a drinking glass'))).toEqual(['orange', 'drinking glass']);
  });

  it('keeps hyphenated, coordinated and intensified colours', () => {
    expect(attributePhrases(parsePrompt('a heart-shaped cookie'))).toEqual(['heart-shaped cookie']);
    expect(attributePhrases(parsePrompt('a black and white cat'))).toEqual(['black and white cat']);
    expect(attributePhrases(parsePrompt('a light blue shirt'))).toEqual(['light blue shirt']);
  });

  it('keeps the other modifiers of a described object, and no phrase for undescribed ones', () => {
    const spec = parsePrompt('a big brown bowl gives a stylish lamp');
    expect(attributePhrases(spec)).toEqual(['big brown bowl']);
    expect(spec.objects[1]).toEqual({ name: 'lamp', attributes: ['stylish'] });
  });

  it('keeps commas between modifiers inside the phrase', () => {
    expect(attributePhrases(parsePrompt('The tall, slender birch trees swayed.'))).toEqual(['tall slender birch tree']);
  });

  it('reads a partitive as one thing', () => {
    expect(attributePhrases(parsePrompt('a triangular slice of watermelon'))).toEqual(['triangular slice of watermelon']);
  });

  it('finds the verb compromise hides in a compound after a coordinated subject', () => {
    const spec = parsePrompt('The plastic cup and metallic pen lie on the wooden desk.');
    expect(attributePhrases(spec)).toEqual(['plastic cup', 'metallic pen', 'wooden desk']);
    // An indefinite description needs no verb: its compound stays whole.
    expect(names(parsePrompt('a cup and a coffee mug on the table'))).toEqual(['cup', 'coffee mug', 'table']);
  });

  it('falls back to the object names when nothing is described', () => {
    expect(attributePhrases(parsePrompt('a dog and a cat'))).toEqual(['dog', 'cat']);
    expect(attributePhrases({ objects: [], relations: [] })).toEqual([]);
  });

  it('prefers the phrases a source listed', () => {
    expect(attributePhrases({ objects: [{ name: 'car', attributes: ['red'] }], relations: [], phrases: ['shiny red car', 'shiny red car'] })).toEqual([
      'shiny red car',
    ]);
    expect(attributePhrases({ objects: [{ name: 'car', attributes: ['red'] }], relations: [] })).toEqual(['red car']);
  });
});

describe('parsePrompt: T2I-CompBench prompt files', () => {
  it('parses CRLF lines the way the harness splits them', () => {
    const file = 'a green bench and a blue bowl\r\na brown horse on the left of a blue vase';
    const specs = file.split(/\r?\n/).map((line) => parsePrompt(line));
    expect(specs.map(names)).toEqual([
      ['bench', 'bowl'],
      ['horse', 'vase'],
    ]);
    expect(triples(specs[1]!)).toEqual([['horse', 'left of', 'vase']]);
  });
});

describe('parsePrompt: robustness', () => {
  it('never throws and always returns a valid spec (arbitrary strings)', () => {
    fc.assert(
      // Any code units, lone surrogates included.
      fc.property(fc.string({ unit: 'binary', maxLength: 120 }), (prompt) => {
        const spec = parsePrompt(prompt);
        validatePromptSpec(spec);
        expect(spec.prompt).toBe(prompt);
      }),
      { numRuns: 150 },
    );
  });

  it('never throws on word salad with relation phrases, numbers, quotes, newlines and emoji', () => {
    const word = fc.constantFrom(
      'a',
      'the',
      'two',
      '3',
      'red',
      'dog',
      'dogs',
      'on',
      'left',
      'of',
      'top',
      'next',
      'to',
      'and',
      ',',
      '.',
      '"',
      "'",
      '\n',
      '\r\n',
      '😀',
      '-',
      'hot',
      'glass',
      'photo',
      'of',
      'over',
      'below',
      'behind',
      'in',
      'front',
      'light',
      'é',
    );
    fc.assert(
      fc.property(fc.array(word, { maxLength: 40 }), (words) => {
        const prompt = words.join(' ');
        const spec = parsePrompt(prompt, { category: 'numeracy' });
        validatePromptSpec(spec);
        for (const relation of spec.relations) {
          expect(names(spec)).toContain(relation.subject);
          expect(names(spec)).toContain(relation.object);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('handles empty, blank, huge and non-string input', () => {
    expect(parsePrompt('')).toEqual({ prompt: '', objects: [], relations: [], source: 'parser' });
    expect(parsePrompt(' \n\t ').objects).toEqual([]);
    expect(parsePrompt(undefined as unknown as string).objects).toEqual([]);
    const huge = `${'a red dog next to a blue cat and '.repeat(150)}the end`;
    expect(huge.length).toBeGreaterThan(MAX_PARSED_PROMPT_CHARS);
    const spec = parsePrompt(huge);
    expect(spec.prompt).toBe(huge);
    expect(spec.objects.length).toBeGreaterThan(0);
    validatePromptSpec(spec);
    expect(parsePrompt('x'.repeat(5000)).relations).toEqual([]);
  });

  it('returns a fresh copy from the cache', () => {
    clearParseCache();
    const first = parsePrompt('two red apples');
    first.objects[0]!.name = 'changed';
    first.objects[0]!.attributes!.push('changed');
    expect(parsePrompt('two red apples').objects).toEqual([{ name: 'apple', count: 2, attributes: ['red'], phrase: 'red apple' }]);
  });

  it('caches per category', () => {
    expect(parsePrompt('a cup', { category: 'numeracy' }).objects[0]?.count).toBe(1);
    expect(parsePrompt('a cup').objects[0]?.count).toBeUndefined();
  });
});

describe('resolveSpec', () => {
  it("uses the sample's spec when it has one", () => {
    const spec: PromptSpec = { objects: [{ name: 'zebra' }], relations: [] };
    expect(resolveSpec({ prompt: 'a dog', spec })).toBe(spec);
  });

  it('parses the prompt otherwise, with the category from metadata', () => {
    expect(names(resolveSpec({ prompt: 'a dog left of a cat' }))).toEqual(['dog', 'cat']);
    expect(resolveSpec({ prompt: 'a cup', metadata: { category: 'numeracy' } }).objects).toEqual([{ name: 'cup', count: 1 }]);
  });
});

describe('parsePrompt: English as people write it (issue 20)', () => {
  it('parses the prompts of the issue table as a reader expects', () => {
    expect(names(parsePrompt('a man riding a horse'))).toEqual(['man', 'horse']);
    const sign = parsePrompt('a dog holding a sign that says "hello world"');
    expect(names(sign)).toEqual(['dog', 'sign']);
    expect(sign.text).toEqual(['hello world']);
    expect(names(parsePrompt('a panda eating bamboo'))).toEqual(['panda', 'bamboo']);
    expect(names(parsePrompt('a police officer directing traffic'))).toEqual(['police officer']);
    const shop = parsePrompt('a shop sign that reads "OPEN 24 HOURS"');
    expect(shop.objects).toEqual([{ name: 'shop sign' }]);
    expect(shop.text).toEqual(['OPEN 24 HOURS']);
    const french = parsePrompt('un chat noir assis sur la table');
    expect(french.objects).toEqual([]);
    expect(french.unsupported).toBe('not-english');
    expect(french.warnings).toHaveLength(1);
    expect(french.warnings?.[0]).toMatch(/English/);
  });

  it('never makes an object of a participle, a gerund, an auxiliary or a clause word', () => {
    expect(names(parsePrompt('a badger delicately sniffing a yellow rose'))).toEqual(['badger', 'rose']);
    expect(names(parsePrompt('A photo of an astronaut riding a horse in the forest.'))).toEqual(['astronaut', 'horse', 'forest']);
    expect(names(parsePrompt('The dog chased the cat, which ran up a tree.'))).toEqual(['dog', 'cat', 'tree']);
    expect(names(parsePrompt('a teddy bear sitting on a fire hydrant next to a street lamp'))).toEqual(['teddy bear', 'fire hydrant', 'street lamp']);
    expect(names(parsePrompt('an orange wearing a cowboy hat'))).toEqual(['orange', 'cowboy hat']);
    expect(names(parsePrompt('A blue Porsche 356 parked in front of a yellow brick wall'))).toEqual(['porsche', 'wall']);
    // A noun in -ing stays a noun when nothing follows it as its object.
    expect(names(parsePrompt('an oil painting of a cat next to a brick building'))).toEqual(['cat', 'building']);
  });

  it('keeps quoted spans out of the objects, in spec.text as written', () => {
    const spec = parsePrompt("the word 'START' written above the word 'SMILING'");
    expect(spec.objects).toEqual([]);
    expect(spec.text).toEqual(['START', 'SMILING']);
    expect(parsePrompt("a book with the words 'Don't Panic!' written on it").text).toEqual(["Don't Panic!"]);
    expect(parsePrompt('a sign with “OPEN” on it').text).toEqual(['OPEN']);
    // Apostrophes are no quotes.
    expect(parsePrompt("a kids' book cover with a dog's bone").text).toBeUndefined();
    expect(parsePrompt('a plain red car').text).toBeUndefined();
  });

  it('reads irregular plurals and plural-only nouns', () => {
    expect(counts(parsePrompt('three people, two children, four geese, five mice, six sheep and two women'))).toEqual({
      person: 3,
      child: 2,
      goose: 4,
      mouse: 5,
      sheep: 6,
      woman: 2,
    });
    expect(names(parsePrompt('a girl wearing sunglasses and green pants'))).toEqual(['girl', 'sunglasses', 'pants']);
  });

  it('leaves out what names no thing to draw: abstractions, quantities before "of", negated things, appositives', () => {
    expect(names(parsePrompt('A group of friends is having a picnic under a big oak tree.'))).toEqual(['friend', 'oak tree']);
    expect(triples(parsePrompt('A group of friends is having a picnic under a big oak tree.'))).toEqual([['friend', 'below', 'oak tree']]);
    expect(names(parsePrompt('a plate that has no bananas on it'))).toEqual(['plate']);
    expect(names(parsePrompt('The soft white snow melted in the sun, a moment of pure joy and wonder.'))).toEqual(['snow', 'sun']);
    expect(names(parsePrompt('A tornado made of sharks crashing into a skyscraper. painting in the style of Hokusai.'))).toEqual([
      'tornado',
      'shark',
      'skyscraper',
    ]);
  });

  it('leaves out general abstractions: listed ones and nouns made with -ness, -ism, -ity, -hood, not "city" or "harness"', () => {
    expect(names(parsePrompt('a woman on a bench with a feeling of freedom and sadness'))).toEqual(['woman', 'bench']);
    expect(names(parsePrompt('a poster about realism and serenity in childhood'))).toEqual(['poster']);
    expect(names(parsePrompt('a city with a horse in a harness'))).toEqual(['city', 'horse', 'harness']);
  });

  it('reads breeds, "this one" and linking-verb complements', () => {
    expect(names(parsePrompt('Siberian husky playing the piano.'))).toEqual(['husky', 'piano']);
    expect(parsePrompt('an Alaskan husky in the snow').objects[0]).toMatchObject({ name: 'husky', attributes: ['alaskan'] });
    expect(names(parsePrompt('a robot holding a sign, this one fails'))).toEqual(['robot', 'sign']);
    expect(names(parsePrompt('A person is looking at a waterfall and feeling awestruck.'))).toEqual(['person', 'waterfall']);
  });

  it('reads a comma list of modifiers with participles, and leaves out bare activities in -ing and "its left / right"', () => {
    expect(names(parsePrompt('The intricate, winding roads of the city'))).toEqual(['road', 'city']);
    expect(parsePrompt('The sleek, streamlined airplane soared').objects).toEqual([{ name: 'airplane', attributes: ['sleek', 'streamlined'] }]);
    expect(names(parsePrompt('The smooth, glossy finish of the ceramic vase'))).toEqual(['vase']);
    // ("a symbol of …" in an appositive names no thing: WordNet files "symbol" under noun.communication only.)
    expect(names(parsePrompt('a red apple, a symbol of healthful eating'))).toEqual(['apple']);
    expect(names(parsePrompt('a blue recycling bin on its right'))).toEqual(['recycling bin']);
    // What a thing is compared to ("shaped like", "looks like") is not in the picture; "like" as a verb is no comparison.
    expect(names(parsePrompt("a doorknocker shaped like a lion's head"))).toEqual(['doorknocker']);
    expect(names(parsePrompt('a cloud that looks like a dog'))).toEqual(['cloud']);
    expect(names(parsePrompt('cats like milk'))).toEqual(['cat', 'milk']);
    // A second -ing verb after "and" in a sentence whose verb is a gerund ("watching people" is no person).
    // (compromise reads "watching people" as a noun: it was the object "watching person".)
    expect(names(parsePrompt('A woman is sitting on a bench and watching people walk by.'))).toEqual(['woman', 'bench', 'person']);
    expect(names(parsePrompt('the mirror with its spherical frame and triangular etching'))).toEqual(['mirror', 'frame', 'etching']);
  });

  it('reads participles that describe as modifiers, coordinate modifiers, brackets and quantity heads', () => {
    expect(parsePrompt('the sweet scent of blooming flowers').objects).toEqual([{ name: 'flower', attributes: ['blooming'] }]);
    expect(parsePrompt('The jagged, towering cliffs loomed').objects).toEqual([{ name: 'cliff', attributes: ['jagged', 'towering'] }]);
    expect(names(parsePrompt('a wooden dining table'))).toEqual(['dining table']);
    expect(names(parsePrompt('A group of farm animals (cows, sheep, and pigs) made out of cheese'))).toEqual(['farm animal', 'cow', 'sheep', 'pig', 'cheese']);
    expect(names(parsePrompt('a bundle of blue and yellow flowers in a vase'))).toEqual(['flower', 'vase']);
  });

  it('reads a guessed adjective at the end of a noun phrase as its noun, "astride" as no noun, "the next" as no object', () => {
    expect(names(parsePrompt('a steam locomotive in a desert'))).toEqual(['steam locomotive', 'desert']);
    expect(names(parsePrompt('a cat asleep on the sofa'))).toEqual(['cat', 'sofa']);
    expect(names(parsePrompt('Anubis sitting astride a hog motorcycle'))).toEqual(['anubis', 'hog motorcycle']);
    expect(names(parsePrompt('the lines of the sculpture flowed from one form to the next'))).toEqual(['sculpture']);
    expect(names(parsePrompt('a couple strolling in a park'))).toEqual(['couple', 'park']);
  });

  it('reads unknown adjective endings and attributive participles as modifiers ("a luminescent bird", "a multi-colored kite")', () => {
    expect(parsePrompt('a luminescent bird').objects).toEqual([{ name: 'bird', attributes: ['luminescent'] }]);
    expect(parsePrompt('a cream colored labradoodle').objects[0]).toMatchObject({ name: 'labradoodle', attributes: ['cream', 'colored'] });
    expect(parsePrompt('a multi-colored kite and a dog').objects).toEqual([{ name: 'kite', attributes: ['multi-colored'] }, { name: 'dog' }]);
    expect(names(parsePrompt('a brightly colored kite flying'))).toEqual(['kite']);
  });

  it('reads bounds as no count, and a hyphenated word before a compound as its modifier', () => {
    expect(parsePrompt('a group of not more than five meerkats').objects).toEqual([{ name: 'meerkat' }]);
    expect(parsePrompt('at least three dogs and up to four cats').objects).toEqual([{ name: 'dog' }, { name: 'cat' }]);
    expect(parsePrompt('three dogs').objects).toEqual([{ name: 'dog', count: 3 }]);
    expect(parsePrompt('a drop-top sports car coming around a bend in the road').objects).toEqual([
      { name: 'sports car', attributes: ['drop-top'] },
      { name: 'road' },
    ]);
    expect(names(parsePrompt('a red sports car coming around a bend'))).toEqual(['sports car']);
  });

  it('reads "a heart made of chocolate" (a shape word as the subject of a participle) and "is bungee jumping"', () => {
    expect(names(parsePrompt('A heart made of chocolate'))).toEqual(['heart', 'chocolate']);
    expect(parsePrompt('a red heart').objects).toEqual([{ name: 'heart', attributes: ['red'], phrase: 'red heart' }]);
    expect(names(parsePrompt('A person is bungee jumping off a bridge.'))).toEqual(['person', 'bridge']);
  });

  it('keeps the noun of a noun + gerund activity out of the name ("soccer balls scuba diving", "a man rock climbing")', () => {
    expect(names(parsePrompt('a dump truck filled with soccer balls scuba diving'))).toEqual(['dump truck', 'soccer ball']);
    expect(parsePrompt('two boys ice skating on a pond').objects).toEqual([{ name: 'boy', count: 2 }, { name: 'pond' }]);
    expect(names(parsePrompt('a woman rock climbing a cliff'))).toEqual(['woman', 'cliff']);
    expect(names(parsePrompt('the dog house standing on the hill'))).toEqual(['dog house', 'hill']);
  });

  it('marks a prompt in another script or language unsupported, and English prompts with foreign names not', () => {
    for (const prompt of ['一只猫坐在桌子上', 'кошка сидит на столе', 'ein Hund und eine Katze auf dem Sofa', 'un perro y un gato en el sofá']) {
      expect(parsePrompt(prompt).unsupported, prompt).toBe('not-english');
    }
    for (const prompt of ['a photo of Salvador Dalí', 'a bowl of Pho served with bean sprouts', 'the Arc de Triomphe on a foggy day']) {
      expect(parsePrompt(prompt).unsupported, prompt).toBeUndefined();
    }
    expect(validatePromptSpec(parsePrompt('kot na stole')).objects).toBeDefined();
  });
});

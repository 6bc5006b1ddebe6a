import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { T2IRewardError } from '../errors.js';
import { InvalidPromptSpecError } from '../errors.js';
import { fromGenEvalRow, fromT2IR1Row } from './convert.js';
import { attributePhrases } from './parser.js';
import { validatePromptSpec } from './schema.js';
import { thrownBy } from '../test/index.js';

// Rows copied verbatim from benchmarks/data (T2I-R1 geneval_and_t2i_data_final.json, GenEval evaluation_metadata.jsonl).
const T2IR1_SPATIAL =
  '{"prompt": "a photo of a stop sign above a frisbee", "nouns": ["stop sign", "frisbee"], "spatial_info": {"obj1": "stop sign", "obj2": "frisbee", "locality": "above"}, "task_type": "spatial"}';
const T2IR1_ON_THE_TOP =
  '{"task_type": "spatial", "prompt": "a girl on the top of a train", "nouns": ["girl", "train"], "spatial_info": {"obj1": "girl", "obj2": "train", "locality": "on the top of"}}';
const T2IR1_NUMERACY =
  '{"task_type": "numeracy", "prompt": "two books, one chair, one couch, three desks and one dog", "nouns": ["book", "chair", "couch", "desk", "dog"], "numeracy_info": [{"obj_name": "book", "num": 2}, {"obj_name": "chair", "num": 1}, {"obj_name": "couch", "num": 1}, {"obj_name": "desk", "num": 3}, {"obj_name": "dog", "num": 1}]}';
const T2IR1_TEXTURE =
  '{"task_type": "texture", "prompt": "a metallic desk lamp and a fabric pillow", "nouns": ["lamp", "pillow"], "attr_nouns": ["metallic desk lamp", "fabric pillow"]}';
const T2IR1_SHAPE =
  '{"task_type": "shape", "prompt": "The crescent chair with its spherical cushions and triangular legs provided a comfortable seating option in the rectangular study.", "nouns": ["chair"], "attr_nouns": ["crescent chair", "spherical cushion", "triangular leg", "rectangular study"]}';
const GENEVAL_POSITION =
  '{"tag": "position", "include": [{"class": "kite", "count": 1}, {"class": "wine glass", "count": 1, "position": ["above", 0]}], "prompt": "a photo of a wine glass above a kite"}';
const GENEVAL_COLOR_ATTR =
  '{"tag": "color_attr", "include": [{"class": "wine glass", "count": 1, "color": "purple"}, {"class": "apple", "count": 1, "color": "black"}], "prompt": "a photo of a purple wine glass and a black apple"}';
const GENEVAL_COUNTING =
  '{"tag": "counting", "include": [{"class": "clock", "count": 2}], "exclude": [{"class": "clock", "count": 3}], "prompt": "a photo of two clocks"}';

const row = (json: string): unknown => JSON.parse(json);

const rejection = (fn: () => unknown): T2IRewardError => thrownBy(fn);

describe('fromT2IR1Row', () => {
  it('converts a spatial row (multiword nouns kept)', () => {
    expect(fromT2IR1Row(row(T2IR1_SPATIAL))).toEqual({
      prompt: 'a photo of a stop sign above a frisbee',
      category: 'spatial',
      objects: [{ name: 'stop sign' }, { name: 'frisbee' }],
      relations: [{ subject: 'stop sign', relation: 'above', object: 'frisbee', phrase: 'above' }],
      t2iR1: { task_type: 'spatial', nouns: ['stop sign', 'frisbee'], spatial_info: { obj1: 'stop sign', obj2: 'frisbee', locality: 'above' } },
      source: 't2i-r1',
    });
  });

  it('keeps task_type and the raw fields the released reward reads, verbatim', () => {
    const raw = {
      task_type: 'complex',
      prompt: 'a TV on the left of a Frisbee',
      nouns: ['TV', 'Frisbee', 'TV'],
      spatial_info: { obj1: 'TV', obj2: 'Frisbee', locality: 'on the left of' },
    };
    const spec = fromT2IR1Row(raw);
    expect(spec.t2iR1).toEqual({
      task_type: 'complex',
      nouns: ['TV', 'Frisbee', 'TV'],
      spatial_info: { obj1: 'TV', obj2: 'Frisbee', locality: 'on the left of' },
    });
    expect(spec.objects.map((o) => o.name)).toEqual(['tv', 'frisbee']); // the normalised view is unchanged
    expect(fromT2IR1Row(row(T2IR1_NUMERACY)).t2iR1?.numeracy_info?.[3]).toEqual({ obj_name: 'desk', num: 3 });
    validatePromptSpec(spec);
  });

  it('canonicalises the locality and keeps the original words', () => {
    const spec = fromT2IR1Row(row(T2IR1_ON_THE_TOP));
    expect(spec.relations).toEqual([{ subject: 'girl', relation: 'above', object: 'train', phrase: 'on the top of' }]);
  });

  it('sets counts from numeracy_info', () => {
    const spec = fromT2IR1Row(row(T2IR1_NUMERACY));
    expect(spec.objects).toEqual([
      { name: 'book', count: 2 },
      { name: 'chair', count: 1 },
      { name: 'couch', count: 1 },
      { name: 'desk', count: 3 },
      { name: 'dog', count: 1 },
    ]);
    expect(spec.relations).toEqual([]);
  });

  it('keeps attr_nouns verbatim as phrases and attaches them to their nouns', () => {
    const spec = fromT2IR1Row(row(T2IR1_TEXTURE));
    expect(spec.phrases).toEqual(['metallic desk lamp', 'fabric pillow']);
    expect(spec.objects).toEqual([
      { name: 'lamp', attributes: ['metallic', 'desk'], phrase: 'metallic desk lamp' },
      { name: 'pillow', attributes: ['fabric'], phrase: 'fabric pillow' },
    ]);
    expect(attributePhrases(spec)).toEqual(['metallic desk lamp', 'fabric pillow']);
  });

  it('keeps phrases whose noun is not among the nouns (T2I-R1 asks about them all)', () => {
    const spec = fromT2IR1Row(row(T2IR1_SHAPE));
    expect(spec.objects).toEqual([{ name: 'chair', attributes: ['crescent'], phrase: 'crescent chair' }]);
    expect(attributePhrases(spec)).toEqual(['crescent chair', 'spherical cushion', 'triangular leg', 'rectangular study']);
  });

  it('reads null columns as missing, as reward_git.py reads the rows Hugging Face datasets gives it (None)', () => {
    const spec = fromT2IR1Row({ prompt: 'a dog', task_type: 'texture', nouns: ['dog'], attr_nouns: null, spatial_info: null, numeracy_info: null });
    expect(spec).toEqual(fromT2IR1Row({ prompt: 'a dog', task_type: 'texture', nouns: ['dog'] }));
    expect(spec.phrases).toBeUndefined();
    expect(spec.t2iR1).toEqual({ task_type: 'texture', nouns: ['dog'] });
    const bare = fromT2IR1Row({ prompt: 'x', task_type: null, nouns: null });
    expect(bare.category).toBeUndefined();
    expect(bare.t2iR1).toEqual({ nouns: [] });
    validatePromptSpec(spec);
  });

  it('keeps attr_nouns as written in t2iR1 (reward_git.py asks f"{attr_noun}?")', () => {
    const spec = fromT2IR1Row({ prompt: 'x', task_type: 'color', nouns: ['Car'], attr_nouns: ['Red Car', 'Red Car'] });
    expect(spec.t2iR1?.attr_nouns).toEqual(['Red Car', 'Red Car']);
    expect(spec.phrases).toEqual(['red car', 'red car']);
    validatePromptSpec(spec);
  });

  it('rejects malformed rows naming the field', () => {
    const cases: [unknown, string][] = [
      [null, ''],
      [{ nouns: [] }, 'prompt'],
      [{ prompt: 'x', nouns: 'dog' }, 'nouns'],
      [{ prompt: 'x', nouns: ['dog', 3] }, 'nouns/1'],
      [{ prompt: 'x', spatial_info: { obj1: 'a', obj2: 'b', locality: 'inside' } }, 'spatial_info/locality'],
      [{ prompt: 'x', spatial_info: { obj1: '', obj2: 'b', locality: 'near' } }, 'spatial_info/obj1'],
      [{ prompt: 'x', numeracy_info: [{ obj_name: 'dog', num: 'two' }] }, 'numeracy_info/0/num'],
    ];
    for (const [value, path] of cases) {
      const error = rejection(() => fromT2IR1Row(value));
      expect(InvalidPromptSpecError.isInstance(error)).toBe(true);
      expect(error.data?.path).toBe(path);
    }
  });
});

describe('fromGenEvalRow', () => {
  it('turns position [rel, idx] into a relation to include[idx]', () => {
    expect(fromGenEvalRow(row(GENEVAL_POSITION))).toEqual({
      prompt: 'a photo of a wine glass above a kite',
      category: 'position',
      objects: [
        { name: 'kite', count: 1 },
        { name: 'wine glass', count: 1 },
      ],
      relations: [{ subject: 'wine glass', relation: 'above', object: 'kite', phrase: 'above' }],
      source: 'geneval',
    });
  });

  it('turns color into an attribute and a phrase', () => {
    const spec = fromGenEvalRow(row(GENEVAL_COLOR_ATTR));
    expect(spec.objects).toEqual([
      { name: 'wine glass', count: 1, attributes: ['purple'], phrase: 'purple wine glass' },
      { name: 'apple', count: 1, attributes: ['black'], phrase: 'black apple' },
    ]);
    expect(attributePhrases(spec)).toEqual(['purple wine glass', 'black apple']);
  });

  it('reads null keys as missing (tag, color, position, exclude)', () => {
    const spec = fromGenEvalRow({
      tag: null,
      prompt: 'a photo of a dog',
      include: [{ class: 'dog', count: 1, color: null, position: null }],
      exclude: null,
    });
    expect(spec).toEqual({ prompt: 'a photo of a dog', objects: [{ name: 'dog', count: 1 }], relations: [], source: 'geneval' });
  });

  it('keeps exclusions', () => {
    const spec = fromGenEvalRow(row(GENEVAL_COUNTING));
    expect(spec.objects).toEqual([{ name: 'clock', count: 2 }]);
    expect(spec.exclude).toEqual([{ name: 'clock', count: 3 }]);
  });

  it('rejects malformed rows naming the field', () => {
    const cases: [unknown, string][] = [
      [{ prompt: 'x' }, 'include'],
      [{ prompt: 'x', include: [{ class: 'dog' }] }, 'include/0/count'],
      [{ prompt: 'x', include: [{ class: 'dog', count: 1, position: ['left of', 5] }] }, 'include/0/position/1'],
      [
        {
          prompt: 'x',
          include: [
            { class: 'dog', count: 1 },
            { class: 'cat', count: 1, position: ['inside', 0] },
          ],
        },
        'include/1/position/0',
      ],
      [{ prompt: 'x', include: [], exclude: [{ class: 'dog', count: 0 }] }, 'exclude/0/count'],
    ];
    for (const [value, path] of cases) {
      const error = rejection(() => fromGenEvalRow(value));
      expect(InvalidPromptSpecError.isInstance(error)).toBe(true);
      expect(error.data?.path).toBe(path);
    }
  });
});

// Every row of both metadata files converts to a valid spec (skipped where benchmarks/data is absent).
const dataDir = fileURLToPath(new URL('../../../../benchmarks/data/', import.meta.url));
const readLines = (file: string): unknown[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as unknown);

describe('the bundled metadata files (shipped in benchmarks/data)', () => {
  it('converts all 7,223 T2I-R1 rows to valid specs', () => {
    const rows = readLines(`${dataDir}t2i-r1/geneval_and_t2i_data_final.json`);
    expect(rows).toHaveLength(7223);
    for (const value of rows) validatePromptSpec(fromT2IR1Row(value));
  });

  it('converts all 553 GenEval rows to valid specs', () => {
    const rows = readLines(`${dataDir}geneval/evaluation_metadata.jsonl`);
    expect(rows).toHaveLength(553);
    const specs = rows.map((value) => validatePromptSpec(fromGenEvalRow(value)));
    expect(specs.filter((spec) => spec.relations.length > 0)).toHaveLength(100);
  });
});

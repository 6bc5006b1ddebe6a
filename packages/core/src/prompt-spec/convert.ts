import { InvalidPromptSpecError } from '../errors.js';
import { normalizeRelation } from './relations.js';
import type { PromptExclusion, PromptObject, PromptRelation, PromptSpec, T2IR1Fields } from './types.js';

/** One row of T2I-R1's training metadata (`geneval_and_t2i_data_final.json`, JSON Lines). */
export interface T2IR1Row {
  prompt: string;
  task_type?: string;
  nouns?: string[];
  attr_nouns?: string[];
  spatial_info?: { obj1: string; obj2: string; locality: string };
  numeracy_info?: { obj_name: string; num: number }[];
}

/** One row of GenEval's `evaluation_metadata.jsonl`. */
export interface GenEvalRow {
  tag?: string;
  prompt: string;
  include: { class: string; count: number; color?: string; position?: [string, number] }[];
  exclude?: { class: string; count: number }[];
}

function bad(source: string, path: string, message: string): never {
  throw new InvalidPromptSpecError(`invalid ${source} row: ${path} ${message}`, { data: { path } });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nameAt(source: string, value: unknown, path: string): string {
  if (typeof value !== 'string' || value.trim() === '') bad(source, path, 'must be a non-empty string');
  return value.trim().toLowerCase();
}

function countAt(source: string, value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) bad(source, path, 'must be an integer ≥ 0');
  return value;
}

function stringArrayAt(source: string, value: unknown, path: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) bad(source, path, 'must be an array of strings');
  return value.map((item, index) => nameAt(source, item, `${path}/${index}`));
}

/** The object named `name`, added at the end when the list has none. */
function objectNamed(objects: PromptObject[], name: string): PromptObject {
  let object = objects.find((candidate) => candidate.name === name);
  if (!object) {
    object = { name };
    objects.push(object);
  }
  return object;
}

/**
 * Converts a T2I-R1 metadata row. `nouns` become the objects (in order); `numeracy_info` sets their counts;
 * `spatial_info` becomes one relation with its locality canonicalised ("on the top of" → "above"); each
 * `attr_nouns` phrase is kept verbatim in `phrases` (what T2I-R1's VQA reward asks about) and, when it ends in
 * one of the nouns, also sets that object's attributes and phrase. `t2iR1` keeps `task_type`, `nouns`,
 * `spatial_info` and `numeracy_info` verbatim for reference-exact scoring (the released code branches on
 * `task_type` and matches raw noun strings). Throws InvalidPromptSpecError naming the bad field of a malformed row.
 */
export function fromT2IR1Row(row: unknown): PromptSpec {
  const source = 'T2I-R1';
  if (!isRecord(row)) bad(source, '', 'must be an object');
  if (typeof row.prompt !== 'string') bad(source, 'prompt', 'must be a string');
  const objects: PromptObject[] = [];
  for (const noun of stringArrayAt(source, row.nouns, 'nouns')) objectNamed(objects, noun);

  if (row.numeracy_info !== undefined) {
    if (!Array.isArray(row.numeracy_info)) bad(source, 'numeracy_info', 'must be an array');
    row.numeracy_info.forEach((entry: unknown, index: number) => {
      if (!isRecord(entry)) bad(source, `numeracy_info/${index}`, 'must be an object');
      const object = objectNamed(objects, nameAt(source, entry.obj_name, `numeracy_info/${index}/obj_name`));
      object.count = countAt(source, entry.num, `numeracy_info/${index}/num`);
    });
  }

  const relations: PromptRelation[] = [];
  if (row.spatial_info !== undefined) {
    const info = row.spatial_info;
    if (!isRecord(info)) bad(source, 'spatial_info', 'must be an object');
    const subject = nameAt(source, info.obj1, 'spatial_info/obj1');
    const object = nameAt(source, info.obj2, 'spatial_info/obj2');
    if (typeof info.locality !== 'string') bad(source, 'spatial_info/locality', 'must be a string');
    const relation = normalizeRelation(info.locality);
    if (!relation) bad(source, 'spatial_info/locality', `is not a known relation phrase: ${JSON.stringify(info.locality)}`);
    objectNamed(objects, subject);
    objectNamed(objects, object);
    relations.push({ subject, relation, object, phrase: info.locality });
  }

  const phrases = stringArrayAt(source, row.attr_nouns, 'attr_nouns');
  for (const phrase of phrases) {
    // Longest noun that ends the phrase: "metallic desk lamp" belongs to "desk lamp" before "lamp".
    const owner = objects.filter((object) => phrase === object.name || phrase.endsWith(` ${object.name}`)).sort((a, b) => b.name.length - a.name.length)[0];
    if (!owner || owner.phrase !== undefined || phrase === owner.name) continue;
    owner.phrase = phrase;
    owner.attributes = phrase
      .slice(0, phrase.length - owner.name.length)
      .trim()
      .split(/\s+/);
  }

  return {
    prompt: row.prompt,
    ...(typeof row.task_type === 'string' ? { category: row.task_type } : {}),
    objects,
    relations,
    ...(row.attr_nouns !== undefined ? { phrases } : {}),
    t2iR1: rawT2IR1Fields(row),
    source: 't2i-r1',
  };
}

/** The row's fields the released reward code reads, verbatim (already checked by the conversion above). */
function rawT2IR1Fields(row: Record<string, unknown>): T2IR1Fields {
  const fields: T2IR1Fields = { nouns: Array.isArray(row.nouns) ? row.nouns.map(String) : [] };
  if (typeof row.task_type === 'string') fields.task_type = row.task_type;
  const info = row.spatial_info;
  if (isRecord(info)) fields.spatial_info = { obj1: String(info.obj1), obj2: String(info.obj2), locality: String(info.locality) };
  if (Array.isArray(row.numeracy_info)) {
    fields.numeracy_info = row.numeracy_info.map((entry: Record<string, unknown>) => ({ obj_name: String(entry.obj_name), num: Number(entry.num) }));
  }
  return fields;
}

/**
 * Converts a GenEval metadata row: each `include` entry becomes an object (class, count, color as its
 * attribute), `position: [rel, idx]` a relation "this object rel include[idx]", `exclude` the exclusions;
 * `tag` is the category. Throws InvalidPromptSpecError naming the bad field of a malformed row.
 */
export function fromGenEvalRow(row: unknown): PromptSpec {
  const source = 'GenEval';
  if (!isRecord(row)) bad(source, '', 'must be an object');
  if (typeof row.prompt !== 'string') bad(source, 'prompt', 'must be a string');
  if (!Array.isArray(row.include)) bad(source, 'include', 'must be an array');
  const include: unknown[] = row.include;
  const objects: PromptObject[] = [];
  const relations: PromptRelation[] = [];
  include.forEach((entry, index) => {
    const path = `include/${index}`;
    if (!isRecord(entry)) bad(source, path, 'must be an object');
    const name = nameAt(source, entry.class, `${path}/class`);
    const object: PromptObject = { name, count: countAt(source, entry.count, `${path}/count`) };
    if (entry.color !== undefined) {
      const color = nameAt(source, entry.color, `${path}/color`);
      object.attributes = [color];
      object.phrase = `${color} ${name}`;
    }
    objects.push(object);
  });
  include.forEach((entry, index) => {
    const position = (entry as Record<string, unknown>).position;
    if (position === undefined) return;
    const path = `include/${index}/position`;
    if (!Array.isArray(position) || position.length !== 2) bad(source, path, 'must be [relation, index]');
    const [phrase, target] = position as unknown[];
    const relation = typeof phrase === 'string' ? normalizeRelation(phrase) : undefined;
    if (!relation) bad(source, `${path}/0`, `is not a known relation phrase: ${JSON.stringify(phrase)}`);
    if (typeof target !== 'number' || !Number.isInteger(target) || target < 0 || target >= objects.length || target === index) {
      bad(source, `${path}/1`, 'must index another include entry');
    }
    relations.push({ subject: objects[index]!.name, relation, object: objects[target]!.name, phrase: phrase as string });
  });
  let exclude: PromptExclusion[] | undefined;
  if (row.exclude !== undefined) {
    if (!Array.isArray(row.exclude)) bad(source, 'exclude', 'must be an array');
    exclude = row.exclude.map((entry: unknown, index: number) => {
      if (!isRecord(entry)) bad(source, `exclude/${index}`, 'must be an object');
      const count = countAt(source, entry.count, `exclude/${index}/count`);
      if (count < 1) bad(source, `exclude/${index}/count`, 'must be ≥ 1');
      return { name: nameAt(source, entry.class, `exclude/${index}/class`), count };
    });
  }
  return {
    prompt: row.prompt,
    ...(typeof row.tag === 'string' ? { category: row.tag } : {}),
    objects,
    relations,
    ...(exclude ? { exclude } : {}),
    source: 'geneval',
  };
}

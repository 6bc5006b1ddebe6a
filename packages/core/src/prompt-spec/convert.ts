import { InvalidPromptSpecError } from '../errors.js';
import { normalizeRelation } from './relations.js';
import type { PromptExclusion, PromptObject, PromptRelation, PromptSpec, T2IR1Fields } from './types.js';

/**
 * One row of T2I-R1's training metadata (`geneval_and_t2i_data_final.json`, JSON Lines). A `null` column is a
 * missing one: Hugging Face `datasets` fills the columns a row lacks with `None`, and the released reward code
 * tests `is None` (reward_git.py: `if kwargs['attr_nouns'][i] is not None`).
 */
export interface T2IR1Row {
  prompt: string;
  task_type?: string | null;
  nouns?: string[] | null;
  attr_nouns?: string[] | null;
  spatial_info?: { obj1: string; obj2: string; locality: string } | null;
  numeracy_info?: { obj_name: string; num: number }[] | null;
}

/** One row of GenEval's `evaluation_metadata.jsonl` (a `null` column or key is a missing one, as for T2I-R1 rows). */
export interface GenEvalRow {
  tag?: string | null;
  prompt: string;
  include: { class: string; count: number; color?: string | null; position?: [string, number] | null }[];
  exclude?: { class: string; count: number }[] | null;
}

function bad(source: string, path: string, message: string): never {
  throw new InvalidPromptSpecError(`invalid ${source} row: ${path} ${message}`, { data: { path } });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A row's column, `null` read as missing (dataset libraries fill absent columns with None / null). */
function column(row: Record<string, unknown>, key: string): unknown {
  const value = row[key];
  return value === null ? undefined : value;
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
 * `attr_nouns` phrase is kept, trimmed and lower-cased, in `phrases` (what our VQA reward asks about) and, when it
 * ends in one of the nouns, also sets that object's attributes and phrase. `t2iR1` keeps `task_type`, `nouns`,
 * `attr_nouns`, `spatial_info` and `numeracy_info` verbatim for reference-exact scoring (the released code branches
 * on `task_type`, matches raw noun strings and asks `f"{attr_noun}?"` as written). A `null` column is a missing one,
 * as the released code reads the rows Hugging Face `datasets` gives it (None for a column a row lacks).
 * Throws InvalidPromptSpecError naming the bad field of a malformed row.
 */
export function fromT2IR1Row(row: unknown): PromptSpec {
  const source = 'T2I-R1';
  if (!isRecord(row)) bad(source, '', 'must be an object');
  if (typeof row.prompt !== 'string') bad(source, 'prompt', 'must be a string');
  const taskType = column(row, 'task_type');
  const numeracyInfo = column(row, 'numeracy_info');
  const spatialInfo = column(row, 'spatial_info');
  const attrNouns = column(row, 'attr_nouns');
  const objects: PromptObject[] = [];
  for (const noun of stringArrayAt(source, column(row, 'nouns'), 'nouns')) objectNamed(objects, noun);

  if (numeracyInfo !== undefined) {
    if (!Array.isArray(numeracyInfo)) bad(source, 'numeracy_info', 'must be an array');
    numeracyInfo.forEach((entry: unknown, index: number) => {
      if (!isRecord(entry)) bad(source, `numeracy_info/${index}`, 'must be an object');
      const object = objectNamed(objects, nameAt(source, entry.obj_name, `numeracy_info/${index}/obj_name`));
      object.count = countAt(source, entry.num, `numeracy_info/${index}/num`);
    });
  }

  const relations: PromptRelation[] = [];
  if (spatialInfo !== undefined) {
    const info = spatialInfo;
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

  const phrases = stringArrayAt(source, attrNouns, 'attr_nouns');
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
    ...(typeof taskType === 'string' ? { category: taskType } : {}),
    objects,
    relations,
    ...(attrNouns !== undefined ? { phrases } : {}),
    t2iR1: rawT2IR1Fields(row),
    source: 't2i-r1',
  };
}

/** The row's fields the released reward code reads, verbatim (already checked by the conversion above; null = missing). */
function rawT2IR1Fields(row: Record<string, unknown>): T2IR1Fields {
  const nouns = column(row, 'nouns');
  const fields: T2IR1Fields = { nouns: Array.isArray(nouns) ? nouns.map(String) : [] };
  const taskType = column(row, 'task_type');
  if (typeof taskType === 'string') fields.task_type = taskType;
  const attrNouns = column(row, 'attr_nouns');
  if (Array.isArray(attrNouns)) fields.attr_nouns = attrNouns.map(String);
  const info = column(row, 'spatial_info');
  if (isRecord(info)) fields.spatial_info = { obj1: String(info.obj1), obj2: String(info.obj2), locality: String(info.locality) };
  const numeracy = column(row, 'numeracy_info');
  if (Array.isArray(numeracy)) {
    fields.numeracy_info = numeracy.map((entry: Record<string, unknown>) => ({ obj_name: String(entry.obj_name), num: Number(entry.num) }));
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
    if (column(entry, 'color') !== undefined) {
      const color = nameAt(source, entry.color, `${path}/color`);
      object.attributes = [color];
      object.phrase = `${color} ${name}`;
    }
    objects.push(object);
  });
  include.forEach((entry, index) => {
    const position = column(entry as Record<string, unknown>, 'position');
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
  const excludeColumn = column(row, 'exclude');
  if (excludeColumn !== undefined) {
    if (!Array.isArray(excludeColumn)) bad(source, 'exclude', 'must be an array');
    exclude = excludeColumn.map((entry: unknown, index: number) => {
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

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, writeLines } from '../__fixtures__/helpers.js';
import { compbenchSuite, COMPBENCH_CATEGORIES, examplesSuite, genevalSuite, inferProtocol, resolveSuite, t2iR1Suite, userFileSuite } from './index.js';

describe('built-in suites', () => {
  it('T2I-CompBench: 8 categories × 300 val prompts, CRLF and missing final newline handled', async () => {
    const { items, problems } = await compbenchSuite().load();
    expect(problems).toEqual([]);
    const counts = Object.fromEntries(COMPBENCH_CATEGORIES.map((c) => [c.name, items.filter((i) => i.category === c.name).length]));
    expect(counts).toEqual({ color: 300, shape: 300, texture: 300, spatial: 300, non_spatial: 300, complex: 300, numeracy: 300, '3d_spatial': 300 });
    expect(items.every((i) => !/[\r\n]/.test(i.prompt) && i.prompt.length > 0)).toBe(true);
    expect(items[0]).toMatchObject({ id: 'color/0000', index: 0, category: 'color', origin: 'color_val.txt:1' });
    expect(COMPBENCH_CATEGORIES.find((c) => c.name === '3d_spatial')?.needs).toMatch(/depth/);
  });

  it('GenEval: 553 prompts in 6 tasks with PromptSpecs', async () => {
    const { items, problems } = await genevalSuite().load();
    expect(problems).toEqual([]);
    expect(items).toHaveLength(553);
    const tasks: Record<string, number> = {};
    for (const item of items) tasks[item.category] = (tasks[item.category] ?? 0) + 1;
    expect(tasks).toEqual({ single_object: 80, two_object: 99, counting: 80, colors: 94, position: 100, color_attr: 100 });
    const counting = items.find((i) => i.category === 'counting')!;
    expect(counting.spec?.objects[0]?.count).toBeGreaterThan(1);
    expect(counting.geneval?.include[0]?.class).toBe(counting.spec?.objects[0]?.name);
  });

  it('T2I-R1: 7,223 training prompts with their metadata as specs', async () => {
    const { items, problems } = await t2iR1Suite().load();
    expect(problems).toEqual([]);
    expect(items).toHaveLength(7223);
    const spatial = items.find((i) => i.category === 'spatial')!;
    expect(spatial.spec?.relations).toHaveLength(1);
  });

  it('examples: the bundled photos with matching and mismatched prompts', async () => {
    const { items } = await examplesSuite().load();
    expect(items.filter((i) => i.category === 'matching')).toHaveLength(6);
    expect(items.filter((i) => i.category === 'mismatched')).toHaveLength(6);
    await Promise.all(items.map((i) => fs.access(i.image!)));
  });

  it('resolves names, GenEval-layout folders and files; unknown names fail clearly', async () => {
    expect((await resolveSuite('geneval')).name).toBe('geneval');
    expect((await resolveSuite('t2i-compbench')).name).toBe('t2i-compbench');
    await expect(resolveSuite('nope')).rejects.toThrow(/unknown suite 'nope'/);
    const dir = await tempDir();
    await writeLines(path.join(dir, '00000', 'metadata.jsonl'), [{ tag: 'single_object', include: [{ class: 'dog', count: 1 }], prompt: 'a photo of a dog' }]);
    const folder = await resolveSuite(dir);
    expect(folder.imageDir).toBe(dir);
    expect((await folder.load()).items[0]).toMatchObject({ id: 'geneval/00000', category: 'single_object' });
  });
});

describe('user prompt files', () => {
  it('plain lists: one prompt per line', async () => {
    const dir = await tempDir();
    await fs.writeFile(path.join(dir, 'p.txt'), 'a red car\r\n\r\ntwo dogs');
    const { items } = await userFileSuite(path.join(dir, 'p.txt')).load();
    expect(items.map((i) => [i.prompt, i.category, i.origin])).toEqual([
      ['a red car', 'user', 'p.txt:1'],
      ['two dogs', 'user', 'p.txt:3'],
    ]);
  });

  it('JSONL rows: strings, {prompt, category}, PromptSpecs, T2I-R1 rows, GenEval rows; malformed lines reported', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'p.jsonl');
    await writeLines(file, [
      '"a plain string"',
      { prompt: 'a blue bench', category: 'color' },
      {
        prompt: 'a cat on the left of a dog',
        objects: [{ name: 'cat' }, { name: 'dog' }],
        relations: [{ subject: 'cat', relation: 'left of', object: 'dog' }],
      },
      {
        prompt: 'a photo of a car below a zebra',
        nouns: ['car', 'zebra'],
        spatial_info: { obj1: 'car', obj2: 'zebra', locality: 'below' },
        task_type: 'spatial',
      },
      { tag: 'counting', include: [{ class: 'cup', count: 3 }], exclude: [{ class: 'cup', count: 4 }], prompt: 'a photo of three cups' },
      '{not json',
      { category: 'color' },
      { prompt: 'bad spec', objects: 'not a list', relations: [] },
    ]);
    const { items, problems } = await userFileSuite(file).load();
    expect(items.map((i) => [i.prompt, i.category])).toEqual([
      ['a plain string', 'user'],
      ['a blue bench', 'color'],
      ['a cat on the left of a dog', 'user'],
      ['a photo of a car below a zebra', 'spatial'],
      ['a photo of three cups', 'counting'],
    ]);
    expect(items[2]?.spec?.relations[0]?.relation).toBe('left of');
    expect(items[3]?.spec?.relations[0]).toMatchObject({ subject: 'car', relation: 'below', object: 'zebra' });
    expect(items[4]?.geneval?.tag).toBe('counting');
    expect(problems.map((p) => p.kind)).toEqual(['malformed-line', 'malformed-line', 'malformed-line']);
    expect(problems[0]?.message).toMatch(/^p\.jsonl:6: malformed JSON/);
    expect(problems[1]?.message).toMatch(/p\.jsonl:7: row has no "prompt" string/);
    expect(problems[2]?.message).toMatch(/p\.jsonl:8: /);
  });

  it('infers the protocol from the rows', () => {
    const item = (category: string, geneval = false) => ({
      id: 'x',
      index: 0,
      prompt: 'p',
      category,
      ...(geneval ? { geneval: { tag: category, prompt: 'p', include: [] } } : {}),
    });
    expect(inferProtocol([item('counting', true)])).toBe('geneval');
    expect(inferProtocol([item('color'), item('spatial')])).toBe('compbench');
    expect(inferProtocol([item('user')])).toBe('ensemble');
  });
});

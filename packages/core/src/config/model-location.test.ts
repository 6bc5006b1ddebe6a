import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelLoadError } from '../errors.js';
import { thrownBy } from '../test/index.js';
import { checkModelFolder, checkModelLocation, resolveModelLocation } from './model-location.js';

const base = mkdtempSync(path.join(os.tmpdir(), 't2ir-loc-'));
mkdirSync(path.join(base, 'models', 'clip'), { recursive: true });
writeFileSync(path.join(base, 'model.json'), '{}');
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('resolveModelLocation', () => {
  it('an existing folder is local and absolute, even without ./ ("dir/name" is not a hub id then)', () => {
    expect(resolveModelLocation('models/clip', base)).toEqual({ location: path.join(base, 'models', 'clip'), local: true });
  });

  it('an existing file becomes absolute but is not a model folder', () => {
    expect(resolveModelLocation('model.json', base)).toEqual({ location: path.join(base, 'model.json'), local: false });
  });

  it('explicitly relative paths become absolute even when missing (errors then name the real path)', () => {
    expect(resolveModelLocation('../missing', base)).toEqual({ location: path.resolve(base, '../missing'), local: false });
  });

  it('names stay as given: hub ids, built-in names, served models', () => {
    expect(resolveModelLocation('Xenova/clip-vit-base-patch32', base)).toEqual({ location: 'Xenova/clip-vit-base-patch32', local: false });
    expect(resolveModelLocation('centernet', base)).toEqual({ location: 'centernet', local: false });
  });

  it('defaults to the working directory', () => {
    expect(resolveModelLocation('./x').location).toBe(path.resolve('x'));
  });
});

describe('checkModelFolder / checkModelLocation: one line naming what is missing, before any runtime loads', () => {
  const thrown = (fn: () => unknown): ModelLoadError => thrownBy(fn, ModelLoadError);

  it('a folder that does not exist is named as such', () => {
    const error = thrown(() => checkModelLocation('/nowhere/tiny-git', 'the GIT-style ONNX export', ['config.json']));
    expect(error.message).toBe('the GIT-style ONNX export: model folder /nowhere/tiny-git does not exist');
    expect(error.message).not.toContain('\n');
  });

  it('a file where a folder belongs, and the files a folder lacks (alternatives joined by "or")', () => {
    expect(thrown(() => checkModelFolder(path.join(base, 'model.json'), 'CLIP model')).message).toBe(
      `CLIP model: ${path.join(base, 'model.json')} is a file, not a model folder`,
    );
    writeFileSync(path.join(base, 'models', 'clip', 'config.json'), '{}');
    const error = thrown(() =>
      checkModelFolder(path.join(base, 'models', 'clip'), 'CLIP model', ['config.json', 'tokenizer.json', ['onnx/model.onnx', 'onnx/vision_model.onnx']]),
    );
    expect(error.message).toBe(`CLIP model: ${path.join(base, 'models', 'clip')} lacks tokenizer.json, onnx/model.onnx or onnx/vision_model.onnx`);
    expect(error.data).toMatchObject({ missing: ['tokenizer.json', 'onnx/model.onnx or onnx/vision_model.onnx'] });
    expect(() => checkModelFolder(path.join(base, 'models', 'clip'), 'CLIP model', ['config.json'])).not.toThrow();
  });

  it('names (hub ids, served models) are left to the runtime; relative paths resolve against the base folder', () => {
    expect(checkModelLocation('Xenova/clip-vit-base-patch32', 'CLIP model', ['config.json'], base)).toEqual({
      location: 'Xenova/clip-vit-base-patch32',
      local: false,
    });
    expect(thrown(() => checkModelLocation('./missing', 'CLIP model', [], base)).message).toContain(
      `model folder ${path.join(base, 'missing')} does not exist`,
    );
  });
});

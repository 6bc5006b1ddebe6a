import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveModelLocation } from './model-location.js';

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

import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { BUILTIN_EXPERT_KINDS } from '../config/index.js';
import { CATALOG_NAME_PATTERN } from './cache.js';
import { catalogAvailability, findCatalogEntry, listCatalog, MODEL_CATALOG, registerCatalogEntry, type ModelCatalogEntry } from './catalog.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const undo: (() => void)[] = [];
afterEach(() => {
  for (const fn of undo.splice(0)) fn();
});

describe('the model catalog', () => {
  it('has unique, valid names and one way to get each model', () => {
    const names = MODEL_CATALOG.map((entry) => entry.name);
    expect(new Set(names).size).toBe(names.length);
    for (const entry of MODEL_CATALOG) {
      expect(entry.name).toMatch(CATALOG_NAME_PATTERN);
      expect(entry.repo).toMatch(/^[\w.-]+\/[\w.-]+$/);
      expect(entry.description.length).toBeGreaterThan(10);
      expect(entry.license.length).toBeGreaterThan(2);
      // Pulled files, or an export script, or a server: never none, never two of them.
      const ways = [entry.files.length > 0, entry.export !== undefined, entry.serve !== undefined].filter(Boolean);
      expect(ways, entry.name).toHaveLength(1);
    }
  });

  it('every entry cites where it was confirmed, and says so when it could not be', () => {
    for (const entry of MODEL_CATALOG) {
      expect(entry.confirmedFrom.length, entry.name).toBeGreaterThan(0);
      if (entry.unconfirmed) expect(entry.unconfirmedReason, entry.name).toBeTruthy();
      // A confirmed pull is pinned to a commit; only unconfirmed, export and serve entries may name a branch.
      if (catalogAvailability(entry) === 'pullable' && !entry.unconfirmed) expect(entry.revision, entry.name).toMatch(/^[0-9a-f]{40}$/);
      else expect(entry.revision, entry.name).toMatch(/^([0-9a-f]{40}|main)$/);
      // A commit cited for a confirmed pinned entry appears in its citations.
      if (/^[0-9a-f]{40}$/.test(entry.revision)) expect(entry.confirmedFrom.join(' '), entry.name).toContain(entry.revision);
    }
  });

  it('file digests are SHA-256 hex and paths are relative, without dot segments', () => {
    for (const entry of MODEL_CATALOG) {
      for (const file of entry.files) {
        expect(file.path).not.toMatch(/^\/|(^|\/)\.\.?(\/|$)|\\/);
        if (file.sha256 !== undefined) expect(file.sha256).toMatch(/^[0-9a-f]{64}$/);
        if (file.size !== undefined) expect(Number.isSafeInteger(file.size) && file.size > 0).toBe(true);
      }
      expect(new Set(entry.files.map((file) => file.path)).size).toBe(entry.files.length);
    }
  });

  it('export entries name a script that exists here, with {script} and {out} in the command', () => {
    const exports = MODEL_CATALOG.filter((entry) => entry.export);
    expect(exports.map((entry) => entry.name)).toEqual(expect.arrayContaining(['pickscore', 'hps-v2.1', 'imagereward', 'blip-vqa-base', 'git-base-vqav2']));
    for (const entry of exports) {
      expect(existsSync(path.join(repoRoot, entry.export!.script)), entry.export!.script).toBe(true);
      expect(entry.export!.command).toContain('{script}');
      expect(entry.export!.command).toContain('{out}');
      expect(entry.export!.requirements.length).toBeGreaterThan(0);
    }
  });

  it('entries yield built-in expert kinds with a backend', () => {
    for (const entry of MODEL_CATALOG) {
      expect(BUILTIN_EXPERT_KINDS as readonly string[], entry.name).toContain(entry.expert.kind);
      expect(entry.expert.backend, entry.name).toBeTruthy();
    }
  });

  it('registered entries shadow built-ins by name and are removed again', () => {
    const builtin = findCatalogEntry('clip-vit-b32')!;
    const replacement: ModelCatalogEntry = { ...builtin, description: 'a mirror' };
    undo.push(registerCatalogEntry(replacement));
    expect(findCatalogEntry('clip-vit-b32')).toBe(replacement);
    expect(listCatalog().filter((entry) => entry.name === 'clip-vit-b32')).toEqual([replacement]);
    undo.pop()!();
    expect(findCatalogEntry('clip-vit-b32')).toBe(builtin);
    expect(() => registerCatalogEntry({ ...builtin, name: '../escape' })).toThrow(/must match/);
  });
});

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expertToExpertDependencies, findCycles, importsOf, readWorkspaces, repoRoot, sourceImportGraph, type WorkspacePackage } from './dependency-graph.js';

// The workspace's dependency rules (CONTRIBUTING "Dependencies"), read from the files: no expert package depends on
// another expert package; no import circle among source files (values, types and lazy imports alike).

const packages = readWorkspaces();
const relative = (cycle: string[]) => cycle.map((file) => path.relative(repoRoot, file)).join(' -> ');

describe('dependency graph', () => {
  it('no expert package (packages/reward-*) depends on another expert package', () => {
    expect(packages.filter((pkg) => pkg.expert).length).toBeGreaterThanOrEqual(5);
    expect(expertToExpertDependencies(packages)).toEqual([]);
  });

  it('the yes/no machinery is a library, not an expert: vqa and orm depend on it', () => {
    const byName = new Map(packages.map((pkg) => [pkg.name, pkg]));
    expect(byName.get('@t2i-reward/yes-no')?.expert).toBe(false);
    for (const expert of ['@t2i-reward/vqa', '@t2i-reward/orm']) {
      expect(Object.keys(byName.get(expert)!.manifest.dependencies ?? {}), expert).toContain('@t2i-reward/yes-no');
    }
  });

  it('no import circle among the source files of the workspace', () => {
    const { files, edges } = sourceImportGraph(repoRoot, packages);
    expect(files.length).toBeGreaterThan(100);
    // Package imports are followed too: vqa's plugin reaches the yes/no package's config module.
    expect(edges.some((edge) => edge.specifier === '@t2i-reward/yes-no' && edge.from.includes('/reward-vqa/'))).toBe(true);
    expect(findCycles(files, edges).map(relative)).toEqual([]);
  });

  it('finds a rule breach and each circle as a path (checks of the checker)', () => {
    const expert = (name: string, dependencies: Record<string, string>): WorkspacePackage => ({
      name,
      dir: `packages/reward-${name.split('/')[1]}`,
      expert: true,
      manifest: { devDependencies: dependencies },
    });
    const library: WorkspacePackage = { name: '@t2i-reward/yes-no', dir: 'packages/yes-no', expert: false, manifest: {} };
    expect(
      expertToExpertDependencies([
        expert('@t2i-reward/orm', { '@t2i-reward/vqa': '^0.1.0', '@t2i-reward/yes-no': '^0.1.0' }),
        expert('@t2i-reward/vqa', {}),
        library,
      ]),
    ).toEqual(['@t2i-reward/orm -> @t2i-reward/vqa (devDependencies)']);

    const edge = (from: string, to: string) => ({ from, to });
    // The old vqa circle (onnx-export <-> onnx-git, type imports), a 3-cycle, a self-import, and an acyclic part.
    const cycles = findCycles(
      ['onnx-export', 'onnx-git', 'onnx', 'a', 'b', 'c', 'd', 'self'],
      [
        edge('onnx', 'onnx-git'),
        edge('onnx-git', 'onnx-export'),
        edge('onnx-export', 'onnx-git'),
        edge('a', 'b'),
        edge('b', 'c'),
        edge('c', 'a'),
        edge('c', 'd'),
        edge('self', 'self'),
      ],
    );
    expect(cycles.map((cycle) => cycle.join(' -> ')).sort()).toEqual(['a -> b -> c -> a', 'onnx-export -> onnx-git -> onnx-export', 'self -> self']);
    expect(findCycles(['a', 'b', 'c'], [edge('a', 'b'), edge('b', 'c'), edge('a', 'c')])).toEqual([]);
  });

  it('reads value, type and lazy imports, and no import named in a comment', () => {
    const source = [
      "import type { A } from './a.js';",
      "import { type B, type C } from './bc.js';",
      "import { d, type E } from './de.js';",
      "export { f } from './f.js';",
      "export type { G } from './g.js';",
      '/** e.g. `import { x } from "./comment.js"` */',
      "// import { y } from './comment2.js';",
      "const h = await import('./h.js');",
      "type I = import('./i.js').I;",
    ].join('\n');
    expect(importsOf('x.ts', source)).toEqual([
      { specifier: './a.js', kind: 'type' },
      { specifier: './bc.js', kind: 'type' },
      { specifier: './de.js', kind: 'value' },
      { specifier: './f.js', kind: 'value' },
      { specifier: './g.js', kind: 'type' },
      { specifier: './h.js', kind: 'dynamic' },
      { specifier: './i.js', kind: 'type' },
    ]);
  });
});

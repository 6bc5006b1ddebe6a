/**
 * The workspace's dependency graph, read from the files (no build): every workspace package.json, and the imports
 * of every source file of packages/* and benchmarks (src/**\/*.ts, tests and __fixtures__ excluded). Used by
 * dependency-graph.test.ts; `node --import tsx scripts/dependency-graph.ts` prints the cycles it finds.
 *
 * Rules (CONTRIBUTING "Dependencies"): no expert package (packages/reward-*) depends on another expert package;
 * no import circle among source files, whether the imports are values or types, relative or by package name.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface WorkspacePackage {
  name: string;
  /** Folder relative to the repository root, e.g. packages/reward-vqa. */
  dir: string;
  /** An expert package: its folder is packages/reward-*. */
  expert: boolean;
  manifest: {
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
    optionalDependencies?: Record<string, string>;
    exports?: Record<string, unknown>;
  };
}

export const DEPENDENCY_FIELDS = ['dependencies', 'peerDependencies', 'devDependencies', 'optionalDependencies'] as const;

export function readWorkspaces(root = repoRoot): WorkspacePackage[] {
  const { workspaces } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { workspaces: string[] };
  return workspaces.map((dir) => {
    const manifest = JSON.parse(readFileSync(path.join(root, dir, 'package.json'), 'utf8')) as WorkspacePackage['manifest'] & { name: string };
    return { name: manifest.name, dir, expert: /^packages\/reward-/.test(dir), manifest };
  });
}

/** Each expert package that names another expert package in any dependency field: `a -> b (field)`. */
export function expertToExpertDependencies(packages: readonly WorkspacePackage[]): string[] {
  const experts = new Set(packages.filter((pkg) => pkg.expert).map((pkg) => pkg.name));
  const found: string[] = [];
  for (const pkg of packages.filter((p) => p.expert)) {
    for (const field of DEPENDENCY_FIELDS) {
      for (const dependency of Object.keys(pkg.manifest[field] ?? {})) {
        if (experts.has(dependency) && dependency !== pkg.name) found.push(`${pkg.name} -> ${dependency} (${field})`);
      }
    }
  }
  return found;
}

export type ImportKind = 'value' | 'type' | 'dynamic';
export interface ImportEdge {
  from: string;
  to: string;
  specifier: string;
  kind: ImportKind;
}

/** Module specifiers a file imports: import / export ... from, import('literal'); `import type` and type-only exports as 'type'. */
export function importsOf(file: string, source = readFileSync(file, 'utf8')): { specifier: string; kind: ImportKind }[] {
  const sourceFile = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found: { specifier: string; kind: ImportKind }[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly =
        !!clause &&
        (clause.isTypeOnly ||
          (!clause.name &&
            !!clause.namedBindings &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      found.push({ specifier: node.moduleSpecifier.text, kind: typeOnly ? 'type' : 'value' });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const typeOnly =
        node.isTypeOnly ||
        (!!node.exportClause &&
          ts.isNamedExports(node.exportClause) &&
          node.exportClause.elements.length > 0 &&
          node.exportClause.elements.every((e) => e.isTypeOnly));
      found.push({ specifier: node.moduleSpecifier.text, kind: typeOnly ? 'type' : 'value' });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      if (argument && ts.isStringLiteralLike(argument)) found.push({ specifier: argument.text, kind: 'dynamic' });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push({ specifier: node.argument.literal.text, kind: 'type' });
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return found;
}

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== '__fixtures__' && entry.name !== 'node_modules') files.push(...sourceFiles(full));
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts')) {
      files.push(full);
    }
  }
  return files;
}

/** The file a `t2ir-source` export of a workspace package points at (`@t2i-reward/x` or `@t2i-reward/x/sub`). */
function resolvePackageSpecifier(specifier: string, packages: ReadonlyMap<string, WorkspacePackage>, root: string): string | undefined {
  const match = /^(@[^/]+\/[^/]+)(\/.*)?$/.exec(specifier);
  const pkg = match && packages.get(match[1]!);
  if (!pkg) return undefined;
  const target = pkg.manifest.exports?.[`.${match[2] ?? ''}`];
  const file = typeof target === 'object' && target ? (target as Record<string, unknown>)['t2ir-source'] : undefined;
  return typeof file === 'string' ? path.join(root, pkg.dir, file) : undefined;
}

function resolveRelative(from: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(from), specifier);
  const candidates = [base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), `${base}.ts`, path.join(base, 'index.ts'), base];
  return candidates.find((candidate) => existsSync(candidate) && !candidate.endsWith('/'));
}

/** Every import between source files of the workspace (package imports resolved through `t2ir-source`). */
export function sourceImportGraph(root = repoRoot, packages = readWorkspaces(root)): { files: string[]; edges: ImportEdge[] } {
  const byName = new Map(packages.map((pkg) => [pkg.name, pkg]));
  const files = packages.flatMap((pkg) => sourceFiles(path.join(root, pkg.dir, 'src')));
  const known = new Set(files);
  const edges: ImportEdge[] = [];
  for (const file of files) {
    for (const { specifier, kind } of importsOf(file)) {
      const to = specifier.startsWith('.') ? resolveRelative(file, specifier) : resolvePackageSpecifier(specifier, byName, root);
      if (to && known.has(to)) edges.push({ from: file, to, specifier, kind });
    }
  }
  return { files, edges };
}

/**
 * The import circles of a graph: one per strongly connected component of more than one file (or a file that imports
 * itself), each as a path `a -> b -> ... -> a` through the component (Tarjan, then a shortest cycle from its first node).
 */
export function findCycles(nodes: readonly string[], edges: readonly { from: string; to: string }[]): string[][] {
  const next = new Map<string, string[]>(nodes.map((node) => [node, []]));
  for (const { from, to } of edges) next.get(from)?.push(to);
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  // Iterative Tarjan (the graph has hundreds of files; no recursion depth to worry about).
  for (const start of nodes) {
    if (index.has(start)) continue;
    const work: { node: string; edge: number }[] = [{ node: start, edge: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length) {
      const frame = work.at(-1)!;
      const successors = next.get(frame.node) ?? [];
      if (frame.edge < successors.length) {
        const successor = successors[frame.edge++]!;
        if (!index.has(successor)) {
          index.set(successor, counter);
          low.set(successor, counter++);
          stack.push(successor);
          onStack.add(successor);
          work.push({ node: successor, edge: 0 });
        } else if (onStack.has(successor)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(successor)!));
        }
        continue;
      }
      work.pop();
      const parent = work.at(-1);
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        const selfLoop = component.length === 1 && (next.get(member) ?? []).includes(member);
        if (component.length > 1 || selfLoop) components.push(component);
      }
    }
  }
  return components.map((component) => shortestCycle(component.sort()[0]!, new Set(component), next));
}

/** A shortest path from `start` back to itself inside `within` (breadth first). */
function shortestCycle(start: string, within: ReadonlySet<string>, next: ReadonlyMap<string, string[]>): string[] {
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const node = queue.shift()!;
    for (const successor of next.get(node) ?? []) {
      if (!within.has(successor)) continue;
      if (successor === start) {
        const path = [start];
        for (let at: string | undefined = node; at !== undefined && at !== start; at = previous.get(at)) path.splice(1, 0, at);
        return [...path, start];
      }
      if (!previous.has(successor)) {
        previous.set(successor, node);
        queue.push(successor);
      }
    }
  }
  return [start, start];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const packages = readWorkspaces();
  for (const line of expertToExpertDependencies(packages)) process.stdout.write(`expert -> expert: ${line}\n`);
  const { files, edges } = sourceImportGraph(repoRoot, packages);
  const cycles = findCycles(files, edges);
  process.stdout.write(`${files.length} source files, ${edges.length} imports, ${cycles.length} circle(s)\n`);
  for (const cycle of cycles) process.stdout.write(`  ${cycle.map((file) => path.relative(repoRoot, file)).join(' -> ')}\n`);
}

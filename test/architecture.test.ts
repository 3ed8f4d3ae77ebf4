import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');

/** One relative import of a source file: the file it names (relative to the root) and whether it is type-only. */
interface Edge {
  from: string;
  to: string;
  typeOnly: boolean;
}

/**
 * Every `import … from`, `export … from`, side-effect `import '…'` and `import('…')` of a relative path,
 * with `.js` read as the `.ts` file it compiles from.
 */
function importsOf(file: string, text: string): Edge[] {
  const pattern =
    /(?:^|[;\n])\s*(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;
  const edges: Edge[] = [];
  for (const match of text.matchAll(pattern)) {
    const specifier = match[3] ?? match[4];
    if (specifier === undefined) continue;
    const target = resolve(dirname(join(ROOT, file)), specifier).replace(/\.js$/, '.ts');
    edges.push({ from: file, to: relative(ROOT, target), typeOnly: match[2] !== undefined });
  }
  return edges;
}

function sourceFiles(): string[] {
  return readdirSync(SRC, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
    .map((name) => relative(ROOT, join(SRC, name)))
    .sort();
}

const FILES = sourceFiles();
const EDGES = FILES.flatMap((file) => importsOf(file, readFileSync(join(ROOT, file), 'utf8')));

const under = (folder: string) => (file: string) => file.startsWith(`src/${folder}/`);
const show = (edges: Edge[]) =>
  edges.map((e) => `${e.from} → ${e.to}${e.typeOnly ? ' (type-only)' : ''}`).join('\n');

/** The edges from files matching `from` to files matching `to`, printed one per line ('' when none). */
function violations(from: (file: string) => boolean, to: (file: string) => boolean): string {
  return show(EDGES.filter((e) => from(e.from) && to(e.to)));
}

/** The files reachable from `entry` by its imports, with the path that reaches each. */
function reachable(entry: string): Map<string, string[]> {
  const paths = new Map<string, string[]>([[entry, [entry]]]);
  const queue = [entry];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    for (const edge of EDGES.filter((e) => e.from === file && !paths.has(e.to))) {
      paths.set(edge.to, [...(paths.get(file) ?? []), edge.to]);
      queue.push(edge.to);
    }
  }
  return paths;
}

describe('the import graph', () => {
  it('reads every kind of relative import, and only relative ones', () => {
    const text = [
      "import { a } from './a.js';",
      "import type { B } from '../b.js';",
      "export { c } from './c/index.js';",
      "export type { D } from './d.js';",
      "import './guard.js';",
      "const e = await import('./e.js');",
      "import { z } from 'zod';",
      'import {',
      '  f,',
      '  type G,',
      "} from './f.js';",
    ].join('\n');
    expect(importsOf('src/x/y.ts', text)).toEqual([
      { from: 'src/x/y.ts', to: 'src/x/a.ts', typeOnly: false },
      { from: 'src/x/y.ts', to: 'src/b.ts', typeOnly: true },
      { from: 'src/x/y.ts', to: 'src/x/c/index.ts', typeOnly: false },
      { from: 'src/x/y.ts', to: 'src/x/d.ts', typeOnly: true },
      { from: 'src/x/y.ts', to: 'src/x/guard.ts', typeOnly: false },
      { from: 'src/x/y.ts', to: 'src/x/e.ts', typeOnly: false },
      { from: 'src/x/y.ts', to: 'src/x/f.ts', typeOnly: false },
    ]);
  });

  it('names only files that exist', () => {
    expect(show(EDGES.filter((e) => !FILES.includes(e.to)))).toBe('');
    expect(EDGES.length).toBeGreaterThan(FILES.length);
  });

  it('lets nothing but index.ts import destination.ts', () => {
    expect(
      violations(
        (file) => file !== 'src/index.ts',
        (file) => file === 'src/destination.ts',
      ),
    ).toBe('');
  });

  it('keeps the send path free of the CLI, delivery, the simulator and the back-ends', () => {
    const outside = ['cli', 'delivery', 'simulator', 'redis', 'postgres', 'sqlite'].map(under);
    expect(violations(under('send'), (file) => outside.some((folder) => folder(file)))).toBe('');
  });

  it('keeps the configuration free of the send path (the seams it names live in src/seams/)', () => {
    expect(violations(under('config'), under('send'))).toBe('');
  });

  it('keeps the seams free of everything else in the package', () => {
    expect(violations(under('seams'), (file) => !under('seams')(file))).toBe('');
  });

  it('never reaches the back-ends, the simulator or the CLI from the main entry', () => {
    const banned = ['redis', 'postgres', 'sqlite', 'simulator', 'cli'].map(under);
    const paths = reachable('src/index.ts');
    const reached = [...paths].filter(([file]) => banned.some((folder) => folder(file)));
    expect(reached.map(([, path]) => path.join(' → ')).join('\n')).toBe('');
    expect(paths.has('src/send/index.ts')).toBe(true);
  });
});

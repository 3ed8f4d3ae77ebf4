/**
 * The shipped declarations (dist/**\/*.d.ts, built by the global setup) are read by users in their
 * editors: their comments must not send them to files the package does not ship.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const DIST = fileURLToPath(new URL('../dist', import.meta.url));

/** Files npm ships besides dist/: package.json's `files`, and what npm always adds. */
const SHIPPED_DOCUMENTS = new Set(['README.md', 'CHANGELOG.md', 'LICENSE']);

describe('the shipped .d.ts comments', () => {
  it('name no file that is not shipped (design notes, sources, tests)', async () => {
    const files = (await readdir(DIST, { recursive: true })).filter((name) => name.endsWith('.d.ts'));
    expect(files.length).toBeGreaterThan(20);
    const found: string[] = [];
    for (const name of files) {
      const text = await readFile(join(DIST, name), 'utf8');
      const comments = text.match(/\/\*[\s\S]*?\*\//g) ?? [];
      for (const comment of comments) {
        for (const [reference] of comment.matchAll(
          /\b[\w./-]+\.(?:md|ts|tsx)\b|\b(?:src|test|bench|examples)\/[\w./-]+/g,
        )) {
          if (reference.endsWith('.d.ts') || SHIPPED_DOCUMENTS.has(reference)) continue;
          found.push(`${name}: ${reference}`);
        }
      }
    }
    expect(found).toEqual([]);
  });
});

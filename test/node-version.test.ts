/**
 * The Node.js version check: the pure rule in a table, and the built package and bin under an old Node
 * (the machine's Node 20, found on PATH or at /usr/bin/node) in real child processes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { MINIMUM_NODE, nodeVersionProblem } from '../src/node-version.js';

// Each test starts child processes; on a loaded machine that takes seconds, which is no failure.
vi.setConfig({ testTimeout: 60_000 });

describe('nodeVersionProblem', () => {
  it.each([
    ['20.20.2', 'twilio-destination needs Node.js 22.20 or newer (this is 20.20.2)'],
    ['22.19.0', 'twilio-destination needs Node.js 22.20 or newer (this is 22.19.0)'],
    ['18.0.0', 'twilio-destination needs Node.js 22.20 or newer (this is 18.0.0)'],
    ['22.20.0', undefined],
    ['22.21.1', undefined],
    ['23.0.0', undefined],
    ['24.21.0', undefined],
  ])('Node.js %s: %s', (version, problem) => {
    expect(nodeVersionProblem(version)).toBe(problem);
  });

  it('agrees with package.json engines', async () => {
    const { engines } = (await import('../package.json', { with: { type: 'json' } })).default;
    expect(engines.node).toBe(`>=${MINIMUM_NODE.join('.')}`);
  });
});

/** A Node.js older than 22 on this machine, if there is one. */
function oldNode(): { path: string; version: string } | undefined {
  const candidates = new Set(['/usr/bin/node', '/bin/node', '/usr/local/bin/node']);
  try {
    for (const path of execFileSync('which', ['-a', 'node'], { encoding: 'utf8' }).split('\n')) {
      if (path !== '') candidates.add(path);
    }
  } catch {
    // No `which`: the usual places only.
  }
  for (const path of candidates) {
    if (!existsSync(path)) continue;
    const version = spawnSync(path, ['--version'], { encoding: 'utf8' }).stdout.trim().replace(/^v/, '');
    if (Number(version.split('.')[0]) < 22) return { path, version };
  }
  return undefined;
}

describe("the CLI's own check (src/cli/node-check.ts)", () => {
  it('lets a supported Node.js run on: nothing printed, no exit', async () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation(() => undefined as never);
    const write = vi.spyOn(process.stderr, 'write');
    await import('../src/cli/node-check.js');
    expect(exit).not.toHaveBeenCalled();
    expect(write).not.toHaveBeenCalled();
    exit.mockRestore();
    write.mockRestore();
  });
});

const old = oldNode();
const dist = (path: string) => fileURLToPath(new URL(`../dist/${path}`, import.meta.url));

describe.skipIf(old === undefined)(`under an old Node.js (${old?.path} ${old?.version})`, () => {
  const { path, version } = old as { path: string; version: string };
  const expected = `twilio-destination needs Node.js 22.20 or newer (this is ${version})`;

  it('the CLI prints one line saying so and exits 2', () => {
    const result = spawnSync(path, [dist('cli/main.js'), 'preview', '--help'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`error: ${expected}\n`);
    expect(result.stdout).toBe('');
  });

  it('importing the package throws that error, not a TypeError from inside undici', () => {
    const script = `import(${JSON.stringify(dist('index.js'))}).then(() => console.log('loaded'), (e) => console.log(e.constructor.name + ': ' + e.message))`;
    const result = spawnSync(path, ['-e', script], { encoding: 'utf8' });
    expect(result.stdout).toBe(`Error: ${expected}\n`);
  });
});

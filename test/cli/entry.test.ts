import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { isEntryPoint } from '../../src/cli/entry.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('isEntryPoint', () => {
  it('knows when a module is the program being run, through a symlink too', async () => {
    const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
    const url = new URL('../../src/cli/main.ts', import.meta.url).href;
    expect(isEntryPoint(main, url)).toBe(true);
    expect(isEntryPoint(process.argv[1], url)).toBe(false);
    expect(isEntryPoint(undefined, url)).toBe(false);
    expect(isEntryPoint('/nonexistent/bin', url)).toBe(false);
    const tmp = await mkdtemp(join(tmpdir(), 'twilio-destination-bin-'));
    dirs.push(tmp);
    await symlink(main, join(tmp, 'twilio-destination'));
    expect(isEntryPoint(join(tmp, 'twilio-destination'), url)).toBe(true);
    await writeFile(join(tmp, 'other.js'), '');
    expect(isEntryPoint(join(tmp, 'other.js'), url)).toBe(false);
  });
});

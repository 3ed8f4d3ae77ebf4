import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OutFileError, openOutFile } from '../../src/cli/out-file.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'twilio-destination-outfile-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const none = { input: undefined, force: false, append: false };

async function writeAll(file: Awaited<ReturnType<typeof openOutFile>>, text: string): Promise<void> {
  file.stream.end(text);
  await finished(file.stream);
}

describe('openOutFile', () => {
  it('writes under a temporary name, and the file appears only at commit', async () => {
    const path = join(dir, 'results.jsonl');
    const file = await openOutFile(path, none);
    await writeAll(file, 'one\n');
    const before = await readdir(dir);
    expect(before).toHaveLength(1);
    expect(before[0]).toMatch(/^\.results\.jsonl\.[0-9a-f]{12}\.partial$/);
    await file.commit();
    expect(await readdir(dir)).toEqual(['results.jsonl']);
    expect(await readFile(path, 'utf8')).toBe('one\n');
  });

  it('leaves nothing behind when the run is discarded', async () => {
    const file = await openOutFile(join(dir, 'results.jsonl'), none);
    await writeAll(file, 'half');
    await file.discard();
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses the input file, also through a symbolic link or another spelling of its path', async () => {
    const input = join(dir, 'rows.csv');
    await writeFile(input, 'phone\n+14155550100\n');
    await symlink(input, join(dir, 'link.csv'));
    for (const out of [input, join(dir, 'link.csv'), join(dir, '.', 'sub', '..', 'rows.csv')]) {
      await mkdir(join(dir, 'sub'), { recursive: true });
      const error = await openOutFile(out, { input, force: true, append: false }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OutFileError);
      expect((error as Error).message).toBe(
        `--out ${out} is the rows file itself: writing the results there would destroy the rows. Choose another --out file`,
      );
    }
    expect(await readFile(input, 'utf8')).toBe('phone\n+14155550100\n');
  });

  it('refuses an existing file without --force or --append, and keeps it', async () => {
    const path = join(dir, 'results.jsonl');
    await writeFile(path, 'earlier run\n');
    await expect(openOutFile(path, none)).rejects.toThrow(
      new OutFileError(
        `--out ${path} already exists: add --force to replace it, or --append to add to it (its lines are kept)`,
      ),
    );
    expect(await readFile(path, 'utf8')).toBe('earlier run\n');
  });

  it('replaces an existing file with --force, only at commit', async () => {
    const path = join(dir, 'results.jsonl');
    await writeFile(path, 'earlier run\n');
    const file = await openOutFile(path, { ...none, force: true });
    await writeAll(file, 'new run\n');
    expect(await readFile(path, 'utf8')).toBe('earlier run\n');
    await file.commit();
    expect(await readFile(path, 'utf8')).toBe('new run\n');
  });

  it('adds to an existing file with --append, and says whether it had content', async () => {
    const path = join(dir, 'results.csv');
    await writeFile(path, 'header\nearlier\n');
    const file = await openOutFile(path, { ...none, append: true });
    expect(file.appending).toBe(true);
    await writeAll(file, 'later\n');
    await file.commit();
    expect(await readFile(path, 'utf8')).toBe('header\nearlier\nlater\n');
    const fresh = await openOutFile(join(dir, 'new.csv'), { ...none, append: true });
    expect(fresh.appending).toBe(false);
    await writeAll(fresh, '');
    await fresh.discard();
  });

  it('fails at once when the directory does not exist', async () => {
    await expect(openOutFile(join(dir, 'missing', 'out.jsonl'), none)).rejects.toThrow(/ENOENT/);
  });

  it.runIf(process.platform !== 'win32')(
    'writes to /dev/null and a named pipe in place, with no flag, and leaves them what they were',
    async () => {
      for (const options of [none, { ...none, force: true }, { ...none, append: true }]) {
        const file = await openOutFile('/dev/null', options);
        expect(file.writtenTo).toBe('/dev/null');
        await writeAll(file, 'one\n');
        await file.commit();
        expect((await stat('/dev/null')).isCharacterDevice()).toBe(true);
      }
      expect((await readdir('/dev')).filter((name) => name.endsWith('.partial'))).toEqual([]);

      const fifo = join(dir, 'results.pipe');
      execFileSync('mkfifo', [fifo]);
      const reading = readFile(fifo, 'utf8');
      const file = await openOutFile(fifo, none);
      expect(file.appending).toBe(false);
      await writeAll(file, 'one\ntwo\n');
      await file.commit();
      expect(await reading).toBe('one\ntwo\n');
      expect((await stat(fifo)).isFIFO()).toBe(true);
      expect(await readdir(dir)).toEqual(['results.pipe']);
    },
  );

  it('refuses a directory, saying to name a file in it', async () => {
    for (const options of [none, { ...none, force: true }, { ...none, append: true }]) {
      const error = await openOutFile(dir, options).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OutFileError);
      expect((error as Error).message).toBe(
        `--out ${dir} is a directory: name a file in it, such as ${join(dir, 'results.jsonl')}`,
      );
    }
    expect(await readdir(dir)).toEqual([]);
  });
});

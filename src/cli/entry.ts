/** Whether a module is the program being run: for the side effects that only a run as a program has. */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** Whether `script` (argv[1], maybe an npm bin symlink) is the module at `moduleUrl`. */
export function isEntryPoint(script: string | undefined, moduleUrl: string): boolean {
  if (script === undefined) return false;
  try {
    return pathToFileURL(realpathSync(script)).href === moduleUrl;
  } catch {
    return false;
  }
}

/**
 * Measures the longest text any regular expression was run on while some code ran: the operation count
 * behind the claim that a hostile cell costs nothing. Every RegExp method goes through `exec` once it is
 * replaced, so replacing `exec` sees them all.
 */
import { vi } from 'vitest';

/** A running measure: `longest()` so far, and `restore()` to put `exec` back. */
interface RegexWatch {
  longest(): number;
  restore(): void;
}

function watchRegexInput(): RegexWatch {
  let longest = 0;
  const exec = RegExp.prototype.exec;
  const spy = vi.spyOn(RegExp.prototype, 'exec').mockImplementation(function (this: RegExp, text: string) {
    longest = Math.max(longest, String(text).length);
    return exec.call(this, text);
  });
  return { longest: () => longest, restore: () => spy.mockRestore() };
}

/** The longest text any regular expression saw while `run` ran. */
export function longestRegexInput(run: () => void): number {
  const watch = watchRegexInput();
  try {
    run();
  } finally {
    watch.restore();
  }
  return watch.longest();
}

/** {@link longestRegexInput} for code that runs asynchronously. */
export async function longestRegexInputAsync(run: () => Promise<void>): Promise<number> {
  const watch = watchRegexInput();
  try {
    await run();
  } finally {
    watch.restore();
  }
  return watch.longest();
}

#!/usr/bin/env node
/**
 * The `twilio-destination` program: checks the Node.js version, re-runs a streaming command with its heap
 * flags, and only then loads the CLI and runs it, so that undici, zod and the CLI's own modules are loaded
 * once, by the run that uses them. Imported rather than run, it does nothing.
 */
// First: a Node.js too old for the package gets one clear line, before undici is loaded.
import './node-check.js';
import { isEntryPoint } from './entry.js';
import { runWithHeapFlags } from './heap-flags.js';

// Only when run as a program; the built bin's tests cover these lines.
/* v8 ignore next 5 */
if (isEntryPoint(process.argv[1], import.meta.url)) {
  runWithHeapFlags(process);
  const { main, processContext } = await import('./cli.js');
  await main(processContext());
}

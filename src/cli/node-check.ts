/**
 * The CLI's runtime check, imported first by main.ts: on a Node.js too old for the package it prints one
 * line and exits 2, before undici (which would fail with an obscure `TypeError`) is loaded.
 */
import { nodeVersionProblem } from '../node-version.js';

const problem = nodeVersionProblem(process.versions.node);
// Covered by the test that runs the built bin under Node 20 in a child process.
/* v8 ignore next 4 */
if (problem !== undefined) {
  process.stderr.write(`error: ${problem}\n`);
  process.exit(2);
}

/**
 * The runtime check, imported first by the entry points: on a Node.js older than the package supports,
 * undici fails deep inside its own import with a `TypeError` that names nothing useful; this throws an
 * error that says what is wrong, before undici is loaded.
 */
import { nodeVersionProblem } from './node-version.js';

const problem = nodeVersionProblem(process.versions.node);
// Covered by the test that imports the built package under Node 20 in a child process.
/* v8 ignore next */
if (problem !== undefined) throw new Error(problem);

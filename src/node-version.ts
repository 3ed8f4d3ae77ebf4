/** Which Node.js versions the package runs on, and the message for one it does not (the entry points import a guard that throws it). */

/** The oldest Node.js the package runs on, as in package.json's `engines`. */
export const MINIMUM_NODE = [22, 20] as const;

/**
 * The problem with Node.js `version` (`process.versions.node`), or `undefined` when it is new enough.
 *
 * @example
 * ```ts
 * nodeVersionProblem('20.20.2'); // 'twilio-destination needs Node.js 22.20 or newer (this is 20.20.2)'
 * ```
 */
export function nodeVersionProblem(version: string): string | undefined {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const [needMajor, needMinor] = MINIMUM_NODE;
  if (major > needMajor || (major === needMajor && minor >= needMinor)) return undefined;
  return `twilio-destination needs Node.js ${needMajor}.${needMinor} or newer (this is ${version})`;
}

import type { Logger } from '../../src/logger.js';

/** A logger that keeps every line with its level. */
export function recordingLogger(): Logger & { lines: [string, string][] } {
  const lines: [string, string][] = [];
  return {
    lines,
    debug: (message) => lines.push(['debug', message]),
    info: (message) => lines.push(['info', message]),
    warn: (message) => lines.push(['warn', message]),
    error: (message) => lines.push(['error', message]),
  };
}

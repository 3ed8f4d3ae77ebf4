/**
 * The logging shape that pino, console and most loggers share. The package logs one line per request and
 * one per row outcome, never a secret: requests are logged by method, path and status only.
 */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const ignore = () => {};

/** The default: silent. */
export const silentLogger: Logger = { debug: ignore, info: ignore, warn: ignore, error: ignore };

/**
 * The logging shape that pino, console and most loggers share. The package logs one line per request and
 * one per row outcome, never a secret: requests are logged by method, path and status only.
 */
export interface Logger {
  /** Details: one line per HTTP request (method, path, status or error, duration, request id). */
  debug(message: string): void;
  /** One line per row sent, with its Message SID and attempts. */
  info(message: string): void;
  /** One line per row failed, with its code and message. */
  warn(message: string): void;
  /** Reserved for failures of the package itself; a failed row is a `warn`. */
  error(message: string): void;
}

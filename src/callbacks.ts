/**
 * Containment of the user's code: the logger's methods and `onProgress` are wrapped where options are
 * resolved, so that nothing they do (throw, return a rejected promise, a getter or Proxy that throws when a
 * method is read) reaches the send path. The call goes on, every row still gets its result, and the first
 * failure is reported once per destination: through the user's `logger.error` when that works, else
 * `process.emitWarning`.
 */
import type { Logger } from './logger.js';

/** The user's callbacks, as options resolve them. */
export interface UserCallbacks<P> {
  /** The user's logger, if any. */
  logger: Logger | undefined;
  /** The user's progress callback, if any. */
  onProgress: ((progress: P) => void) | undefined;
}

/**
 * Whether a callback failure has been reported: one per destination, shared by all its calls, so that the
 * failure is reported once however many calls meet it.
 */
export interface CallbackReport {
  reported: boolean;
}

/** The `code` of the warning emitted when a callback fails and `logger.error` cannot report it. */
export const CALLBACK_WARNING_CODE = 'TWILIO_DESTINATION_CALLBACK';

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
const MAX_REASON = 300;

/** What went wrong, from any thrown value, without ever throwing itself (a hostile `toString` included). */
function reasonOf(error: unknown): string {
  let text: string;
  try {
    text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } catch {
    text = 'a value that cannot be printed';
  }
  return text.length > MAX_REASON ? `${text.slice(0, MAX_REASON)}…` : text;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * Runs `call`, turning a throw or a rejected promise into `onFailure(error)`; never throws, never leaves a
 * rejection unhandled.
 */
function guarded(call: () => unknown, onFailure: (error: unknown) => void): void {
  try {
    const result = call();
    if (isThenable(result)) result.then(undefined, onFailure);
  } catch (error) {
    onFailure(error);
  }
}

function emitWarning(text: string): void {
  try {
    process.emitWarning(text, { code: CALLBACK_WARNING_CODE });
  } catch {
    // A process whose warning machinery throws has nowhere left to tell; the call still goes on.
  }
}

/**
 * Wraps the user's logger and `onProgress` so that they can never break a call. The wrappers call the
 * user's methods with the logger as `this` (pino needs it) and return nothing. `state` is the destination's:
 * a failure already reported through it is not reported again.
 *
 * @example
 * ```ts
 * const { logger, onProgress } = containCallbacks({ logger: options.logger, onProgress: options.onProgress });
 * ```
 */
export function containCallbacks<P>(
  callbacks: UserCallbacks<P>,
  state: CallbackReport = { reported: false },
): UserCallbacks<P> {
  const { logger: user, onProgress } = callbacks;
  const report = (what: string, error: unknown) => {
    if (state.reported) return;
    state.reported = true;
    const text =
      `twilio-destination: ${what} failed (${reasonOf(error)}); the destination went on without it. ` +
      "Further failures of this destination's callbacks are not reported.";
    if (user === undefined || what === 'logger.error()') return emitWarning(text);
    guarded(
      () => user.error(text),
      () => emitWarning(text),
    );
  };
  const logger: Logger | undefined =
    user === undefined
      ? undefined
      : (Object.fromEntries(
          LEVELS.map((level) => [
            level,
            (message: string) =>
              guarded(
                () => user[level](message),
                (error) => report(`logger.${level}()`, error),
              ),
          ]),
        ) as unknown as Logger);
  return {
    logger,
    onProgress:
      onProgress === undefined
        ? undefined
        : (progress: P) =>
            guarded(
              () => onProgress(progress),
              (error) => report('onProgress', error),
            ),
  };
}

import type { Dispatcher } from 'undici';

/**
 * An undici dispatcher that answers every request at once from `answer`, without sockets: for property
 * tests that send thousands of rows. It counts the requests it was given.
 */
export function instantDispatcher(
  answer: (options: Dispatcher.DispatchOptions) => { status: number; body: string },
) {
  const requests: Dispatcher.DispatchOptions[] = [];
  const dispatcher = {
    requests,
    dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler) {
      requests.push(options);
      const controller = {
        aborted: false,
        paused: false,
        reason: null,
        abort() {},
        pause() {},
        resume() {},
      } as unknown as Dispatcher.DispatchController;
      queueMicrotask(() => {
        const { status, body } = answer(options);
        handler.onRequestStart?.(controller, {});
        handler.onRequestSent?.();
        handler.onResponseStart?.(controller, status, { 'content-type': 'application/json' }, '');
        handler.onResponseData?.(controller, Buffer.from(body));
        handler.onResponseEnd?.(controller, {});
      });
      return true;
    },
    close: async () => {},
    destroy: async () => {},
  };
  return dispatcher as typeof dispatcher & Dispatcher;
}

import { describe, expect, it, vi } from 'vitest';
import { onAbort } from '../src/abort-slots.js';

describe('onAbort', () => {
  it('calls every request still watching when the signal aborts, and no released one', () => {
    const controller = new AbortController();
    const called: string[] = [];
    onAbort(controller.signal, () => called.push('a'));
    const releaseB = onAbort(controller.signal, () => called.push('b'));
    onAbort(controller.signal, () => called.push('c'));
    releaseB();
    controller.abort();
    expect(called).toEqual(['a', 'c']);
  });

  it('adds one listener to a signal however many requests watch it', () => {
    const controller = new AbortController();
    const add = vi.spyOn(controller.signal, 'addEventListener');
    for (let i = 0; i < 1000; i++) onAbort(controller.signal, () => {})();
    const releases = Array.from({ length: 8 }, () => onAbort(controller.signal, () => {}));
    for (const release of releases) release();
    expect(add).toHaveBeenCalledTimes(1);
  });

  it('gives a slot to a new request once released, and a second release does not free it again', () => {
    const controller = new AbortController();
    const called: string[] = [];
    const releaseA = onAbort(controller.signal, () => called.push('a'));
    releaseA();
    onAbort(controller.signal, () => called.push('b'));
    releaseA();
    controller.abort();
    expect(called).toEqual(['b']);
  });

  it('does not call a request that another released while the abort was being delivered', () => {
    const controller = new AbortController();
    const called: string[] = [];
    const releases: Array<() => void> = [];
    for (const name of ['a', 'b', 'c']) {
      releases.push(
        onAbort(controller.signal, () => {
          called.push(name);
          for (const release of releases) release();
        }),
      );
    }
    controller.abort();
    expect(called).toEqual(['a']);
  });

  it('keeps signals apart', () => {
    const first = new AbortController();
    const second = new AbortController();
    const called: string[] = [];
    onAbort(first.signal, () => called.push('first'));
    onAbort(second.signal, () => called.push('second'));
    second.abort();
    expect(called).toEqual(['second']);
  });
});

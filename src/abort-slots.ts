/**
 * One `abort` listener per signal for any number of in-flight requests: each request takes a slot in an
 * array and gives it back when it ends, and the single listener calls every occupied slot.
 *
 * Why: a write's signal lives as long as the write, and adding and removing one listener per request left
 * Node's `EventTarget` links to dead listeners; once one was promoted to V8's old generation it kept later
 * listeners (each holding a request's closure, buffers and promise chain) reachable until a full GC, so
 * 10–13 MB survived every scavenge at concurrency 8. Array slots have no such links (a `Set` does: its
 * outgrown table links to its replacement).
 */

interface Watch {
  /** What to call on abort, per slot; `undefined` for a free slot. */
  slots: Array<(() => void) | undefined>;
  /** Free slot numbers, reused before the array grows. */
  free: number[];
}

const watches = new WeakMap<AbortSignal, Watch>();

function watchFor(signal: AbortSignal): Watch {
  let watch = watches.get(signal);
  if (watch === undefined) {
    const created: Watch = { slots: [], free: [] };
    watch = created;
    watches.set(signal, created);
    signal.addEventListener(
      'abort',
      () => {
        watches.delete(signal);
        // Read live: a callback that ends other requests releases their slots, and they are not called.
        for (let slot = 0; slot < created.slots.length; slot++) created.slots[slot]?.();
      },
      { once: true },
    );
  }
  return watch;
}

/**
 * Calls `onAbort` when `signal` aborts, until the returned function is called (call it when the request
 * ends, however it ends). `signal` must not be aborted yet: check `signal.aborted` first.
 * @example
 * const release = onAbort(signal, () => controller.abort());
 * try { await request(); } finally { release(); }
 */
export function onAbort(signal: AbortSignal, callback: () => void): () => void {
  const watch = watchFor(signal);
  const slot = watch.free.pop() ?? watch.slots.length;
  watch.slots[slot] = callback;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    watch.slots[slot] = undefined;
    watch.free.push(slot);
  };
}

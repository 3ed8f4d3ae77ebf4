/**
 * The recipients a scan has seen, each with the file line of its first row, for finding repeated
 * recipients in a million-row file. E.164 numbers (all but a few) are kept as doubles (exact up to 15
 * digits) in an open-addressed table of two typed arrays: 16 bytes a slot outside the V8 heap, no object
 * per entry and nothing for the garbage collector to trace, where a `Map` took about 50 bytes an entry
 * and grew by copying on the heap. Anything else (`whatsapp:+1…`) goes to a `Map`.
 */

/** Numbers only: `+` and 2 to 15 digits, the first not 0. Never 0, the empty slot's mark. */
const E164 = /^\+[1-9]\d{1,14}$/;

/** Slots filled at most to this share before the table doubles (linear probing stays short below it). */
const MAX_LOAD = 0.8;

/** A map from recipient to the line of its first row, compact for E.164 numbers. */
export class RecipientLines {
  /** The numbers; 0 marks an empty slot. */
  #keys: Float64Array;
  /** The line of each slot's number. */
  #lines: Float64Array;
  /** Slots in use in the table. */
  #used = 0;
  readonly #others = new Map<string, number>();

  /** @param capacity slots to start with, a power of 2 (the table doubles as it fills). */
  constructor(capacity = 1024) {
    // A probe wraps with `& (length - 1)`: any other size would miss slots or never end.
    if (!Number.isInteger(capacity) || capacity < 1 || (capacity & (capacity - 1)) !== 0) {
      throw new RangeError(`RecipientLines: capacity must be a power of 2, got ${capacity}`);
    }
    this.#keys = new Float64Array(capacity);
    this.#lines = new Float64Array(capacity);
  }

  /** Recipients held. */
  get size(): number {
    return this.#used + this.#others.size;
  }

  /**
   * The line of the first row to `to` if one was noted; otherwise `undefined`, and `line` is noted as the
   * first when `remember` (the caller's bound on memory allows one more). One parse and one probe a row.
   */
  firstLine(to: string, line: number, remember: boolean): number | undefined {
    if (!E164.test(to)) {
      const earlier = this.#others.get(to);
      if (earlier === undefined && remember) this.#others.set(to, line);
      return earlier;
    }
    const key = Number(to.slice(1));
    let slot = this.#slotOf(key);
    if (this.#keys[slot] === key) return this.#lines[slot];
    if (!remember) return undefined;
    if (this.#used + 1 > this.#keys.length * MAX_LOAD) {
      this.#grow();
      slot = this.#slotOf(key);
    }
    this.#keys[slot] = key;
    this.#lines[slot] = line;
    this.#used++;
    return undefined;
  }

  /** The slot that holds `key`, or the empty one where it would go. */
  #slotOf(key: number): number {
    const keys = this.#keys;
    const mask = keys.length - 1;
    let slot = hash(key) & mask;
    while (keys[slot] !== key && keys[slot] !== 0) slot = (slot + 1) & mask;
    return slot;
  }

  #grow(): void {
    const keys = this.#keys;
    const lines = this.#lines;
    this.#keys = new Float64Array(keys.length * 2);
    this.#lines = new Float64Array(keys.length * 2);
    for (let slot = 0; slot < keys.length; slot++) {
      const key = keys[slot] as number;
      if (key === 0) continue;
      const to = this.#slotOf(key);
      this.#keys[to] = key;
      this.#lines[to] = lines[slot] as number;
    }
  }
}

/** Mixes both 32-bit halves of an integer below 2^53 into a non-negative 32-bit hash. */
function hash(key: number): number {
  const low = key >>> 0;
  const high = Math.floor(key / 2 ** 32);
  let h = Math.imul(low ^ Math.imul(high, 0x85ebca6b), 0x9e3779b1);
  h ^= h >>> 15;
  return Math.imul(h, 0x2c1b3c6d) >>> 0;
}

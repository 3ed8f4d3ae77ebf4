/** Compiling and rendering templates in tests: the template must compile, and the row render or fail as asked. */
import { type CompiledTemplate, compileTemplate } from '../../src/template/index.js';

/** The compiled template; throws (failing the test) when it does not compile. */
export function compile(source: string): CompiledTemplate {
  const result = compileTemplate(source);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(source)} to compile: ${result.message}`);
  return result.template;
}

/** The result of rendering `row` with `source`. */
export function render(source: string, row: Record<string, unknown>): ReturnType<CompiledTemplate['render']> {
  return compile(source).render(row);
}

/** The text of rendering `row` with `source`; throws (failing the test) when the row fails. */
export function renderText(source: string, row: Record<string, unknown>): string {
  const result = render(source, row);
  if (!result.ok) throw new Error(`expected a text, got: ${result.message}`);
  return result.text;
}

/** A sparse array of `length` items that counts the reads of its elements, for bounded-work assertions. */
export function countingArray(length: number): { array: unknown[]; reads: () => number } {
  let reads = 0;
  const array = new Proxy(new Array(length), {
    get(target, key, receiver) {
      if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
      return Reflect.get(target, key, receiver);
    },
  });
  return { array, reads: () => reads };
}

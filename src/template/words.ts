/** How template messages name a place and a piece of text: line and column, shortened and quoted text. */

/** `line 1, column 5 (position 4)`: lines and columns count from 1, the position (UTF-16 offset) from 0. */
export function where(source: string, position: number): string {
  const before = source.slice(0, position);
  const line = before.split('\n').length;
  const column = position - before.lastIndexOf('\n');
  return `line ${line}, column ${column} (position ${position})`;
}

/** `text` cut to `max` characters (code points), with `…` when it was cut. */
export function shorten(text: string, max: number): string {
  // Only the head is split into code points: the text may be a whole (huge) template.
  const chars = Array.from(text.slice(0, 2 * max));
  return text.length <= 2 * max && chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** `text` in double quotes, escaped as JSON. */
export function quote(text: string): string {
  return JSON.stringify(text);
}

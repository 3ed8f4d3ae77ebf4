/** Captures the lines a program prints through a `{ log, error }` output, for exact assertions. */
export function captureLines(): {
  out: string[];
  err: string[];
  output: { log: (line: string) => void; error: (line: string) => void };
} {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    output: { log: (line: string) => out.push(line), error: (line: string) => err.push(line) },
  };
}

/**
 * `preview`: every row as `send` would build it, one line each, without any request and without
 * credentials. The package's streaming preview holds one row at a time; the lines go to a temporary file
 * (the `--out` file's, or a spool for stdout) that becomes visible only when every row was read, so that
 * an error in the file comes first and alone. Exit 1 when some rows would fail.
 */
import type { CommandLine } from './args.js';
import { type CommandIo, openResults } from './commands.js';
import { createReadProgress } from './progress.js';
import { atFileLine, previewSummary } from './report.js';
import { scanRows } from './scan.js';
import type { Session } from './session.js';
import { openSource } from './source.js';

/** Runs `preview` and returns its exit code. */
export async function preview(line: CommandLine, session: Session, io: CommandIo): Promise<number> {
  const source = await openSource(line, io.stdin);
  const { destination } = session;
  // Checks the configuration (a ConfigError) before anything is written.
  destination.checkColumns([]);
  io.announce();
  const results = await openResults(line, io, 'preview', true);
  const bytes = { bytesRead: 0 };
  const progress = createReadProgress({
    stream: io.stderr,
    size: source.size,
    bytes,
    now: io.now,
    intervalMs: 1000,
  });
  let rows = 0;
  let scan: Awaited<ReturnType<typeof scanRows>>;
  try {
    scan = await scanRows(
      destination,
      source,
      line,
      async (row, origin) => {
        await results.writer.write({ ...origin, ...atFileLine(row, origin.line) });
        progress.update(++rows);
      },
      bytes,
    );
  } catch (error) {
    progress.stop();
    await results.discard();
    throw error;
  }
  progress.stop();
  await results.commit();
  io.stderr.write(`${previewSummary(scan, results.label).join('\n')}\n`);
  return scan.summary.failed > 0 ? 1 : 0;
}

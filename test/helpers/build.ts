/**
 * Vitest global setup: compiles src/ to dist/ once per run, so that the CLI tests spawn the bin built from
 * the code under test rather than a stale build. TypeScript's own compiler, as `npm run build` runs it.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export default function build(): void {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  // The package's exports map hides its bin; its package.json says where it is.
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('typescript/package.json');
  const tsc = join(dirname(pkg), (require(pkg) as { bin: { tsc: string } }).bin.tsc);
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
}

/**
 * Streams N generated rows through `destination.stream` to a simulator at URL and prints the peak RSS of
 * this process in MiB. Plain JavaScript on the built package (dist/), with no TypeScript loader, so that
 * the figure is the package's and not a transpiler's. Rows are generated lazily: nothing but the package
 * holds them.
 * Usage: node bench/memory-child.mjs URL ACCOUNT_SID AUTH_TOKEN ROWS CONCURRENCY
 */
import { TwilioDestination } from '../dist/index.js';

const [url, accountSid, authToken, count, concurrency] = process.argv.slice(2);
const destination = new TwilioDestination(
  {
    credentials: { accountSid, authToken },
    settings: { from: '+15005550006', messageTemplate: 'Hi {{name}}, order {{order}} shipped.' },
  },
  { apiBaseUrl: url, messagingBaseUrl: url, concurrency: Number(concurrency) },
);

function* rows(n) {
  for (let i = 0; i < n; i++) {
    yield {
      to: `+1415${String(5_000_000 + (i % 4_000_000)).padStart(7, '0')}`,
      name: `Customer ${i}`,
      order: `A-${i}`,
    };
  }
}

let sent = 0;
const started = performance.now();
for await (const result of destination.stream(rows(Number(count)))) if (result.status === 'sent') sent++;
const seconds = (performance.now() - started) / 1000;
await destination.close();
process.stdout.write(
  `${JSON.stringify({ sent, seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`,
);

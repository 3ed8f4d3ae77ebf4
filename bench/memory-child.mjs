/**
 * Streams N generated rows through `destination.stream` to a simulator at URL and prints the peak RSS of
 * this process in MiB. Plain JavaScript on the built package (dist/), with no TypeScript loader, so that
 * the figure is the package's and not a transpiler's. Rows are generated lazily by an async generator, as
 * an engine's warehouse cursor gives them (a synchronous source takes a shorter path in the sender):
 * nothing but the package holds them.
 * Usage: node bench/memory-child.mjs URL ACCOUNT_SID AUTH_TOKEN ROWS CONCURRENCY
 */
import { TwilioDestination } from '../dist/index.js';
import { peakRssMiB } from './peak-rss.mjs';

const [url, accountSid, authToken, count, concurrency] = process.argv.slice(2);
const destination = new TwilioDestination(
  {
    credentials: { accountSid, authToken },
    settings: { from: '+15005550006', messageTemplate: 'Hi {{name}}, order {{order}} shipped.' },
  },
  { apiBaseUrl: url, messagingBaseUrl: url, concurrency: Number(concurrency) },
);

async function* rows(n) {
  for (let i = 0; i < n; i++) {
    yield {
      to: `+1415${String(5_000_000 + (i % 4_000_000)).padStart(7, '0')}`,
      name: `Customer ${i}`,
      order: `A-${i}`,
    };
  }
}

// The largest of each part of memoryUsage() seen, sampled every 100 ms: where the peak RSS goes.
const peaks = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
const sampler = setInterval(() => {
  const usage = process.memoryUsage();
  for (const key of Object.keys(peaks)) peaks[key] = Math.max(peaks[key], usage[key]);
}, 100);
sampler.unref();

let sent = 0;
const started = performance.now();
for await (const result of destination.stream(rows(Number(count)))) if (result.status === 'sent') sent++;
const seconds = (performance.now() - started) / 1000;
await destination.close();
clearInterval(sampler);
const mib = (bytes) => Math.round((bytes / 2 ** 20) * 10) / 10;
process.stdout.write(
  `${JSON.stringify({
    sent,
    seconds,
    maxRssMiB: peakRssMiB(),
    cpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
    peaksMiB: Object.fromEntries(Object.entries(peaks).map(([key, value]) => [key, mib(value)])),
  })}\n`,
);

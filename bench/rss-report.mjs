/**
 * Preloaded (`node --import ./bench/rss-report.mjs …`) into a process the benchmark does not write itself,
 * such as the CLI: on exit, writes the process's peak RSS (bench/peak-rss.mjs; after the CLI's re-run, the
 * re-run's own) and the peaks of `process.memoryUsage()` (sampled every 100 ms) as JSON to the file named
 * by BENCH_RSS_OUT.
 */
import { writeFileSync } from 'node:fs';
import { peakRssMiB } from './peak-rss.mjs';

const out = process.env.BENCH_RSS_OUT;
const peaks = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
const sample = () => {
  const usage = process.memoryUsage();
  for (const key of Object.keys(peaks)) peaks[key] = Math.max(peaks[key], usage[key]);
};
setInterval(sample, 100).unref();
process.on('exit', () => {
  sample();
  const mib = (bytes) => Math.round((bytes / 2 ** 20) * 10) / 10;
  const report = {
    maxRssMiB: peakRssMiB(),
    peaksMiB: Object.fromEntries(Object.entries(peaks).map(([key, value]) => [key, mib(value)])),
    execArgv: process.execArgv,
    cpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
  };
  if (out) writeFileSync(out, JSON.stringify(report));
});

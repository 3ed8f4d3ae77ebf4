/**
 * Runs the simulator in its own process for the benchmarks, so that its CPU and memory are not counted
 * against the sender. Prints one JSON line ({ url, credentials }) and serves until killed.
 * Usage: node --import tsx bench/sim-process.ts [latencyMs]
 */
import { startTwilioSimulator } from '../src/simulator/index.js';

const latency = Number(process.argv[2] ?? 0);
const sim = await startTwilioSimulator({
  record: false,
  lifecycle: false,
  ...(latency > 0 ? { latency: { fixedMs: latency } } : {}),
});
process.stdout.write(`${JSON.stringify({ url: sim.url, credentials: sim.credentials })}\n`);
process.on('SIGTERM', () => {
  void sim.close().then(() => process.exit(0));
});

/**
 * The peak RSS of this process, in MiB. On Linux, VmHWM from /proc/self/status: the high-water mark of this
 * process image, which starts afresh at exec. Not `process.resourceUsage().maxRSS` (getrusage): Linux
 * carries it across fork and exec, so a child spawned by a large parent reads the parent's peak (a Node
 * that only slept read 84 MiB as a child of the benchmark, 41 as VmHWM). Elsewhere, maxRSS.
 */
import { readFileSync } from 'node:fs';

export function peakRssMiB() {
  try {
    const kb = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kb !== undefined) return Number(kb) / 1024;
  } catch {
    // No /proc: not Linux.
  }
  return process.resourceUsage().maxRSS / 1024;
}

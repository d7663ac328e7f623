// CPU time of the streaming path's processes (the stack's /proc reader): what each part costs per event,
// as CPU seconds rather than wall time, so that the figure does not depend on how many cores the parts
// share. The recorded costs feed the cluster attack's capacity check (docs/deploy.md, "Can the attack page?").
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { processCpuSeconds } from '@fraudops/stack';

/** The pids of the pid files in a folder (the stack's replicas), or of one pid file. */
export function pidsOf(path: string): number[] {
  if (!existsSync(path)) return [];
  const files = path.endsWith('.pid')
    ? [path]
    : readdirSync(path)
        .filter((name) => name.endsWith('.pid'))
        .map((name) => join(path, name));
  // A pid file holds "<pid> <start time>" (the stack's guard against pid reuse).
  return files
    .map((file) => Number(readFileSync(file, 'utf8').trim().split(/\s+/)[0]))
    .filter(Number.isInteger);
}

export type CpuSnapshot = Map<number, number>;

export async function snapshot(pids: readonly number[]): Promise<CpuSnapshot> {
  const seconds = await Promise.all(pids.map(processCpuSeconds));
  return new Map(pids.flatMap((pid, i) => (seconds[i] == null ? [] : [[pid, seconds[i]] as const])));
}

/**
 * CPU seconds spent between two snapshots. A process that appeared in between (a replica the HPA twin added)
 * counts from zero, start-up included; one that disappeared counts up to `before` only: small errors both
 * ways, which the round-to-round spread of the report shows.
 */
export function cpuSpent(before: CpuSnapshot, after: CpuSnapshot): number {
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}

// CPU time of a local process from /proc, the local stand-in for what cAdvisor reads from cgroups.
import { readFile } from 'node:fs/promises';

/** Linux reports process times in clock ticks; USER_HZ is 100 on every mainstream architecture. */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * User + system CPU seconds from the text of /proc/<pid>/stat. The command name (field 2) may hold spaces
 * and parentheses, so fields are counted from the last ')'.
 */
export function parseCpuSeconds(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the name: state is field 3, so utime (14) and stime (15) sit at offsets 11 and 12.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime))
    throw new Error(`unexpected /proc stat line: ${stat}`);
  return (utime + stime) / CLOCK_TICKS_PER_SECOND;
}

/** CPU seconds used so far by the process (all its threads), or null when it is gone. */
export async function processCpuSeconds(pid: number): Promise<number | null> {
  try {
    return parseCpuSeconds(await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

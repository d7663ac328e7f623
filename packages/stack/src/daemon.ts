// Background processes that outlive the command that started them, tracked by pid files under the state
// folder so that any later command (or a crashed one's successor) can find and stop them.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface DaemonSpec {
  name: string;
  command: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * A lower CPU priority (`nice -n`, 1-19) for work that can wait: on one machine the world, the lake sink and the
   * quality component yield to the serving path (replicas, gateway, stream scorer) during an attack and catch up
   * afterwards, as pods with their own CPU requests would not compete in a cluster. Kafka keeps what they have
   * not read yet.
   */
  niceness?: number;
}

/** The niceness of the stack's background data work (DaemonSpec.niceness). */
export const BACKGROUND_NICENESS = 10;

export interface DaemonPaths {
  pidsDir: string;
  logsDir: string;
}

export const pidFile = (paths: DaemonPaths, name: string): string => join(paths.pidsDir, `${name}.pid`);
export const logFile = (paths: DaemonPaths, name: string): string => join(paths.logsDir, `${name}.log`);

/**
 * True when a process with this pid runs (signal 0 checks without sending anything). A zombie (exited, not
 * yet reaped by its parent) has stopped running and counts as gone.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** When the process started, in clock ticks since boot (/proc/<pid>/stat field 22); null when it is gone. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/**
 * Records a pid with its process's start time: after a reboot or a long time the pid may belong to another
 * process, and `down` must never signal that one.
 */
export function writePidFile(path: string, pid: number): void {
  writeFileSync(path, `${pid} ${processStartTime(pid) ?? ''}\n`);
}

/** The pid in a pid file if that very process still runs, else null (and the stale file is removed). */
export function livePidFromFile(path: string): number | null {
  let pid: number;
  let startTime: string | undefined;
  try {
    const [pidText, start] = readFileSync(path, 'utf8').trim().split(' ');
    pid = Number.parseInt(pidText ?? '', 10);
    startTime = start;
  } catch {
    return null;
  }
  const same = startTime === undefined || startTime === '' || processStartTime(pid) === startTime;
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid) && same) return pid;
  rmSync(path, { force: true });
  return null;
}

/** The pid of a running daemon, or null; a stale pid file is removed. */
export function runningPid(paths: DaemonPaths, name: string): number | null {
  return livePidFromFile(pidFile(paths, name));
}

/** Starts the daemon in its own process group with output appended to its log; returns its pid. */
export function startDaemon(paths: DaemonPaths, spec: DaemonSpec): number {
  const log = logFile(paths, spec.name);
  mkdirSync(dirname(log), { recursive: true });
  mkdirSync(paths.pidsDir, { recursive: true });
  const out = openSync(log, 'a');
  // `nice` execs the command in the same process, so the pid is the daemon's; every thread inherits the priority.
  const [command, args] =
    spec.niceness === undefined
      ? [spec.command, spec.args]
      : ['nice', ['-n', String(spec.niceness), spec.command, ...spec.args]];
  const child = spawn(command, args, {
    cwd: spec.cwd,
    env: spec.env ?? process.env,
    detached: true,
    stdio: ['ignore', out, out],
  });
  closeSync(out); // the child has its own copy
  if (child.pid === undefined) throw new Error(`could not start ${spec.name} (${spec.command})`);
  child.unref();
  writePidFile(pidFile(paths, spec.name), child.pid);
  return child.pid;
}

/**
 * Stops a daemon: SIGTERM to its process group, then SIGKILL after the grace period.
 * Returns false when it was not running.
 */
export async function stopDaemon(paths: DaemonPaths, name: string, graceMs = 30_000): Promise<boolean> {
  const pid = runningPid(paths, name);
  if (pid === null) return false;
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) signalGroup(pid, 'SIGKILL');
  while (isAlive(pid)) await sleep(50);
  rmSync(pidFile(paths, name), { force: true });
  return true;
}

/** Signals the process group the daemon leads, or the process alone when it leads none. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

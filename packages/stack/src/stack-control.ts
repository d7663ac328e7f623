// What the CLI needs to drive the stack beyond single daemons: the chosen profile, the cluster
// controller's view of the replicas, and cleaning up replicas a crashed controller left behind.
import { readdirSync, rmSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ProjectConfig } from '@fraudops/config';
import { isAlive, livePidFromFile, signalGroup } from './daemon.ts';
import type { StackLayout } from './layout.ts';
import { profileNamed, type Profile } from './profiles.ts';

export interface ClusterStatus {
  profile: string;
  hpa: {
    minReplicas: number;
    maxReplicas: number;
    currentReplicas: number;
    desiredReplicas: number;
    lastDecision: string;
  };
  pods: {
    name: string;
    port: number;
    pid: number;
    ready: boolean;
    terminating: boolean;
    cpuUsageCores: number | null;
    cpuUtilization: number;
  }[];
}

/** Components in start order; `down` stops them in reverse. */
export const STACK_DAEMONS = [
  'kafka',
  'prometheus',
  'alertmanager',
  'alert-receiver',
  'mlflow',
  'gateway',
  'cluster',
  'stream-scorer',
  'lake-sink',
  'quality',
  'retrain-trigger',
] as const;

export async function writeStackProfile(layout: StackLayout, profile: Profile): Promise<void> {
  await mkdir(layout.dir, { recursive: true });
  await writeFile(layout.profileFile, `${profile.name}\n`);
}

export async function readStackProfile(layout: StackLayout): Promise<Profile> {
  return profileNamed((await readFile(layout.profileFile, 'utf8').catch(() => 'prod')).trim());
}

export async function fetchClusterStatus(config: ProjectConfig): Promise<ClusterStatus> {
  const { host, port } = config.stack.cluster;
  const response = await fetch(`http://${host}:${port}/status`, { signal: AbortSignal.timeout(2000) });
  if (!response.ok) throw new Error(`the cluster controller answered HTTP ${response.status}`);
  return (await response.json()) as ClusterStatus;
}

/** Waits until the HPA minimum of replicas is ready; returns how many are. */
export async function waitForReplicas(config: ProjectConfig, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer from the cluster controller';
  while (Date.now() < deadline) {
    try {
      const status = await fetchClusterStatus(config);
      const ready = status.pods.filter((p) => p.ready && !p.terminating).length;
      if (ready >= status.hpa.minReplicas) return ready;
      last = `${ready} of ${status.hpa.minReplicas} replicas ready`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(250);
  }
  throw new Error(`replicas not ready after ${Math.round(timeoutMs / 1000)} s (${last})`);
}

/**
 * Kills replicas whose pid files outlived their controller (after a crash) and waits until they are gone;
 * returns their names.
 */
export async function killOrphanReplicas(layout: StackLayout): Promise<string[]> {
  let files: string[];
  try {
    files = readdirSync(layout.podPidsDir).filter((f) => f.endsWith('.pid'));
  } catch {
    return [];
  }
  const killed: string[] = [];
  const pids: number[] = [];
  for (const file of files) {
    const pid = livePidFromFile(join(layout.podPidsDir, file));
    if (pid !== null) {
      signalGroup(pid, 'SIGKILL');
      killed.push(file.replace(/\.pid$/, ''));
      pids.push(pid);
    }
    rmSync(join(layout.podPidsDir, file), { force: true });
  }
  const deadline = Date.now() + 10_000;
  while (pids.some(isAlive) && Date.now() < deadline) await sleep(50);
  return killed;
}

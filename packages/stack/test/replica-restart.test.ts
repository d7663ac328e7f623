// The replica set with real processes: a replica killed with SIGKILL (no drain, no goodbye) is replaced by a
// new process after the restart delay, without anyone calling scaleTo again.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { ReplicaSet } from '../src/cluster/replicas.ts';
import { freePort } from '../src/ports.ts';

const RESTART_DELAY_MS = 1000;
let replicaSet: ReplicaSet | undefined;
afterEach(async () => {
  await replicaSet?.stopAll();
  replicaSet = undefined;
});

/** Probes until `count` replicas are ready (as the controller's 500 ms timer would, only faster). */
async function readyReplicas(set: ReplicaSet, count: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await set.probe();
    if (set.ready.length === count) return;
    await sleep(20);
  }
  throw new Error(`${set.ready.length} of ${count} replicas ready after ${timeoutMs} ms`);
}

describe('replica set with real processes', () => {
  it('replaces a SIGKILLed replica with a new process after the restart delay', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fraudops-replicas-'));
    const ports = await Promise.all([0, 1, 2, 3].map(() => freePort()));
    const log: string[] = [];
    const set = new ReplicaSet({
      deployment: 'scoring-api',
      host: '127.0.0.1',
      ports,
      entry: fileURLToPath(new URL('support/replica-stub.ts', import.meta.url)),
      env: { PATH: process.env.PATH ?? '' },
      logsDir: join(dir, 'logs'),
      pidsDir: join(dir, 'pids'),
      shutdownTimeoutMs: 5000,
      drainDelayMs: 0,
      restartDelayMs: RESTART_DELAY_MS,
      onMembershipChange: async () => undefined,
      log: (message) => log.push(message),
    });
    replicaSet = set;
    await set.scaleTo(2);
    await readyReplicas(set, 2, 10_000);
    const [victim, survivor] = set.ready;
    if (!victim || !survivor) throw new Error('two ready replicas expected');
    const victimPid = victim.child.pid ?? 0;

    const killedAt = Date.now();
    process.kill(victimPid, 'SIGKILL');
    // The replacement waits out the delay: until then one replica runs.
    await sleep(RESTART_DELAY_MS / 4);
    expect(set.active.map((r) => r.name)).toEqual([survivor.name]);
    expect(Date.now() - killedAt, 'the test must look before the restart delay ends').toBeLessThan(
      RESTART_DELAY_MS,
    );
    await readyReplicas(set, 2, RESTART_DELAY_MS + 10_000);
    const back = Date.now() - killedAt;

    const replacement = set.active.find((r) => r.name !== survivor.name);
    expect(replacement?.name).not.toBe(victim.name);
    expect(replacement?.child.pid).not.toBe(victimPid);
    expect(replacement?.startedAt ?? 0).toBeGreaterThanOrEqual(killedAt + RESTART_DELAY_MS);
    // Node starts and answers within a few seconds even on a loaded machine.
    expect(back).toBeLessThan(RESTART_DELAY_MS + 10_000);
    expect(log).toContain(
      `${victim.name} exited unexpectedly (SIGKILL); a replacement starts in ${RESTART_DELAY_MS} ms`,
    );

    await set.stopAll();
    expect(set.replicas).toEqual([]);
    // Stopped on purpose: nothing comes back.
    await sleep(RESTART_DELAY_MS + 200);
    expect(set.replicas).toEqual([]);
  });
});

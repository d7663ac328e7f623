// The cluster controller with fakes at its edges (replica processes, their CPU time, the twin's clock), so
// that the HPA twin from deploy/k8s and the replica set run their real code over minutes of load in
// milliseconds; /metrics is read over HTTP as Prometheus reads it.
import { EventEmitter } from 'node:events';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Autoscaler, loadAutoscalerManifests } from '@fraudops/autoscaler';
import { rulesDir } from '@fraudops/monitoring';
import { parse } from 'yaml';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StackController } from '../src/cluster/controller.ts';
import { convergePlan, ReplicaSet, type Replica, type ReplicaProcess } from '../src/cluster/replicas.ts';
import { freePort } from '../src/ports.ts';

/** A replica process that exits when told to (a signal) or when the test kills it. */
class FakeProcess extends EventEmitter implements ReplicaProcess {
  static nextPid = 4_000_000;
  static readonly byPid = new Map<number, FakeProcess>();
  readonly pid = FakeProcess.nextPid++;
  readonly launchedAt = Date.now();
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;

  get alive(): boolean {
    return this.exitCode === null && this.signalCode === null;
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    if (!this.alive) return false;
    // A real process drains on SIGTERM and exits 0; SIGKILL ends it at once. Either way, asynchronously.
    setImmediate(() => {
      if (signal === 'SIGTERM') this.exit(0, null);
      else this.exit(null, signal);
    });
    return true;
  }

  constructor() {
    super();
    FakeProcess.byPid.set(this.pid, this);
  }

  exit(code: number | null, signal: NodeJS.Signals | null): void {
    if (!this.alive) return;
    this.exitCode = code;
    this.signalCode = signal;
    this.emit('exit', code, signal);
  }
}

/** The fake behind a replica (the replica set holds it as a ReplicaProcess). */
function processOf(replica: Replica): FakeProcess {
  const fake = FakeProcess.byPid.get(replica.child.pid ?? -1);
  if (!fake) throw new Error(`${replica.name} has no fake process`);
  return fake;
}

const CPU_REQUEST_CORES = 0.05;
const SYNC_MS = 15_000;

interface Harness {
  controller: StackController;
  replicaSet: ReplicaSet;
  processes: FakeProcess[];
  /** Moves the twin's clock and every live process's CPU time forward at `coresPerReplica` each. */
  advance: (ms: number, coresPerReplica: number) => void;
  /** One sync period of the HPA controller under the given load, then a readiness probe. */
  syncPeriod: (coresPerReplica: number) => Promise<void>;
  metrics: () => Promise<Series>;
  stop: () => Promise<void>;
}

const harnesses: Harness[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(harnesses.splice(0).map((h) => h.stop()));
});

/** The series the page and the dashboards read about the replica count, as /metrics exposes them. */
const SERIES = {
  hpaCurrent: /^kube_horizontalpodautoscaler_status_current_replicas\{[^}]*\} (\S+)$/m,
  hpaDesired: /^kube_horizontalpodautoscaler_status_desired_replicas\{[^}]*\} (\S+)$/m,
  hpaMax: /^kube_horizontalpodautoscaler_spec_max_replicas\{[^}]*\} (\S+)$/m,
  deploymentSpec: /^kube_deployment_spec_replicas\{[^}]*\} (\S+)$/m,
  deploymentPods: /^kube_deployment_status_replicas\{[^}]*\} (\S+)$/m,
  scaleUps: /^fraudops_autoscaler_scaling_events_total\{direction="up"\} (\S+)$/m,
  scaleDowns: /^fraudops_autoscaler_scaling_events_total\{direction="down"\} (\S+)$/m,
} as const;
type Series = Record<keyof typeof SERIES, number>;

/** Each series' value (NaN when /metrics lacks it). */
function parseSeries(text: string): Series {
  return Object.fromEntries(
    Object.entries(SERIES).map(([key, pattern]) => [key, Number(pattern.exec(text)?.[1] ?? Number.NaN)]),
  ) as Series;
}

/** Some ready replica (the test's victim). */
function aReadyReplica(h: Harness): Replica {
  const replica = h.replicaSet.ready[0];
  if (!replica) throw new Error('no ready replica');
  return replica;
}

async function harness(options: { restartDelayMs: number }): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'fraudops-controller-'));
  let now = 1_000_000;
  const processes: FakeProcess[] = [];
  const cpuSeconds = new Map<number, number>();
  const { hpa } = loadAutoscalerManifests({ hpaName: 'scoring-api' });
  const replicaSet: ReplicaSet = new ReplicaSet({
    deployment: 'scoring-api',
    host: '127.0.0.1',
    ports: Array.from({ length: hpa.maxReplicas * 2 }, (_, i) => 40_000 + i),
    entry: 'unused: the fake launcher starts no process',
    env: {},
    logsDir: join(dir, 'logs'),
    pidsDir: join(dir, 'pids'),
    shutdownTimeoutMs: 1000,
    drainDelayMs: 0,
    restartDelayMs: options.restartDelayMs,
    onMembershipChange: async () => controller.publishMembership(),
    onExit: (name) => {
      controller.forget(name);
    },
    log: () => undefined,
    launch: () => {
      const child = new FakeProcess();
      processes.push(child);
      cpuSeconds.set(child.pid, 0);
      return child;
    },
    // A live process answers /ready (the model is loaded at once here).
    probeReady: async (replica) => processOf(replica).alive,
  });
  const controller: StackController = new StackController({
    namespace: 'fraudops',
    deployment: 'scoring-api',
    container: 'scoring-api',
    image: 'fraudops/scoring-api:test',
    cpuRequestCores: CPU_REQUEST_CORES,
    // The test runs every sync by hand on its own clock: the timers must never fire.
    syncSeconds: 3600,
    probeIntervalMs: 3_600_000,
    replicas: replicaSet,
    autoscaler: new Autoscaler({ hpa, podCpuRequestMilli: CPU_REQUEST_CORES * 1000 }),
    accessLog: join(dir, 'access.log'),
    updateGateway: async () => undefined,
    gatewayIdentity: async () => null,
    replicaTargetsFile: join(dir, 'targets.json'),
    renderReplicaTargets: (targets) => JSON.stringify(targets),
    host: '127.0.0.1',
    log: () => undefined,
    profile: 'prod',
    clock: () => now,
    cpuSecondsOf: async (pid) => cpuSeconds.get(pid) ?? null,
  });
  const port = await freePort();
  await controller.start(port);
  const h: Harness = {
    controller,
    replicaSet,
    processes,
    advance: (ms, coresPerReplica) => {
      now += ms;
      for (const r of replicaSet.ready) {
        const pid = r.child.pid ?? 0;
        cpuSeconds.set(pid, (cpuSeconds.get(pid) ?? 0) + (coresPerReplica * ms) / 1000);
      }
    },
    syncPeriod: async (coresPerReplica) => {
      h.advance(SYNC_MS, coresPerReplica);
      await controller.sync();
      await replicaSet.probe();
    },
    metrics: async () => parseSeries(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()),
    stop: () => controller.stop(),
  };
  harnesses.push(h);
  await replicaSet.probe();
  return h;
}

// 90% of the request per replica: above the HPA's 60% target (it wants 9 of at most 6) and the page's 80%.
const HIGH = 0.9 * CPU_REQUEST_CORES;
// 20%: below the target; the HPA would give replicas back after its 5-minute window.
const LOW = 0.2 * CPU_REQUEST_CORES;
// Long enough that the checks made while the replacement is pending fit in it on a loaded machine.
const RESTART_DELAY_MS = 1000;

/** Runs sync periods under high load until the HPA holds its maximum of 6. */
async function rampToMax(h: Harness): Promise<void> {
  for (let i = 0; i < 20 && (await h.metrics()).hpaCurrent < 6; i++) await h.syncPeriod(HIGH);
  expect(await h.metrics()).toMatchObject({ hpaCurrent: 6, hpaDesired: 6 });
  expect(h.replicaSet.ready).toHaveLength(6);
}

/** Polls until `count` replicas are ready, probing as the controller's timer would. */
async function waitUntilReady(h: Harness, count: number, timeoutMs: number): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    await h.replicaSet.probe();
    if (h.replicaSet.ready.length === count) return;
    await sleep(10);
  }
  throw new Error(`${h.replicaSet.ready.length} of ${count} replicas ready after ${timeoutMs} ms`);
}

describe('a replica that dies is replaced by the replica set, not by the HPA', () => {
  it("watches the series the page's headroom recording reads (so that they not dipping keeps its `for`)", async () => {
    const file = parse(await readFile(join(rulesDir, 'scoring-api.rules.yaml'), 'utf8')) as {
      groups: { rules: { record?: string; expr: string }[] }[];
    };
    const headroom = file.groups
      .flatMap((g) => g.rules)
      .find((r) => r.record?.includes('kube_horizontalpodautoscaler_replicas_headroom'));
    expect(headroom?.expr).toMatch(/kube_horizontalpodautoscaler_spec_max_replicas\b/);
    expect(headroom?.expr).toMatch(/kube_horizontalpodautoscaler_status_current_replicas\b/);
  });

  it.each([
    ['high', HIGH],
    ['low', LOW],
  ])(
    'at 6 replicas under %s load: back within the restart delay, the HPA series never dip, no scaling event',
    async (_name, load) => {
      const h = await harness({ restartDelayMs: RESTART_DELAY_MS });
      await rampToMax(h);
      await h.syncPeriod(load);
      const before = await h.metrics();

      const victim = aReadyReplica(h);
      const killedAt = Date.now();
      processOf(victim).exit(null, 'SIGKILL');
      // Every scrape and every sync while the replacement is pending: the Deployment still wants 6, and
      // the HPA's status (what the page's headroom reads) says 6 of 6.
      const seen: Series[] = [await h.metrics()];
      for (let i = 0; i < 3; i++) {
        await h.syncPeriod(load);
        seen.push(await h.metrics());
      }
      expect(Date.now() - killedAt, 'the test must look before the restart delay ends').toBeLessThan(
        RESTART_DELAY_MS,
      );
      const checkSeries = (m: Series): void => {
        expect(m).toMatchObject({ hpaCurrent: 6, hpaDesired: 6, hpaMax: 6 });
        // The input of the page's headroom recording: max - current stays 0, so its `for` runs on.
        expect(m.hpaMax - m.hpaCurrent).toBe(0);
        // The replacement spends none of the HPA's scale-up budget and is no scaling decision.
        expect(m.scaleUps).toBe(before.scaleUps);
        expect(m.scaleDowns).toBe(before.scaleDowns);
      };
      seen.forEach(checkSeries);
      // The replica set waits out its restart delay: the HPA does not start a replacement early.
      expect(h.replicaSet.active.map((r) => r.name)).not.toContain(victim.name);
      expect(h.replicaSet.active).toHaveLength(5);

      const launchedBefore = h.processes.length;
      await waitUntilReady(h, 6, RESTART_DELAY_MS + 2000);
      // One replacement, started once the restart delay had passed (and not much later).
      expect(h.processes).toHaveLength(launchedBefore + 1);
      const replacedAfter = (h.processes.at(-1)?.launchedAt ?? 0) - killedAt;
      expect(replacedAfter).toBeGreaterThanOrEqual(RESTART_DELAY_MS);
      expect(replacedAfter).toBeLessThan(RESTART_DELAY_MS + 1000);
      await h.syncPeriod(load);
      seen.push(await h.metrics());
      seen.forEach(checkSeries);
      // The Deployment's spec.replicas is what the HPA set: it holds. Its pods dip while one is replaced.
      expect(seen.map((m) => m.deploymentSpec)).toEqual(seen.map(() => 6));
      expect(seen.at(0)?.deploymentPods).toBe(5);
      expect(seen.at(-1)?.deploymentPods).toBe(6);
    },
  );

  it('at the minimum of 4 under low load: replaced after the restart delay, 4 of 4 throughout', async () => {
    const h = await harness({ restartDelayMs: RESTART_DELAY_MS });
    await h.syncPeriod(LOW);
    expect(await h.metrics()).toMatchObject({ hpaCurrent: 4, hpaDesired: 4, scaleUps: 0 });
    processOf(aReadyReplica(h)).exit(null, 'SIGKILL');
    const during = await h.metrics();
    await h.syncPeriod(LOW);
    const afterSync = await h.metrics();
    for (const m of [during, afterSync])
      expect(m).toMatchObject({ hpaCurrent: 4, hpaDesired: 4, scaleUps: 0 });
    expect(h.replicaSet.active).toHaveLength(3);
    await waitUntilReady(h, 4, RESTART_DELAY_MS + 2000);
    await h.syncPeriod(LOW);
    for (const m of [during, afterSync, await h.metrics()])
      expect(m).toMatchObject({ hpaCurrent: 4, hpaDesired: 4, deploymentSpec: 4, scaleUps: 0 });
  });

  it('a replica stopped by a scale-down is not brought back', async () => {
    const h = await harness({ restartDelayMs: 50 });
    await rampToMax(h);
    // 5 minutes and more of low load: the HPA gives one replica back per minute.
    for (let i = 0; i < 26; i++) await h.syncPeriod(LOW);
    expect(await h.metrics()).toMatchObject({ hpaCurrent: 4, hpaDesired: 4, scaleDowns: 2 });
    await sleep(200);
    await h.replicaSet.probe();
    expect(h.replicaSet.active).toHaveLength(4);
    expect(h.processes.filter((p) => p.alive)).toHaveLength(4);
  });
});

describe('how the replica set converges on spec.replicas', () => {
  it.each([
    // target, active, pending restarts -> plan
    [6, 6, 0, { start: 0, cancelRestarts: 0, stop: 0 }],
    [6, 5, 1, { start: 0, cancelRestarts: 0, stop: 0 }], // a replacement is on its way: not started twice
    [6, 4, 1, { start: 1, cancelRestarts: 0, stop: 0 }], // scale-up during a pending restart: the new one now
    [5, 5, 1, { start: 0, cancelRestarts: 1, stop: 0 }], // the HPA gave back the one that died
    [4, 5, 1, { start: 0, cancelRestarts: 1, stop: 1 }], // scale-down: pending replacements go first
    [0, 3, 2, { start: 0, cancelRestarts: 2, stop: 3 }], // stopping everything
  ])('target %i, %i active, %i pending: %o', (target, active, pending, plan) => {
    expect(convergePlan(target, active, pending)).toEqual(plan);
  });
});

describe('stopping the controller', () => {
  it('leaves no timer behind: the sync, the readiness probe and a pending restart are all cleared', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] });
    const h = await harness({ restartDelayMs: 60_000 });
    processOf(aReadyReplica(h)).exit(null, 'SIGKILL');
    await h.stop();
    expect(vi.getTimerCount()).toBe(0);
    // Nothing starts after the stop, however long one waits.
    const launched = h.processes.length;
    await vi.advanceTimersByTimeAsync(120_000);
    expect(h.processes.length).toBe(launched);
    expect(h.processes.filter((p) => p.alive)).toEqual([]);
  });
});

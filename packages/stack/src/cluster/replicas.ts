// The local stand-in for a ReplicaSet and its kubelet: scoring-api replicas as processes named like pods.
// It converges on the replica count it is given (the Deployment's spec.replicas, which only the HPA twin
// changes) and, like a ReplicaSet, replaces a replica that died whatever the load, after a restart delay,
// without asking the twin. A new replica receives traffic only once /ready answers 200; a removed one leaves
// the load balancer first, then drains on SIGTERM.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writePidFile } from '../daemon.ts';
import { httpOk } from '../http-wait.ts';

/** What the replica set needs of a replica's process (a ChildProcess, or a fake in tests). */
export interface ReplicaProcess {
  readonly pid?: number | undefined;
  readonly exitCode: number | null;
  readonly signalCode: NodeJS.Signals | null;
  kill(signal?: NodeJS.Signals): boolean;
  once(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
}

/**
 * How long a replica that died waits before its replacement starts, in seconds of the `prod` profile (the
 * fast profile divides it by its speedup). 10 s is the kubelet's initial crash back-off (it doubles on each
 * further crash, up to 5 min; here it stays fixed). A delay keeps a replica that dies at start from being
 * respawned in a tight loop.
 */
export const REPLICA_RESTART_DELAY_SECONDS = 10;

export interface Replica {
  name: string;
  port: number;
  child: ReplicaProcess;
  startedAt: number;
  ready: boolean;
  terminating: boolean;
}

export interface ReplicaSetOptions {
  deployment: string;
  host: string;
  ports: readonly number[];
  entry: string;
  env: NodeJS.ProcessEnv;
  logsDir: string;
  pidsDir: string;
  shutdownTimeoutMs: number;
  /** Time for the load balancer to stop sending new requests before SIGTERM (a pod's preStop sleep). */
  drainDelayMs: number;
  /** How long after a replica died unexpectedly its replacement starts. */
  restartDelayMs: number;
  /** Called whenever a replica starts, stops, exits or changes readiness. */
  onMembershipChange: () => Promise<void>;
  /** Called when a replica's process has exited, to forget what was kept about it. */
  onExit?: (name: string) => void;
  log: (message: string) => void;
  /** Starts a replica's process; the default runs `entry` with Node. Tests pass fakes. */
  launch?: (replica: { name: string; port: number; logFile: string }) => ReplicaProcess;
  /** Whether a replica answers its readiness probe; the default asks its /ready. */
  probeReady?: (replica: Replica) => Promise<boolean>;
}

/** A pod-like name: the deployment and five characters from Kubernetes' alphabet for generated names. */
export function podName(deployment: string, random: () => Buffer = () => randomBytes(5)): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return `${deployment}-${[...random()].map((byte) => alphabet[byte % alphabet.length]).join('')}`;
}

/**
 * Which replicas to remove when scaling down, as a ReplicaSet ranks them: not-ready first, then the most
 * recently started.
 */
export function pickForRemoval(replicas: readonly Replica[], count: number): Replica[] {
  return [...replicas]
    .filter((r) => !r.terminating)
    .sort((a, b) => Number(a.ready) - Number(b.ready) || b.startedAt - a.startedAt)
    .slice(0, Math.max(0, count));
}

/** What the replica set does to converge: start now, drop pending restarts, stop running replicas. */
export interface ConvergePlan {
  start: number;
  cancelRestarts: number;
  stop: number;
}

/**
 * How to get from `active` replicas (plus `pendingRestarts` replacements waiting out their delay) to
 * `target`: a replacement already on its way is not started twice, and on a scale-down the replacements
 * that have not started yet go first (like a ReplicaSet removing pods that are not ready before ready ones).
 */
export function convergePlan(target: number, active: number, pendingRestarts: number): ConvergePlan {
  const missing = target - active;
  if (missing < 0) return { start: 0, cancelRestarts: pendingRestarts, stop: -missing };
  return {
    start: Math.max(0, missing - pendingRestarts),
    cancelRestarts: Math.max(0, pendingRestarts - missing),
    stop: 0,
  };
}

export class ReplicaSet {
  readonly replicas: Replica[] = [];
  private readonly options: ReplicaSetOptions;
  /** The replica count to converge on: the Deployment's spec.replicas. */
  private target = 0;
  /** Timers of replacements for replicas that died, each starting one replica when it fires. */
  private readonly pendingRestarts = new Set<NodeJS.Timeout>();

  constructor(options: ReplicaSetOptions) {
    this.options = options;
  }

  /** Replicas that count for the Deployment: started and not terminating. */
  get active(): Replica[] {
    return this.replicas.filter((r) => !r.terminating);
  }

  get ready(): Replica[] {
    return this.active.filter((r) => r.ready);
  }

  /** Replacements of replicas that died, still waiting out the restart delay. */
  get restartsPending(): number {
    return this.pendingRestarts.size;
  }

  /** Sets the count to converge on (spec.replicas) and starts or stops replicas until `desired` are active. */
  async scaleTo(desired: number): Promise<void> {
    this.target = desired;
    await this.converge();
  }

  private async converge(): Promise<void> {
    const plan = convergePlan(this.target, this.active.length, this.pendingRestarts.size);
    for (const timer of [...this.pendingRestarts].slice(0, plan.cancelRestarts)) {
      clearTimeout(timer);
      this.pendingRestarts.delete(timer);
    }
    for (let i = 0; i < plan.start; i++) this.start();
    await Promise.all(pickForRemoval(this.replicas, plan.stop).map((r) => this.stop(r)));
  }

  /** A replica died unexpectedly: its replacement starts after the restart delay, whatever the load. */
  private scheduleRestart(): void {
    const timer = setTimeout(() => {
      this.pendingRestarts.delete(timer);
      this.converge().catch((error: unknown) => {
        this.options.log(`could not replace a replica: ${(error as Error).message}`);
      });
    }, this.options.restartDelayMs);
    this.pendingRestarts.add(timer);
  }

  /** Polls each replica's /ready; a change in who is ready updates the load balancer. */
  async probe(): Promise<void> {
    const changes = await Promise.all(
      this.active.map(async (replica) => {
        // A replica whose process is gone is never ready, whatever answers on its port.
        const alive = replica.child.exitCode === null && replica.child.signalCode === null;
        const ready = alive && (await this.probeReady(replica));
        if (ready === replica.ready || replica.terminating) return false;
        replica.ready = ready;
        this.options.log(`${replica.name} is ${ready ? 'ready' : 'not ready'}`);
        return true;
      }),
    );
    if (changes.includes(true)) await this.options.onMembershipChange();
  }

  /** Stops every replica and every pending replacement: nothing starts afterwards. */
  async stopAll(): Promise<void> {
    await this.scaleTo(0);
  }

  private probeReady(replica: Replica): Promise<boolean> {
    return (
      this.options.probeReady?.(replica) ?? httpOk(`http://${this.options.host}:${replica.port}/ready`, 1000)
    );
  }

  /** Runs the scoring API on `port`, its output appended to `logFile`. */
  private spawnReplica(port: number, logFile: string): ReplicaProcess {
    const out = openSync(logFile, 'a');
    try {
      return spawn(process.execPath, [this.options.entry], {
        env: { ...this.options.env, HOST: this.options.host, PORT: String(port) },
        stdio: ['ignore', out, out],
        detached: true,
      });
    } finally {
      closeSync(out); // the child has its own copy
    }
  }

  private start(): Replica {
    const used = new Set(this.replicas.map((r) => r.port));
    const port = this.options.ports.find((p) => !used.has(p));
    if (port === undefined) throw new Error(`no free replica port left in ${this.options.ports.join(', ')}`);
    const name = podName(this.options.deployment);
    const logFile = join(this.options.logsDir, `${name}.log`);
    mkdirSync(this.options.logsDir, { recursive: true });
    mkdirSync(this.options.pidsDir, { recursive: true });
    const child = this.options.launch?.({ name, port, logFile }) ?? this.spawnReplica(port, logFile);
    const replica: Replica = { name, port, child, startedAt: Date.now(), ready: false, terminating: false };
    if (child.pid !== undefined) writePidFile(join(this.options.pidsDir, `${name}.pid`), child.pid);
    child.once('exit', (code, signal) => {
      rmSync(join(this.options.pidsDir, `${name}.pid`), { force: true });
      const index = this.replicas.indexOf(replica);
      if (index >= 0) this.replicas.splice(index, 1);
      if (!replica.terminating) {
        this.options.log(
          `${name} exited unexpectedly (${signal ?? `code ${code}`}); ` +
            `a replacement starts in ${this.options.restartDelayMs} ms`,
        );
        replica.ready = false;
        this.scheduleRestart();
        void this.options.onMembershipChange();
      }
      this.options.onExit?.(name);
    });
    this.replicas.push(replica);
    this.options.log(`${name} starting on port ${port} (log: ${logFile})`);
    // Discovery lists every active replica (Prometheus sees it start); the gateway only the ready ones.
    void this.options.onMembershipChange();
    return replica;
  }

  private async stop(replica: Replica): Promise<void> {
    replica.terminating = true;
    const wasReady = replica.ready;
    replica.ready = false;
    this.options.log(`${replica.name} leaving the load balancer, then draining`);
    await this.options.onMembershipChange();
    if (wasReady) await sleep(this.options.drainDelayMs);
    if (replica.child.exitCode !== null || replica.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) =>
      replica.child.once('exit', () => {
        resolve();
      }),
    );
    this.options.log(
      `${replica.name} out of the load balancer${wasReady ? ` for ${this.options.drainDelayMs} ms` : ''}: SIGTERM`,
    );
    replica.child.kill('SIGTERM');
    // The deadline's timer is cancelled once the replica exits: a stopped controller leaves no timer behind.
    const cancelDeadline = new AbortController();
    const deadline = sleep(this.options.shutdownTimeoutMs, undefined, { signal: cancelDeadline.signal }).then(
      () => 'timeout' as const,
      () => 'cancelled' as const,
    );
    const outcome = await Promise.race([exited.then(() => 'exited' as const), deadline]);
    cancelDeadline.abort();
    if (outcome === 'timeout') {
      this.options.log(`${replica.name} did not drain in ${this.options.shutdownTimeoutMs} ms; killing it`);
      replica.child.kill('SIGKILL');
      await exited;
    }
    this.options.log(`${replica.name} stopped`);
  }
}

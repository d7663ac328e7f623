// The local stand-in for a ReplicaSet and its kubelet: scoring-api replicas as processes named like pods.
// A new replica receives traffic only once /ready answers 200; a removed one leaves the load balancer first,
// then drains on SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writePidFile } from '../daemon.ts';
import { httpOk } from '../http-wait.ts';

export interface Replica {
  name: string;
  port: number;
  child: ChildProcess;
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
  /** Called whenever a replica starts, stops, exits or changes readiness. */
  onMembershipChange: () => Promise<void>;
  /** Called when a replica's process has exited, to forget what was kept about it. */
  onExit?: (name: string) => void;
  log: (message: string) => void;
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

export class ReplicaSet {
  readonly replicas: Replica[] = [];
  private readonly options: ReplicaSetOptions;

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

  /** Starts or stops replicas until `desired` are active. */
  async scaleTo(desired: number): Promise<void> {
    const active = this.active.length;
    if (desired > active) for (let i = active; i < desired; i++) this.start();
    else if (desired < active)
      await Promise.all(pickForRemoval(this.replicas, active - desired).map((r) => this.stop(r)));
  }

  /** Polls each replica's /ready; a change in who is ready updates the load balancer. */
  async probe(): Promise<void> {
    const changes = await Promise.all(
      this.active.map(async (replica) => {
        // A replica whose process is gone is never ready, whatever answers on its port.
        const alive = replica.child.exitCode === null && replica.child.signalCode === null;
        const ready = alive && (await httpOk(`http://${this.options.host}:${replica.port}/ready`, 1000));
        if (ready === replica.ready || replica.terminating) return false;
        replica.ready = ready;
        this.options.log(`${replica.name} is ${ready ? 'ready' : 'not ready'}`);
        return true;
      }),
    );
    if (changes.includes(true)) await this.options.onMembershipChange();
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.replicas.filter((r) => !r.terminating).map((r) => this.stop(r)));
  }

  private start(): Replica {
    const used = new Set(this.replicas.map((r) => r.port));
    const port = this.options.ports.find((p) => !used.has(p));
    if (port === undefined) throw new Error(`no free replica port left in ${this.options.ports.join(', ')}`);
    const name = podName(this.options.deployment);
    const logFile = join(this.options.logsDir, `${name}.log`);
    mkdirSync(this.options.logsDir, { recursive: true });
    mkdirSync(this.options.pidsDir, { recursive: true });
    const out = openSync(logFile, 'a');
    const child = spawn(process.execPath, [this.options.entry], {
      env: { ...this.options.env, HOST: this.options.host, PORT: String(port) },
      stdio: ['ignore', out, out],
      detached: true,
    });
    closeSync(out); // the child has its own copy
    const replica: Replica = { name, port, child, startedAt: Date.now(), ready: false, terminating: false };
    if (child.pid !== undefined) writePidFile(join(this.options.pidsDir, `${name}.pid`), child.pid);
    child.once('exit', (code, signal) => {
      rmSync(join(this.options.pidsDir, `${name}.pid`), { force: true });
      const index = this.replicas.indexOf(replica);
      if (index >= 0) this.replicas.splice(index, 1);
      if (!replica.terminating) {
        this.options.log(`${name} exited unexpectedly (${signal ?? `code ${code}`}); it will be replaced`);
        replica.ready = false;
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
    replica.child.kill('SIGTERM');
    const deadline = sleep(this.options.shutdownTimeoutMs).then(() => 'timeout' as const);
    if ((await Promise.race([exited.then(() => 'exited' as const), deadline])) === 'timeout') {
      this.options.log(`${replica.name} did not drain in ${this.options.shutdownTimeoutMs} ms; killing it`);
      replica.child.kill('SIGKILL');
      await exited;
    }
    this.options.log(`${replica.name} stopped`);
  }
}

// The embedded stack's control loop: the local stand-ins for the HPA controller, the ReplicaSet, the
// Service's endpoints and the metrics pipeline. Every sync period it samples the replicas' CPU, asks the HPA
// twin for the replica count and sets it as the Deployment's spec.replicas; the replica set converges on
// that count on its own (and replaces a replica that died without a sync). It serves /metrics (Kubernetes
// dialect) and /status for `fraudops status`.
import { createServer, type Server } from 'node:http';
import { rename, writeFile } from 'node:fs/promises';
import type { Autoscaler, PodSample } from '@fraudops/autoscaler';
import { AccessLogCounter } from './access-log.ts';
import { renderClusterMetrics } from './kube-metrics.ts';
import { processCpuSeconds } from './procfs.ts';
import type { ReplicaSet } from './replicas.ts';

export interface ControllerOptions {
  namespace: string;
  deployment: string;
  container: string;
  image: string;
  cpuRequestCores: number;
  syncSeconds: number;
  replicas: ReplicaSet;
  autoscaler: Autoscaler;
  /**
   * The Deployment's spec.replicas when it is created, before the HPA's first sync (the HPA minimum unless
   * told). The HPA then owns it: its first sync records this count as its initial recommendation, so a
   * Deployment created above the HPA's need is scaled down only after the scale-down stabilization window.
   */
  initialReplicas?: number;
  accessLog: string;
  /** Rewrites the gateway's upstreams to the given ready ports and reloads it. */
  updateGateway: (readyPorts: readonly number[]) => Promise<void>;
  /** Which gateway process runs (its pid), so that a restarted gateway gets the upstreams again. */
  gatewayIdentity: () => Promise<string | null>;
  replicaTargetsFile: string;
  renderReplicaTargets: (replicas: readonly { pod: string; address: string }[]) => string;
  host: string;
  log: (message: string) => void;
  profile: string;
  /** The twin's clock, milliseconds; Date.now unless a test drives time. */
  clock?: () => number;
  /** CPU seconds used so far by a process, or null when it is gone; /proc unless a test fakes load. */
  cpuSecondsOf?: (pid: number) => Promise<number | null>;
  /** How often readiness is probed (500 ms unless a test probes by hand). */
  probeIntervalMs?: number;
}

interface CpuSample {
  at: number;
  seconds: number;
}

export class StackController {
  private readonly options: ControllerOptions;
  private readonly gatewayResponses: AccessLogCounter;
  private readonly cpuSeconds = new Map<string, number>();
  private readonly lastSample = new Map<string, CpuSample>();
  private readonly usage = new Map<string, number>();
  /**
   * The Deployment's spec.replicas: only the HPA changes it, and the HPA reads it back as its current
   * replicas (horizontal.go: `currentReplicas := scale.Spec.Replicas`). Pods that died do not lower it.
   */
  private specReplicas: number;
  /**
   * The HPA's status as its controller writes it (`setStatus(hpa, currentReplicas, desiredReplicas)`):
   * currentReplicas is the spec.replicas read at the start of the last sync, desiredReplicas its decision.
   * kube-state-metrics exports both; the page's headroom reads currentReplicas.
   */
  private hpaStatus: { currentReplicas: number; desiredReplicas: number };
  private lastDecision: string;
  private scaleEvents = { up: 0, down: 0 };
  private timer: NodeJS.Timeout | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  private server: Server | undefined;
  private publishing: Promise<void> = Promise.resolve();
  private gatewaySeen: string | null = null;

  constructor(options: ControllerOptions) {
    this.options = options;
    this.gatewayResponses = new AccessLogCounter(options.accessLog);
    this.specReplicas = options.initialReplicas ?? options.autoscaler.hpa.minReplicas;
    this.hpaStatus = { currentReplicas: this.specReplicas, desiredReplicas: this.specReplicas };
    this.lastDecision =
      options.initialReplicas === undefined
        ? 'starting at the HPA minimum'
        : `starting at ${options.initialReplicas} replicas (the Deployment's initial spec.replicas)`;
  }

  async start(port: number): Promise<void> {
    this.server = createServer((request, response) => {
      void this.handle(request.url ?? '/').then(
        ({ status, type, body }) => {
          response.writeHead(status, { 'content-type': type });
          response.end(body);
        },
        (error: unknown) => {
          response.writeHead(500, { 'content-type': 'text/plain' });
          response.end(String(error));
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      this.server?.once('error', reject);
      this.server?.listen(port, this.options.host, resolve);
    });
    await this.options.replicas.scaleTo(this.specReplicas);
    // A first CPU sample now, so that the first sync already has a usage window to measure.
    await this.sampleCpu();
    await this.publishMembership();
    this.timer = setInterval(() => void this.sync(), this.options.syncSeconds * 1000);
    // Readiness is probed more often than the autoscaler syncs, so a new replica joins within a second.
    this.probeTimer = setInterval(
      () => void this.options.replicas.probe(),
      this.options.probeIntervalMs ?? 500,
    );
    this.probeTimer.unref();
  }

  /**
   * Called by the replica set whenever who is ready changes. Calls are serialized: replicas stopping
   * together must not interleave their rewrites of the gateway config and the target file.
   */
  publishMembership(): Promise<void> {
    this.publishing = this.publishing
      .then(() => this.writeMembership())
      .catch((error: unknown) => {
        this.options.log(`could not publish the replica membership: ${(error as Error).message}`);
      });
    return this.publishing;
  }

  private async writeMembership(): Promise<void> {
    const ready = this.options.replicas.ready;
    await this.options.updateGateway(ready.map((r) => r.port));
    const targets = this.options.renderReplicaTargets(
      this.options.replicas.active.map((r) => ({ pod: r.name, address: `${this.options.host}:${r.port}` })),
    );
    const temporary = `${this.options.replicaTargetsFile}.tmp`;
    await writeFile(temporary, targets);
    await rename(temporary, this.options.replicaTargetsFile);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    clearInterval(this.probeTimer);
    await this.syncing;
    await this.options.replicas.stopAll();
    const server = this.server;
    if (server) {
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    }
  }

  /** One sync period's work (the timer calls it; so can a test). Overlapping calls share one run. */
  sync(): Promise<void> {
    this.syncing ??= this.syncOnce()
      .catch((error: unknown) => {
        this.options.log(`sync failed: ${(error as Error).message}`);
      })
      .finally(() => {
        this.syncing = undefined;
      });
    return this.syncing;
  }

  /** Forgets the CPU history of a replica that is gone. */
  forget(name: string): void {
    this.cpuSeconds.delete(name);
    this.lastSample.delete(name);
    this.usage.delete(name);
  }

  private async syncOnce(): Promise<void> {
    // A gateway started again (by a repairing `up`) comes up with no upstreams: give it the ready replicas.
    const gateway = await this.options.gatewayIdentity();
    if (gateway !== this.gatewaySeen) {
      this.gatewaySeen = gateway;
      if (gateway !== null) await this.publishMembership();
    }
    await this.sampleCpu();
    const { replicas, autoscaler } = this.options;
    // The Deployment's pods: the HPA sets aside those not ready (starting, or replacing one that died).
    const pods = replicas.active.map((r): PodSample => {
      const usage = this.usage.get(r.name);
      return usage === undefined
        ? { name: r.name, ready: r.ready }
        : { name: r.name, ready: r.ready, cpuUsageCores: usage };
    });
    const now = (this.options.clock ?? Date.now)();
    const currentReplicas = this.specReplicas;
    const decision = autoscaler.evaluate({ now, currentReplicas, pods });
    this.lastDecision = decision.reason;
    if (decision.event) {
      this.options.log(
        `autoscaler: ${decision.event.from} -> ${decision.event.to} replicas (${decision.event.reason})`,
      );
      if (decision.event.to > decision.event.from) this.scaleEvents.up++;
      else this.scaleEvents.down++;
    }
    this.hpaStatus = { currentReplicas, desiredReplicas: decision.desiredReplicas };
    this.specReplicas = decision.desiredReplicas;
    // The replica set converges on the spec; a replica that died is its business (after its restart delay),
    // not the HPA's: a replacement is no scaling event and spends none of the scale-up policy's budget.
    await replicas.scaleTo(this.specReplicas);
  }

  /** Updates the cumulative CPU counters (what cAdvisor exports), for a scrape. */
  private async readCpuCounters(): Promise<void> {
    await Promise.all(
      this.options.replicas.replicas.map(async (r) => {
        const seconds =
          r.child.pid === undefined
            ? null
            : await (this.options.cpuSecondsOf ?? processCpuSeconds)(r.child.pid);
        if (seconds !== null) this.cpuSeconds.set(r.name, seconds);
      }),
    );
  }

  /**
   * Average CPU cores of each replica since the previous sync: what metrics-server would give the HPA.
   * Scrapes read the counters too, but only syncs move the averaging window.
   */
  private async sampleCpu(): Promise<void> {
    const now = (this.options.clock ?? Date.now)();
    await this.readCpuCounters();
    for (const r of this.options.replicas.replicas) {
      const seconds = this.cpuSeconds.get(r.name);
      if (seconds === undefined) continue;
      const previous = this.lastSample.get(r.name);
      if (previous && now > previous.at)
        this.usage.set(r.name, (seconds - previous.seconds) / ((now - previous.at) / 1000));
      this.lastSample.set(r.name, { at: now, seconds });
    }
  }

  private async handle(url: string): Promise<{ status: number; type: string; body: string }> {
    const path = url.split('?')[0];
    if (path === '/metrics') {
      await Promise.all([this.readCpuCounters(), this.gatewayResponses.poll()]);
      return { status: 200, type: 'text/plain; version=0.0.4', body: this.metricsText() };
    }
    if (path === '/status')
      return { status: 200, type: 'application/json', body: JSON.stringify(this.status()) };
    if (path === '/health') return { status: 200, type: 'text/plain', body: 'ok\n' };
    return { status: 404, type: 'text/plain', body: 'not found: try /metrics or /status\n' };
  }

  private metricsText(): string {
    const { replicas, autoscaler } = this.options;
    const cluster = renderClusterMetrics({
      namespace: this.options.namespace,
      deployment: this.options.deployment,
      container: this.options.container,
      image: this.options.image,
      node: 'localhost',
      cpuRequestCores: this.options.cpuRequestCores,
      pods: replicas.active.map((r) => ({
        name: r.name,
        ready: r.ready,
        cpuSeconds: this.cpuSeconds.get(r.name) ?? 0,
      })),
      hpa: {
        minReplicas: autoscaler.hpa.minReplicas,
        maxReplicas: autoscaler.hpa.maxReplicas,
        ...this.hpaStatus,
      },
      gatewayResponses: this.gatewayResponses.counts,
      gatewayName: this.options.deployment,
    });
    const own = [
      '# HELP fraudops_autoscaler_scaling_events_total Scaling decisions of the local HPA twin, by direction.',
      '# TYPE fraudops_autoscaler_scaling_events_total counter',
      `fraudops_autoscaler_scaling_events_total{direction="up"} ${this.scaleEvents.up}`,
      `fraudops_autoscaler_scaling_events_total{direction="down"} ${this.scaleEvents.down}`,
    ];
    return `${cluster}${own.join('\n')}\n`;
  }

  private status(): object {
    const { replicas, autoscaler } = this.options;
    return {
      profile: this.options.profile,
      hpa: {
        minReplicas: autoscaler.hpa.minReplicas,
        maxReplicas: autoscaler.hpa.maxReplicas,
        ...this.hpaStatus,
        lastDecision: this.lastDecision,
      },
      deployment: { specReplicas: this.specReplicas, restartsPending: replicas.restartsPending },
      pods: replicas.replicas.map((r) => ({
        name: r.name,
        port: r.port,
        pid: r.child.pid,
        ready: r.ready,
        terminating: r.terminating,
        cpuUsageCores: this.usage.get(r.name) ?? null,
        cpuUtilization: (this.usage.get(r.name) ?? 0) / this.options.cpuRequestCores,
      })),
    };
  }
}

// The cluster controller's wiring, in one place: the HPA twin on the manifests in deploy/k8s, the replica set
// that runs the scoring API, the gateway's upstreams and Prometheus' targets kept in step. controller-main.ts
// (what `fraudops up` starts) builds it from the config; tests build the very same thing with a local model.
import { readFile } from 'node:fs/promises';
import { Autoscaler, compressTimings, loadAutoscalerManifests } from '@fraudops/autoscaler';
import { mlflowTrackingUri, type ProjectConfig } from '@fraudops/config';
import { gatewaySettings } from '../gateway/gateway-component.ts';
import { reloadGateway, writeGatewayConfig } from '../gateway/gateway.ts';
import { scoringApiEntry, stackLayout } from '../layout.ts';
import { renderReplicaTargets } from '../prometheus/prometheus-config.ts';
import type { Profile } from '../profiles.ts';
import { StackController } from './controller.ts';
import { REPLICA_RESTART_DELAY_SECONDS, ReplicaSet } from './replicas.ts';

const CONTAINER = 'scoring-api';

/**
 * Between a replica leaving the gateway's upstreams and its SIGTERM: the twin's preStop sleep. The removal is
 * a rewritten config and a SIGHUP, which nginx applies asynchronously (new workers, old ones finishing what
 * they hold); 500 ms covers that reload many times over, so no new request is routed to a stopping replica.
 */
export const REPLICA_DRAIN_DELAY_MS = 500;

export interface ClusterOptions {
  config: ProjectConfig;
  profile: Profile;
  log: (message: string) => void;
  /** The replicas' model; the registry's champion (what the stack serves) unless a test gives a local one. */
  modelUri?: string;
  /** The Deployment's spec.replicas when it is created (the HPA minimum unless told). */
  initialReplicas?: number;
}

export interface Cluster {
  controller: StackController;
  replicaSet: ReplicaSet;
  autoscaler: Autoscaler;
}

/** Every setting of a replica from the one config: nothing a user's shell exported leaks into the replicas. */
function replicaEnv(
  config: ProjectConfig,
  profile: Profile,
  modelUri: string | undefined,
): NodeJS.ProcessEnv {
  return {
    ...process.env,
    MAX_IN_FLIGHT: String(config.scoringApi.maxInFlight),
    BATCH_MAX_ITEMS: String(config.scoringApi.batchMaxItems),
    BODY_LIMIT_BYTES: String(config.scoringApi.bodyLimitBytes),
    SHUTDOWN_TIMEOUT_MS: String(config.scoringApi.shutdownTimeoutMs),
    REQUEST_TIMEOUT_MS: String(config.scoringApi.requestTimeoutMs),
    // Every replica follows the registry's champion: a promotion reaches them all without a restart.
    MODEL_URI: modelUri ?? `models:/${config.model.name}@${config.retraining.championAlias}`,
    MLFLOW_TRACKING_URI: mlflowTrackingUri(config),
    // A new champion reaches every replica within this.
    MODEL_POLL_INTERVAL_MS: String(Math.max(1000, Math.round(config.model.pollIntervalMs / profile.speedup))),
    LOG_LEVEL: 'info',
  };
}

export function createCluster(options: ClusterOptions): Cluster {
  const { config, profile, log } = options;
  const layout = stackLayout(config);
  const manifests = loadAutoscalerManifests({ hpaName: config.stack.deployment });
  const hpa = compressTimings(manifests.hpa, profile.speedup);
  // The local replicas' request comes from the config, not the Deployment: see stack.replicas in the config.
  const cpuRequestMilli = config.stack.replicas.cpuRequestMilli;
  const autoscaler = new Autoscaler({ hpa, podCpuRequestMilli: cpuRequestMilli });
  log(
    `HPA twin from ${manifests.files.hpa}: ${hpa.minReplicas}..${hpa.maxReplicas} replicas, target ` +
      `${hpa.metric.averageUtilization}% of ${cpuRequestMilli}m CPU (the Deployment requests ` +
      `${manifests.podCpuRequestMilli}m; stack.replicas.cpuRequestMilli), ` +
      `profile ${profile.name} (durations / ${profile.speedup}), sync every ${profile.autoscalerSyncSeconds} s`,
  );

  const { replicas: replicaPorts } = config.stack;
  // Room for surge: replicas being replaced or draining keep their port until they exit.
  const ports = Array.from({ length: hpa.maxReplicas * 2 }, (_, i) => replicaPorts.basePort + i);
  const replicaSet: ReplicaSet = new ReplicaSet({
    deployment: config.stack.deployment,
    host: replicaPorts.host,
    ports,
    entry: scoringApiEntry(config),
    env: replicaEnv(config, profile, options.modelUri),
    logsDir: layout.podLogsDir,
    pidsDir: layout.podPidsDir,
    shutdownTimeoutMs: config.scoringApi.shutdownTimeoutMs,
    drainDelayMs: REPLICA_DRAIN_DELAY_MS,
    // 10 s in prod, 1 s in the fast profile: every duration of the stack is compressed alike.
    restartDelayMs: Math.round((REPLICA_RESTART_DELAY_SECONDS * 1000) / profile.speedup),
    // Called only once the controller below runs.
    onMembershipChange: async (): Promise<void> => controller.publishMembership(),
    onExit: (name) => {
      controller.forget(name);
    },
    log,
  });

  const controller: StackController = new StackController({
    namespace: config.stack.namespace,
    deployment: config.stack.deployment,
    container: CONTAINER,
    image: 'fraudops/scoring-api:local',
    cpuRequestCores: cpuRequestMilli / 1000,
    syncSeconds: profile.autoscalerSyncSeconds,
    replicas: replicaSet,
    autoscaler,
    ...(options.initialReplicas === undefined ? {} : { initialReplicas: options.initialReplicas }),
    accessLog: layout.nginx.accessLog,
    updateGateway: async (readyPorts) => {
      await writeGatewayConfig(layout.nginx.config, gatewaySettings(config, layout, readyPorts));
      if (!(await reloadGateway(layout.nginx.pidFile)))
        log('gateway not running: its config is written for its next start');
    },
    gatewayIdentity: async () =>
      readFile(layout.nginx.pidFile, 'utf8').then(
        (pid) => pid.trim(),
        () => null,
      ),
    replicaTargetsFile: layout.prometheus.replicaTargets,
    renderReplicaTargets: (targets) => renderReplicaTargets(config.stack.namespace, CONTAINER, targets),
    host: config.stack.cluster.host,
    log,
    profile: profile.name,
  });
  return { controller, replicaSet, autoscaler };
}

// The cluster controller process, started by `fraudops up`: replicas at the HPA minimum, the HPA twin on
// the manifests in deploy/k8s, the gateway's upstreams and Prometheus' targets kept in step, /metrics.
import { readFile } from 'node:fs/promises';
import { Autoscaler, compressTimings, loadAutoscalerManifests } from '@fraudops/autoscaler';
import { loadProjectConfig, mlflowTrackingUri } from '@fraudops/config';
import { gatewaySettings } from '../components.ts';
import { reloadGateway, writeGatewayConfig } from '../gateway/gateway.ts';
import { scoringApiEntry, stackLayout } from '../layout.ts';
import { killOrphanReplicas } from '../stack-control.ts';
import { renderReplicaTargets } from '../prometheus/prometheus-config.ts';
import { profileNamed } from '../profiles.ts';
import { StackController } from './controller.ts';
import { REPLICA_RESTART_DELAY_SECONDS, ReplicaSet } from './replicas.ts';

const CONTAINER = 'scoring-api';

const config = loadProjectConfig();
const layout = stackLayout(config);
const profile = profileNamed(process.env.FRAUDOPS_PROFILE ?? 'prod');
const log = (message: string): void => {
  console.log(`${new Date().toISOString()} ${message}`);
};

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
  // Every setting from the one config: nothing a user's shell exported leaks into the replicas.
  env: {
    ...process.env,
    MAX_IN_FLIGHT: String(config.scoringApi.maxInFlight),
    BATCH_MAX_ITEMS: String(config.scoringApi.batchMaxItems),
    BODY_LIMIT_BYTES: String(config.scoringApi.bodyLimitBytes),
    SHUTDOWN_TIMEOUT_MS: String(config.scoringApi.shutdownTimeoutMs),
    REQUEST_TIMEOUT_MS: String(config.scoringApi.requestTimeoutMs),
    // Every replica follows the registry's champion: a promotion reaches them all without a restart.
    MODEL_URI: `models:/${config.model.name}@${config.retraining.championAlias}`,
    MLFLOW_TRACKING_URI: mlflowTrackingUri(config),
    // A new champion reaches every replica within this.
    MODEL_POLL_INTERVAL_MS: String(Math.max(1000, Math.round(config.model.pollIntervalMs / profile.speedup))),
    LOG_LEVEL: 'info',
  },
  logsDir: layout.podLogsDir,
  pidsDir: layout.podPidsDir,
  shutdownTimeoutMs: config.scoringApi.shutdownTimeoutMs,
  drainDelayMs: 500,
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

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log(`${signal}: draining and stopping every replica`);
  await controller.stop();
  log('stopped');
  process.exit(0);
}
process.once('SIGTERM', (signal) => void shutdown(signal));
process.once('SIGINT', (signal) => void shutdown(signal));

// Replicas left by a controller that crashed still hold their ports: they go before new ones start.
for (const pod of await killOrphanReplicas(layout))
  log(`killed ${pod}, left behind by a previous controller`);
await controller.start(config.stack.cluster.port);
log(`controller listening on ${config.stack.cluster.host}:${config.stack.cluster.port} (/metrics, /status)`);

// The cluster controller process, started by `fraudops up`: replicas at the HPA minimum, the HPA twin on
// the manifests in deploy/k8s, the gateway's upstreams and Prometheus' targets kept in step, /metrics.
// The wiring lives in cluster.ts; this file adds the process around it (signals, orphans, the port).
import { loadProjectConfig } from '@fraudops/config';
import { stackLayout } from '../layout.ts';
import { killOrphanReplicas } from '../stack-control.ts';
import { profileNamed } from '../profiles.ts';
import { createCluster } from './cluster.ts';

const config = loadProjectConfig();
const layout = stackLayout(config);
const profile = profileNamed(process.env.FRAUDOPS_PROFILE ?? 'prod');
const log = (message: string): void => {
  console.log(`${new Date().toISOString()} ${message}`);
};

const { controller } = createCluster({ config, profile, log });

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

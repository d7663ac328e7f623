// prometheus.yml for the embedded stack. Replicas are discovered through a file (file_sd), rewritten by the
// controller whenever a pod starts or stops: Prometheus watches it, as it watches the Kubernetes API there.
import { stringify } from 'yaml';

export interface PrometheusSettings {
  scrapeInterval: string;
  evaluationInterval: string;
  ruleFiles: readonly string[];
  alertmanager: string;
  exporter: string;
  self: string;
  replicaTargetsFile: string;
  /** The stream scorer's /metrics (its own counters and the consumer group's lag). */
  streamScorer: string;
  /** A running attack's /metrics; the target is down between attacks, which is expected. */
  attack: string;
  /** The world's, the lake sink's and the quality component's /metrics (down when the stack runs without them). */
  world: string;
  lakeSink: string;
  quality: string;
}

export function renderPrometheusConfig(s: PrometheusSettings): string {
  const config = {
    global: {
      scrape_interval: s.scrapeInterval,
      scrape_timeout: s.scrapeInterval,
      evaluation_interval: s.evaluationInterval,
      external_labels: { cluster: 'embedded' },
    },
    rule_files: s.ruleFiles,
    alerting: { alertmanagers: [{ static_configs: [{ targets: [s.alertmanager] }] }] },
    scrape_configs: [
      { job_name: 'scoring-api', file_sd_configs: [{ files: [s.replicaTargetsFile] }] },
      // The exporter speaks for the whole local "cluster" (cAdvisor and kube-state-metrics series): its own
      // namespace and pod labels must win over the target's, as with kube-state-metrics in a cluster.
      { job_name: 'kubernetes-cluster', honor_labels: true, static_configs: [{ targets: [s.exporter] }] },
      { job_name: 'stream-scorer', static_configs: [{ targets: [s.streamScorer] }] },
      { job_name: 'attack', static_configs: [{ targets: [s.attack] }] },
      { job_name: 'world', static_configs: [{ targets: [s.world] }] },
      { job_name: 'lake-sink', static_configs: [{ targets: [s.lakeSink] }] },
      { job_name: 'quality', static_configs: [{ targets: [s.quality] }] },
      { job_name: 'prometheus', static_configs: [{ targets: [s.self] }] },
      { job_name: 'alertmanager', static_configs: [{ targets: [s.alertmanager] }] },
    ],
  };
  return `# Rendered by fraudops (packages/stack/src/prometheus/prometheus-config.ts); edits are overwritten.\n${stringify(config)}`;
}

export interface ReplicaTarget {
  pod: string;
  address: string;
}

/** The file_sd document for the scoring-api replicas, labelled as a ServiceMonitor labels them. */
export function renderReplicaTargets(
  namespace: string,
  container: string,
  replicas: readonly ReplicaTarget[],
): string {
  return `${JSON.stringify(
    replicas.map(({ pod, address }) => ({ targets: [address], labels: { namespace, pod, container } })),
    null,
    2,
  )}\n`;
}

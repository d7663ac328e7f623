// The deploy/gitops manifests whose facts live in fraudops.config.json, rendered from it: the Kafka topics (the
// embedded stack's topics, partitions and retention, with the cluster's replication) and the config file
// Airflow's task pods read (the same file with its writable paths moved onto the task volume).
import { join } from 'node:path';
import { repositoryRoot, type ProjectConfig } from '@fraudops/config';
import { kafkaTopics } from '@fraudops/stack';
import { stringify } from 'yaml';

export const gitopsDir = join(repositoryRoot, 'deploy/gitops');

/** Strimzi's cluster name and namespace (deploy/gitops/platform/kafka/kafka.yaml). */
export const KAFKA_CLUSTER = { name: 'fraudops', namespace: 'kafka', replicas: 3 } as const;

/** Where Airflow's task pods mount the cluster config and their working volume (deploy/gitops/values/airflow.yaml). */
export const AIRFLOW_TASK_PATHS = { configDir: '/etc/fraudops', workDir: '/work' } as const;

export const HEADER = (source: string): string =>
  `# Generated from ${source} by packages/gitops\n` +
  '# (npm run generate --workspace @fraudops/gitops): edits are overwritten, and its test fails while they differ.\n';

/** A Kubernetes object name from a topic name (`transactions.dead-letter` is a valid one already). */
export function kafkaTopicResourceName(topic: string): string {
  return topic.toLowerCase().replace(/[^a-z0-9.-]/g, '-');
}

export function renderKafkaTopics(config: ProjectConfig): string {
  const documents = kafkaTopics(config.stack.kafka.topics).map((topic) => ({
    apiVersion: 'kafka.strimzi.io/v1',
    kind: 'KafkaTopic',
    metadata: {
      name: kafkaTopicResourceName(topic.name),
      namespace: KAFKA_CLUSTER.namespace,
      labels: { 'strimzi.io/cluster': KAFKA_CLUSTER.name },
    },
    spec: {
      topicName: topic.name,
      partitions: topic.partitions,
      replicas: KAFKA_CLUSTER.replicas,
      config: { ...topic.configs },
    },
  }));
  return (
    HEADER('fraudops.config.json (stack.kafka.topics) with @fraudops/stack kafkaTopics()') +
    documents.map((d) => stringify(d)).join('---\n')
  );
}

/**
 * The config file for Airflow's task pods: the repository's file, with every path the retraining writes
 * (state, data, the retraining work folder) on the task volume, because the image's filesystem is read-only.
 */
export function clusterConfigFile(rawConfig: Record<string, unknown>): Record<string, unknown> {
  const work = AIRFLOW_TASK_PATHS.workDir;
  const raw = structuredClone(rawConfig) as {
    stateDir: string;
    data: { dir: string; replayFile: string };
    retraining: { workDir: string };
  } & Record<string, unknown>;
  raw.stateDir = `${work}/state`;
  raw.data = { ...raw.data, dir: `${work}/data`, replayFile: `${work}/data/replay.jsonl` };
  raw.retraining = { ...raw.retraining, workDir: `${work}/retraining` };
  return raw;
}

export function renderAirflowConfigMap(rawConfig: Record<string, unknown>): string {
  const configMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'fraudops-config', namespace: 'airflow' },
    data: { 'fraudops.config.json': `${JSON.stringify(clusterConfigFile(rawConfig), null, 2)}\n` },
  };
  return HEADER('fraudops.config.json') + stringify(configMap);
}

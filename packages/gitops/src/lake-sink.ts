// The lake sink in the cluster (deploy/k8s/base/lake): the config file it reads, rendered from
// fraudops.config.json with the cluster's addresses, and the checks that its Deployment runs it with that
// file, that port and the catalog name of the config, and that the managed Kafka's topics (Terraform) are the
// ones the sink and the rest of the stream read.
import { join } from 'node:path';
import { repositoryRoot } from '@fraudops/config';
import type { KafkaTopic } from '@fraudops/stack';
import { stringify } from 'yaml';
import type { GitopsProblem } from './applications.ts';
import { memoryMiB } from './chart-values.ts';
import { HEADER, KAFKA_CLUSTER } from './generated-manifests.ts';

/** Where the sink's manifests live, its ConfigMap, where it is mounted, and the /metrics port in the pod. */
export const LAKE_SINK = {
  name: 'lake-sink',
  dir: join(repositoryRoot, 'deploy/k8s/base/lake'),
  configMap: 'lake-config',
  configDir: '/etc/fraudops',
  configFile: 'fraudops.config.json',
  metricsPort: 9464,
} as const;

/** Strimzi's plain listener of the Kafka cluster (deploy/gitops/platform/kafka). */
export const KAFKA_BOOTSTRAP = {
  host: `${KAFKA_CLUSTER.name}-kafka-bootstrap.${KAFKA_CLUSTER.namespace}.svc.cluster.local`,
  port: 9092,
} as const;

/** Airflow's api-server Service (the chart's release `airflow` in the namespace `airflow`). */
export const AIRFLOW_API_URL = 'http://airflow-api-server.airflow.svc.cluster.local:8080';

type Json = Record<string, unknown>;
const asObject = (value: unknown): Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/**
 * The sink's config file in the cluster: the repository's, with Kafka's bootstrap Service, /metrics on every
 * interface at LAKE_SINK.metricsPort (Prometheus scrapes the pod), and Airflow's api-server for the asset event.
 * The catalog and the warehouse stay as they are: the Deployment's environment overrides them
 * (FRAUDOPS_LAKE_CATALOG_URI, FRAUDOPS_LAKE_WAREHOUSE).
 */
export function clusterLakeConfigFile(rawConfig: Json): Json {
  const raw = structuredClone(rawConfig);
  const stack = asObject(raw['stack']);
  raw['stack'] = {
    ...stack,
    kafka: { ...asObject(stack['kafka']), host: KAFKA_BOOTSTRAP.host, port: KAFKA_BOOTSTRAP.port },
  };
  const lake = asObject(raw['lake']);
  raw['lake'] = {
    ...lake,
    metrics: { ...asObject(lake['metrics']), host: '0.0.0.0', port: LAKE_SINK.metricsPort },
    retrainingTrigger: { ...asObject(lake['retrainingTrigger']), airflowUrl: AIRFLOW_API_URL },
  };
  return raw;
}

export function renderLakeConfigMap(rawConfig: Json): string {
  const configMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: LAKE_SINK.configMap, labels: { 'app.kubernetes.io/name': LAKE_SINK.name } },
    data: { [LAKE_SINK.configFile]: `${JSON.stringify(clusterLakeConfigFile(rawConfig), null, 2)}\n` },
  };
  return HEADER('fraudops.config.json') + stringify(configMap);
}

const named = (objects: readonly Json[], kind: string, name: string): Json | undefined =>
  objects.find((o) => o['kind'] === kind && asObject(o['metadata'])['name'] === name);

function podProblems(pod: Json, catalogName: string | undefined): string[] {
  const container = asObject(asArray(pod['containers'])[0]);
  const problems: string[] = [];
  const configPath = `${LAKE_SINK.configDir}/${LAKE_SINK.configFile}`;
  const command = asArray(container['command']).map(String);
  if (command.join(' ') !== `python -m fraudops_ml lake-sink --config ${configPath}`)
    problems.push(
      `runs "${command.join(' ')}", not "python -m fraudops_ml lake-sink --config ${configPath}"`,
    );
  const volume = asArray(pod['volumes'])
    .map(asObject)
    .find((v) => asObject(v['configMap'])['name'] === LAKE_SINK.configMap);
  const mounted = asArray(container['volumeMounts'])
    .map(asObject)
    .some((m) => m['name'] === volume?.['name'] && m['mountPath'] === LAKE_SINK.configDir);
  if (!mounted)
    problems.push(`does not mount the ConfigMap ${LAKE_SINK.configMap} at ${LAKE_SINK.configDir}`);
  const port = asArray(container['ports'])
    .map(asObject)
    .find((p) => p['name'] === 'metrics');
  if (port?.['containerPort'] !== LAKE_SINK.metricsPort)
    problems.push(`must name port ${LAKE_SINK.metricsPort} "metrics" (the config's lake.metrics.port)`);
  const prefixes = new Set(
    asArray(container['env'])
      .map((e) => String(asObject(e)['name']))
      .filter((n) => n.startsWith('PYICEBERG_CATALOG__'))
      .map((n) => n.split('__')[1]),
  );
  const wanted = catalogName?.toUpperCase();
  if (catalogName !== undefined && wanted !== undefined && (prefixes.size !== 1 || !prefixes.has(wanted)))
    problems.push(
      `gives pyiceberg's settings for catalog(s) ${[...prefixes].join(', ') || 'none'}; lake.catalog.name is ${catalogName} (PYICEBERG_CATALOG__${wanted}__*)`,
    );
  return problems;
}

/**
 * The sink's Deployment (rendered base objects) against its generated config: the command reads the mounted
 * file, /metrics is the port the config sets and the Service targets, and pyiceberg's Object Storage settings
 * are for the catalog the config names (undefined: the config has no lake section to compare with).
 */
export function checkLakeSink(objects: readonly Json[], catalogName: string | undefined): GitopsProblem[] {
  const file = 'deploy/k8s/base/lake';
  const deployment = named(objects, 'Deployment', LAKE_SINK.name);
  if (deployment === undefined)
    return [{ file, subject: `Deployment/${LAKE_SINK.name}`, rule: 'structure', message: 'is missing' }];
  const pod = asObject(asObject(asObject(deployment['spec'])['template'])['spec']);
  const problems = podProblems(pod, catalogName);
  const service = named(objects, 'Service', LAKE_SINK.name);
  const servicePorts = asArray(asObject(service?.['spec'])['ports']).map(asObject);
  if (!servicePorts.some((p) => p['targetPort'] === 'metrics'))
    problems.push(
      `has no Service ${LAKE_SINK.name} targeting its port "metrics" (the ServiceMonitor scrapes it)`,
    );
  return problems.map((message) => ({
    file,
    subject: `Deployment/${LAKE_SINK.name}`,
    rule: 'structure',
    message,
  }));
}

/** `name => partitions` of the `kafka_topics` variable's default in deploy/terraform/variables.tf. */
export function terraformKafkaTopics(variablesTf: string): Map<string, number> {
  const block =
    /variable "kafka_topics" \{[\s\S]*?default = \{([\s\S]*?)\n {2}\}/.exec(variablesTf)?.[1] ?? '';
  return new Map(
    [...block.matchAll(/^\s*"([^"]+)"\s*=\s*(\d+)\s*$/gm)].map((m) => [m[1] ?? '', Number(m[2])]),
  );
}

const partitions = (count: number | undefined): string =>
  count === undefined ? 'does not exist' : `has ${String(count)} partitions`;

/** The managed Kafka's topics (Terraform) are the stream's topics, partition for partition. */
export function checkManagedKafkaTopics(variablesTf: string, topics: readonly KafkaTopic[]): GitopsProblem[] {
  const declared = terraformKafkaTopics(variablesTf);
  const wanted = new Map(topics.map((t) => [t.name, t.partitions]));
  const names = [...new Set([...declared.keys(), ...wanted.keys()])].sort();
  return names
    .filter((name) => declared.get(name) !== wanted.get(name))
    .map((name) => ({
      file: 'deploy/terraform/variables.tf',
      subject: `kafka_topics["${name}"]`,
      rule: 'structure',
      message: `${partitions(declared.get(name))} in Terraform; the stream's topic (fraudops.config.json, @fraudops/stack kafkaTopics) ${partitions(wanted.get(name))}`,
    }));
}

/** Where an environment variable comes from: a value, or a Secret's key. */
type EnvSource = { value: string } | { secret: string; key: string };

/** The lake sink container's environment (its `env` list). */
export function containerEnvironment(env: readonly unknown[]): Map<string, EnvSource> {
  return new Map(
    env.map(asObject).map((e): [string, EnvSource] => {
      const ref = asObject(asObject(e['valueFrom'])['secretKeyRef']);
      return [
        String(e['name']),
        'value' in e
          ? { value: String(e['value']) }
          : { secret: String(ref['name']), key: String(ref['key']) },
      ];
    }),
  );
}

/** The Airflow chart's environment of every Airflow container (its `env` and `secret` values). */
export function airflowChartEnvironment(values: Json): Map<string, EnvSource> {
  const plain = asArray(values['env'])
    .map(asObject)
    .map((e): [string, EnvSource] => [String(e['name']), { value: String(e['value']) }]);
  const secret = asArray(values['secret'])
    .map(asObject)
    .map((e): [string, EnvSource] => [
      String(e['envName']),
      { secret: String(e['secretName']), key: String(e['secretKey']) },
    ]);
  return new Map([...plain, ...secret]);
}

const LAKE_ENV = /^(FRAUDOPS_LAKE_|PYICEBERG_CATALOG__)/;
/** Credentials: each reader has its own key (the retraining's is read-only); everything else must be equal. */
const OWN_KEY = /__S3__(ACCESS_KEY_ID|SECRET_ACCESS_KEY)$/;

/**
 * The retraining (Airflow's task pods) reads the lake the sink writes: the same catalog URI Secret, the same
 * warehouse and Object Storage settings for the same catalog name, and an S3 key of its own from a Secret.
 */
export function checkAirflowReadsTheLake(
  sink: Map<string, EnvSource>,
  airflow: Map<string, EnvSource>,
): GitopsProblem[] {
  const names = [...new Set([...sink.keys(), ...airflow.keys()])].filter((n) => LAKE_ENV.test(n)).sort();
  const show = (source: EnvSource | undefined): string =>
    source === undefined
      ? 'unset'
      : 'value' in source
        ? source.value
        : `Secret ${source.secret}/${source.key}`;
  return names.flatMap((name) => {
    const [mine, theirs] = [sink.get(name), airflow.get(name)];
    const same = OWN_KEY.test(name)
      ? mine !== undefined && theirs !== undefined && 'secret' in mine && 'secret' in theirs
      : JSON.stringify(mine) === JSON.stringify(theirs);
    if (same) return [];
    return [
      {
        file: 'deploy/gitops/values/airflow.yaml',
        subject: name,
        rule: 'structure' as const,
        message: `is ${show(theirs)} for the retraining but ${show(mine)} for the lake sink (deploy/k8s/base/lake/deployment.yaml)`,
      },
    ];
  });
}

/** A workload of the node sizing (deploy/terraform/modules/node-sizing, `workloads`' default). */
export interface SizedWorkload {
  cpu_m: number;
  memory_mi: number;
  replicas: number;
}

/** `name => requests x replicas` of the node sizing's `workloads` default. */
export function terraformWorkloads(variablesTf: string): Map<string, SizedWorkload> {
  const rows = variablesTf.matchAll(
    /^\s*"([^"]+)"\s*=\s*\{\s*cpu_m\s*=\s*(\d+),\s*memory_mi\s*=\s*(\d+),\s*replicas\s*=\s*(\d+)\s*\}\s*$/gm,
  );
  return new Map(
    [...rows].map((m) => [
      m[1] ?? '',
      { cpu_m: Number(m[2]), memory_mi: Number(m[3]), replicas: Number(m[4]) },
    ]),
  );
}

/** A CPU quantity (`150m`, `1`, `0.5`) in millicores. */
export function cpuMillis(quantity: unknown): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(m)?$/.exec(String(quantity));
  if (match === null) return undefined;
  return match[2] === 'm' ? Number(match[1]) : Math.round(Number(match[1]) * 1000);
}

/** What a manifest asks for, in the node sizing's terms: its first container's (or the spec's) requests. */
export function requestedBy(requests: unknown, replicas: unknown): SizedWorkload {
  const r = asObject(requests);
  return {
    cpu_m: cpuMillis(r['cpu']) ?? Number.NaN,
    memory_mi: memoryMiB(r['memory']) ?? Number.NaN,
    replicas: typeof replicas === 'number' ? replicas : Number.NaN,
  };
}

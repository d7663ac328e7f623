// The lake sink in the cluster: its Deployment runs the sink with the config file generated for it, on the
// port that file sets, with pyiceberg's settings for the catalog the config names; and the managed Kafka
// (Terraform) has the stream's topics.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadProjectConfig, repositoryRoot } from '@fraudops/config';
import { renderManifests } from '@fraudops/manifest-schemas';
import { kafkaTopics } from '@fraudops/stack';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readManifests } from '@fraudops/manifest-policy';
import {
  AIRFLOW_API_URL,
  airflowChartEnvironment,
  checkAirflowReadsTheLake,
  containerEnvironment,
  checkLakeSink,
  checkManagedKafkaTopics,
  clusterLakeConfigFile,
  formatProblem,
  KAFKA_BOOTSTRAP,
  LAKE_SINK,
  requestedBy,
  terraformKafkaTopics,
  terraformWorkloads,
} from '../src/index.ts';

type Json = Record<string, unknown>;
const config = loadProjectConfig();
const raw = JSON.parse(readFileSync(config.configFile, 'utf8')) as Json;
const base = renderManifests()
  .filter((o) => o.source === 'deploy/k8s/base (kustomize build)')
  .map((o) => o.object as Json);
// pyiceberg's catalog name (lake.catalog.name; the TypeScript config type leaves the catalog to Python).
const catalogName = ((raw['lake'] as Json)['catalog'] as { name: string }).name;

/** A copy of the base objects with the lake sink's Deployment changed. */
function plantedDeployment(change: (pod: { containers: Json[]; volumes: Json[] }) => void): Json[] {
  return base.map((object) => {
    const meta = object['metadata'] as { name?: string };
    if (object['kind'] !== 'Deployment' || meta.name !== LAKE_SINK.name) return object;
    const copy = structuredClone(object) as Json & { spec: { template: { spec: never } } };
    change(copy.spec.template.spec);
    return copy;
  });
}
const sinkContainer = (pod: { containers: Json[] }): Json => pod.containers[0] ?? {};

describe("the lake sink's config file in the cluster", () => {
  const cluster = clusterLakeConfigFile(raw) as Json & {
    stack: { kafka: Json };
    lake: { metrics: Json; retrainingTrigger: Json; catalog: Json };
  };

  it("reaches Kafka's bootstrap Service, serves /metrics to Prometheus and signals Airflow's api-server", () => {
    expect(cluster.stack.kafka).toMatchObject({ host: KAFKA_BOOTSTRAP.host, port: 9092 });
    expect(cluster.lake.metrics).toEqual({ host: '0.0.0.0', port: LAKE_SINK.metricsPort });
    expect(cluster.lake.retrainingTrigger['airflowUrl']).toBe(AIRFLOW_API_URL);
  });

  it('keeps everything else of the repository config (topics, tables, batches, retention, catalog name)', () => {
    const lake = raw['lake'] as Json;
    expect({
      ...cluster.lake,
      metrics: lake['metrics'],
      retrainingTrigger: lake['retrainingTrigger'],
    }).toEqual(lake);
    expect((cluster.stack.kafka as { topics: unknown }).topics).toEqual(config.stack.kafka.topics);
  });
});

describe('the lake-sink Deployment', () => {
  it('runs the sink with the generated config, its metrics port and the config catalog name', () => {
    expect(checkLakeSink(base, catalogName).map(formatProblem)).toEqual([]);
  });

  it('fails on a metrics port other than the one the config sets', () => {
    const planted = plantedDeployment((pod) => {
      (sinkContainer(pod)['ports'] as Json[])[0] = { name: 'metrics', containerPort: 9102 };
    });
    expect(checkLakeSink(planted, catalogName).map(formatProblem)).toEqual([
      'deploy/k8s/base/lake: Deployment/lake-sink: [structure] must name port 9464 "metrics" (the config\'s lake.metrics.port)',
    ]);
  });

  it('fails when the config is mounted elsewhere than the command reads it', () => {
    const planted = plantedDeployment((pod) => {
      (sinkContainer(pod)['volumeMounts'] as Json[])[0] = { name: 'config', mountPath: '/config' };
    });
    expect(checkLakeSink(planted, catalogName).map(formatProblem)).toEqual([
      'deploy/k8s/base/lake: Deployment/lake-sink: [structure] does not mount the ConfigMap lake-config at /etc/fraudops',
    ]);
  });

  it("fails on pyiceberg settings for another catalog than the config's (pyiceberg would ignore them)", () => {
    expect(checkLakeSink(base, 'lake').map(formatProblem)).toEqual([
      "deploy/k8s/base/lake: Deployment/lake-sink: [structure] gives pyiceberg's settings for catalog(s) FRAUDOPS; lake.catalog.name is lake (PYICEBERG_CATALOG__LAKE__*)",
    ]);
  });

  it('fails when the Deployment is gone', () => {
    const without = base.filter(
      (o) => !(o['kind'] === 'Deployment' && (o['metadata'] as Json)['name'] === 'lake-sink'),
    );
    expect(checkLakeSink(without, catalogName).map(formatProblem)).toEqual([
      'deploy/k8s/base/lake: Deployment/lake-sink: [structure] is missing',
    ]);
  });
});

describe("the managed Kafka's topics (deploy/terraform, kafka_topics)", () => {
  const variablesTf = readFileSync(join(repositoryRoot, 'deploy/terraform/variables.tf'), 'utf8');
  const topics = kafkaTopics(config.stack.kafka.topics);

  it("are the stream's topics with their partitions", () => {
    expect(terraformKafkaTopics(variablesTf).size).toBe(topics.length);
    expect(checkManagedKafkaTopics(variablesTf, topics).map(formatProblem)).toEqual([]);
  });

  it('fail on the copy before this check (scores with 6 partitions, no labels or lake dead-letter topic)', () => {
    const old = variablesTf
      .replace(/"scores"( +)= 3/, '"scores"$1= 6')
      .replace(/\n *"labels" *= 3/, '')
      .replace(/\n *"lake.dead-letter" *= 1/, '');
    const stream = "in Terraform; the stream's topic (fraudops.config.json, @fraudops/stack kafkaTopics)";
    expect(checkManagedKafkaTopics(old, topics).map(formatProblem)).toEqual([
      `deploy/terraform/variables.tf: kafka_topics["labels"]: [structure] does not exist ${stream} has 3 partitions`,
      `deploy/terraform/variables.tf: kafka_topics["lake.dead-letter"]: [structure] does not exist ${stream} has 1 partitions`,
      `deploy/terraform/variables.tf: kafka_topics["scores"]: [structure] has 6 partitions ${stream} has 3 partitions`,
    ]);
  });
});

describe('the retraining in the cluster reads the lake the sink writes', () => {
  const values = parse(
    readFileSync(join(repositoryRoot, 'deploy/gitops/values/airflow.yaml'), 'utf8'),
  ) as Json;
  const sinkPod = (
    base.find((o) => o['kind'] === 'Deployment' && (o['metadata'] as Json)['name'] === LAKE_SINK.name) as {
      spec: { template: { spec: { containers: { env: unknown[] }[] } } };
    }
  ).spec.template.spec;
  const sink = containerEnvironment(sinkPod.containers[0]?.env ?? []);

  it('same catalog Secret, warehouse and Object Storage settings, and a key of its own', () => {
    expect(checkAirflowReadsTheLake(sink, airflowChartEnvironment(values)).map(formatProblem)).toEqual([]);
    expect(airflowChartEnvironment(values).get('PYICEBERG_CATALOG__FRAUDOPS__S3__ACCESS_KEY_ID')).toEqual({
      secret: 'lake-reader-s3',
      key: 'access-key-id',
    });
  });

  it('fails on the values before the lake (the task pods would open a SQLite catalog under /etc/fraudops)', () => {
    const before = { ...values, env: (values['env'] as Json[]).slice(0, 2), secret: undefined };
    expect(checkAirflowReadsTheLake(sink, airflowChartEnvironment(before)).map((p) => p.subject)).toEqual([
      'FRAUDOPS_LAKE_CATALOG_URI',
      'FRAUDOPS_LAKE_WAREHOUSE',
      'PYICEBERG_CATALOG__FRAUDOPS__S3__ACCESS_KEY_ID',
      'PYICEBERG_CATALOG__FRAUDOPS__S3__ENDPOINT',
      'PYICEBERG_CATALOG__FRAUDOPS__S3__REGION',
      'PYICEBERG_CATALOG__FRAUDOPS__S3__SECRET_ACCESS_KEY',
    ]);
  });

  it('fails on a warehouse edited in one place only', () => {
    const env = (values['env'] as Json[]).map((e) =>
      e['name'] === 'FRAUDOPS_LAKE_WAREHOUSE' ? { ...e, value: 's3://my-lake/warehouse' } : e,
    );
    expect(
      checkAirflowReadsTheLake(sink, airflowChartEnvironment({ ...values, env })).map(formatProblem),
    ).toEqual([
      'deploy/gitops/values/airflow.yaml: FRAUDOPS_LAKE_WAREHOUSE: [structure] is s3://my-lake/warehouse for the retraining but s3://fraudops-lake/warehouse for the lake sink (deploy/k8s/base/lake/deployment.yaml)',
    ]);
  });
});

describe("the node sizing counts the lake's pods as their manifests request them", () => {
  const sizing = terraformWorkloads(
    readFileSync(join(repositoryRoot, 'deploy/terraform/modules/node-sizing/variables.tf'), 'utf8'),
  );
  const sink = base.find(
    (o) => o['kind'] === 'Deployment' && (o['metadata'] as Json)['name'] === 'lake-sink',
  ) as {
    spec: { replicas: number; template: { spec: { containers: { resources: { requests: unknown } }[] } } };
  };
  const catalog = readManifests(join(repositoryRoot, 'deploy/gitops/platform/databases'))
    .map((m) => m.object)
    .find((o) => o['kind'] === 'Cluster' && (o['metadata'] as Json)['name'] === 'lake-db') as {
    spec: { instances: number; resources: { requests: unknown } };
  };

  it('the sink: its container requests times its replicas', () => {
    const requested = requestedBy(
      sink.spec.template.spec.containers[0]?.resources.requests,
      sink.spec.replicas,
    );
    expect(requested).toEqual({ cpu_m: 150, memory_mi: 512, replicas: 1 });
    expect(sizing.get('lake-sink')).toEqual(requested);
  });

  it('the catalog: lake-db requests times its instances', () => {
    expect(sizing.get('postgresql lake catalog')).toEqual(
      requestedBy(catalog.spec.resources.requests, catalog.spec.instances),
    );
  });

  it('reads every row of the sizing (the parse misses none)', () => {
    expect(sizing.size).toBe(22); // the rows of docs/deploy.md's sizing table
    expect(requestedBy({ cpu: '1', memory: '1Gi' }, 2)).toEqual({
      cpu_m: 1000,
      memory_mi: 1024,
      replicas: 2,
    });
  });
});

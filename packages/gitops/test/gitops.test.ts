import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { loadProjectConfig, repositoryRoot } from '@fraudops/config';
import { readManifests } from '@fraudops/manifest-policy';
import { renderManifests } from '@fraudops/manifest-schemas';
import {
  ADMINISTRATOR_RECEIVER,
  GROUP_BY,
  LOW_PRIORITY_RECEIVER,
  MODEL_OWNER_LABEL,
  MODEL_OWNER_RECEIVER,
  PROD_TIMINGS,
} from '@fraudops/monitoring';
import { DAGS_BUNDLE_NAME } from '@fraudops/stack';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  applications,
  appsChartDir,
  appsChartTestValues,
  renderApplications,
  checkPostgresClusters,
  checkReplicasOwnedByHpa,
  checkSources,
  checkSyncWaves,
  clusterConfigFile,
  formatProblem,
  generatedGitopsFiles,
  gitopsDir,
  type ApplicationView,
  type GitopsObject,
} from '../src/index.ts';

// The plain manifests of deploy/gitops and the child Applications the app-of-apps chart renders with the values
// the root Application passes (its offline test values: a fork's URL).
const objects: GitopsObject[] = [...readManifests(gitopsDir), ...renderApplications()];
const apps = applications(objects);
const repository = {
  url: appsChartTestValues().repoURL,
  exists: (path: string) => existsSync(join(repositoryRoot, path)),
};
const rendered = renderManifests();

function objectsOf(app: ApplicationView): Record<string, unknown>[] {
  const path = app.sources.find((s) => s.path !== undefined)?.path;
  if (path === undefined) return [];
  const fromKustomize = rendered.filter((o) => o.source === `${path} (kustomize build)`);
  if (fromKustomize.length > 0) return fromKustomize.map((o) => o.object as Record<string, unknown>);
  return objects.filter((o) => o.file.startsWith(`${path}/`)).map((o) => o.object);
}

describe('the generated files of deploy/gitops', () => {
  it.each([...generatedGitopsFiles()].map(([path, content]) => [relative(repositoryRoot, path), content]))(
    '%s equals what its source renders (run npm run generate --workspace @fraudops/gitops)',
    (path, content) => {
      expect(readFileSync(join(repositoryRoot, path), 'utf8')).toBe(content);
    },
  );

  it('gives Kafka the embedded stack topics of the config', () => {
    const config = loadProjectConfig();
    const topics = objects.filter((o) => o.object['kind'] === 'KafkaTopic');
    expect(topics.map((t) => (t.object['spec'] as { topicName: string }).topicName).sort()).toEqual(
      Object.values(config.stack.kafka.topics).sort(),
    );
  });

  it('moves every path the retraining writes onto the task volume, and nothing else', () => {
    const raw = JSON.parse(readFileSync(loadProjectConfig().configFile, 'utf8')) as Record<string, unknown>;
    const cluster = clusterConfigFile(raw) as typeof raw & { retraining: { workDir: string; dagId: string } };
    expect(cluster.retraining.workDir).toBe('/work/retraining');
    expect(cluster.retraining.dagId).toBe((raw['retraining'] as { dagId: string }).dagId);
    expect(cluster['stack']).toEqual(raw['stack']);
  });
});

describe('the Argo CD applications', () => {
  it('are an app of apps: the chart deploy/gitops/apps renders one Application per component', () => {
    expect(new Set(apps.map((a) => a.file.split('/').slice(0, 4).join('/')))).toEqual(
      new Set(['deploy/gitops/apps/templates']),
    );
    expect(apps.map((a) => a.name).sort()).toEqual(
      [
        'airflow',
        'cloudnative-pg',
        'envoy-gateway',
        'fraudops',
        'kube-prometheus-stack',
        'mlflow',
        'platform-airflow',
        'platform-alerting',
        'platform-databases',
        'platform-gateway',
        'platform-kafka',
        'strimzi',
      ].sort(),
    );
  });

  it('pin every chart, use one repository, and name paths and value files that exist', () => {
    expect(checkSources(apps, repository).map(formatProblem)).toEqual([]);
  });

  it('sync the repository and revision the root Application passes, whatever they are', () => {
    const fork = { repoURL: 'ssh://git@git.example.org/ops/fraud.git', targetRevision: 'release-7' };
    const followed = applications(renderApplications(fork));
    const ownSources = followed.flatMap((a) => a.sources.filter((s) => s.chart === undefined));
    // Every child but the operators' charts without values reads this repository (a path or the values).
    expect(ownSources.length).toBeGreaterThanOrEqual(followed.length - 1);
    for (const source of ownSources)
      expect({ repoURL: source.repoURL, targetRevision: source.targetRevision }).toEqual(fork);
    expect(checkSources(followed, { ...repository, url: fork.repoURL }).map(formatProblem)).toEqual([]);
  });

  it('refuse to render without the repository (the root Application must pass it)', () => {
    expect(() => renderApplications({ repoURL: '' })).toThrow(
      /repoURL is not set: the root Application passes it from Terraform's gitops_repo_url/,
    );
  });

  it('sync operators before the objects that need their CRDs, and services before their users', () => {
    expect(checkSyncWaves(apps, objectsOf).map(formatProblem)).toEqual([]);
  });

  it('leave the scoring API replicas to the HPA', () => {
    const fraudops = apps.find((a) => a.name === 'fraudops');
    if (fraudops === undefined) throw new Error('no fraudops Application');
    expect(fraudops.sources[0]?.path).toBe('deploy/k8s/overlays/yandex');
    expect(checkReplicasOwnedByHpa(fraudops)).toEqual([]);
  });

  it('give PostgreSQL clusters the structure CloudNativePG needs (no CRD schema offline)', () => {
    expect(checkPostgresClusters(objects).map(formatProblem)).toEqual([]);
    expect(
      objects
        .filter((o) => o.object['kind'] === 'Cluster')
        .map((o) => (o.object['metadata'] as { name: string }).name)
        .sort(),
    ).toEqual(['airflow-db', 'lake-db', 'mlflow-db']);
  });
});

describe('the checks fail on planted mistakes', () => {
  it('a child Application that names a repository of its own (as every child did before the chart)', () => {
    const chart = join(mkdtempSync(join(tmpdir(), 'apps-chart-')), 'apps');
    try {
      cpSync(appsChartDir, chart, { recursive: true });
      const template = join(chart, 'templates/platform-kafka.yaml');
      writeFileSync(
        template,
        readFileSync(template, 'utf8').replace(
          /repoURL: .*/,
          'repoURL: https://github.com/fraudops/fraudops.git',
        ),
      );
      const planted = applications(renderApplications({}, chart)).filter((a) => a.name === 'platform-kafka');
      expect(checkSources(planted, repository).map((p) => `[${p.rule}] ${p.message}`)).toEqual([
        `[same-repository] git source https://github.com/fraudops/fraudops.git differs from the root Application's ${repository.url}`,
      ]);
    } finally {
      rmSync(join(chart, '..'), { recursive: true, force: true });
    }
  });

  const chartApp = apps.find((a) => a.name === 'kube-prometheus-stack');
  if (chartApp === undefined) throw new Error('no kube-prometheus-stack Application');

  it('a chart range instead of a version', () => {
    const planted = {
      ...chartApp,
      sources: chartApp.sources.map((s) => (s.chart ? { ...s, targetRevision: '82.*' } : s)),
    };
    expect(checkSources([planted], repository).map(formatProblem)).toEqual([
      'deploy/gitops/apps/templates/kube-prometheus-stack.yaml: Application/kube-prometheus-stack: [chart-pinned] chart kube-prometheus-stack must be pinned to an exact version, not "82.*"',
    ]);
  });

  it('a value file that does not exist', () => {
    const planted = {
      ...chartApp,
      sources: chartApp.sources.map((s) =>
        s.chart ? { ...s, valueFiles: ['$values/deploy/gitops/values/missing.yaml'] } : s,
      ),
    };
    expect(checkSources([planted], repository).map(formatProblem).join('\n')).toContain(
      '[values-file-exists] value file deploy/gitops/values/missing.yaml does not exist',
    );
  });

  it('custom resources synced in the same wave as their operator', () => {
    const planted = apps.map((a) => (a.name === 'platform-kafka' ? { ...a, wave: -3 } : a));
    expect(checkSyncWaves(planted, objectsOf).map(formatProblem)).toContainEqual(
      'deploy/gitops/apps/templates/platform-kafka.yaml: Application/platform-kafka: [sync-wave-order] is in wave -3 but needs strimzi (wave -3) for its kafka.strimzi.io objects: it must come in a later wave',
    );
  });

  it('replicas not ignored', () => {
    const fraudops = apps.find((a) => a.name === 'fraudops');
    if (fraudops === undefined) throw new Error('no fraudops Application');
    const spec = { ...(fraudops.object['spec'] as Record<string, unknown>), ignoreDifferences: [] };
    expect(checkReplicasOwnedByHpa({ ...fraudops, object: { ...fraudops.object, spec } })).toHaveLength(1);
  });

  it('a PostgreSQL cluster with a misspelt field', () => {
    const cluster = objects.find((o) => o.object['kind'] === 'Cluster');
    if (cluster === undefined) throw new Error('no Cluster');
    const planted = structuredClone(cluster);
    (planted.object['spec'] as Record<string, unknown>)['instance'] = 2;
    expect(checkPostgresClusters([planted]).map(formatProblem).join('\n')).toContain(
      'spec.instance is not a field',
    );
  });
});

describe('the Gateway', () => {
  it('listens for cloud.host, the host the scoring API route serves', () => {
    const gateway = objects.find((o) => o.object['kind'] === 'Gateway');
    const listeners = (gateway?.object['spec'] as { listeners: { name: string; hostname: string }[] })
      .listeners;
    expect(listeners.find((l) => l.name === 'http')?.hostname).toBe(loadProjectConfig().cloud.host);
  });
});

describe("the cluster's Alertmanager routing", () => {
  const alerting = objects.find((o) => o.object['kind'] === 'AlertmanagerConfig');
  const spec = alerting?.object['spec'] as {
    route: {
      receiver: string;
      groupBy: string[];
      groupWait: string;
      groupInterval: string;
      repeatInterval: string;
      routes: { receiver: string; matchers: { name: string; value: string }[] }[];
    };
    receivers: { name: string; telegramConfigs?: unknown[]; emailConfigs?: unknown[] }[];
  };

  it("equals the embedded stack's: receivers, grouping, timings, the model's page to its owner, other critical alerts to the administrator", () => {
    expect(spec.route.receiver).toBe(LOW_PRIORITY_RECEIVER);
    expect(spec.route.groupBy).toEqual([...GROUP_BY]);
    expect({
      groupWait: spec.route.groupWait,
      groupInterval: spec.route.groupInterval,
      repeatInterval: spec.route.repeatInterval,
    }).toEqual(PROD_TIMINGS);
    expect(spec.route.routes).toEqual([
      {
        receiver: MODEL_OWNER_RECEIVER,
        matchers: [
          { name: MODEL_OWNER_LABEL.name, value: MODEL_OWNER_LABEL.value },
          { name: 'severity', value: 'critical' },
        ],
      },
      { receiver: ADMINISTRATOR_RECEIVER, matchers: [{ name: 'severity', value: 'critical' }] },
    ]);
  });

  it('pages the administrator on Telegram and by e-mail, and never sends a warning to Telegram', () => {
    const receiver = (name: string) => spec.receivers.find((r) => r.name === name);
    expect(receiver(ADMINISTRATOR_RECEIVER)?.telegramConfigs).toHaveLength(1);
    expect(receiver(ADMINISTRATOR_RECEIVER)?.emailConfigs).toHaveLength(1);
    expect(receiver(LOW_PRIORITY_RECEIVER)?.telegramConfigs).toBeUndefined();
    expect(receiver(LOW_PRIORITY_RECEIVER)?.emailConfigs).toHaveLength(1);
    expect(receiver(MODEL_OWNER_RECEIVER)?.telegramConfigs).toBeUndefined();
    expect(receiver(MODEL_OWNER_RECEIVER)?.emailConfigs).toHaveLength(1);
  });
});

describe('the platform agrees with the rest of the repository', () => {
  const valuesOf = (name: string): Record<string, unknown> =>
    parse(readFileSync(join(gitopsDir, 'values', `${name}.yaml`), 'utf8')) as Record<string, unknown>;

  it("runs the embedded stack's Kafka version (tools/kafka/pom.xml)", () => {
    const pom = readFileSync(join(repositoryRoot, 'tools/kafka/pom.xml'), 'utf8');
    const kafka = objects.find((o) => o.object['kind'] === 'Kafka');
    expect((kafka?.object['spec'] as { kafka: { version: string } }).kafka.version).toBe(
      /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)?.[1],
    );
  });

  it('lets MLflow answer every client that uses its Service name (its Host header check)', () => {
    const allowed = (valuesOf('mlflow')['serverAllowedHosts'] as string[] | undefined) ?? [];
    const admits = (host: string): boolean =>
      allowed.some((pattern) =>
        new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(host),
      );
    const uris = [...trackingUris(rendered.map((o) => o.object)), ...trackingUris(valuesOf('airflow'))];
    expect(uris.length).toBeGreaterThanOrEqual(2);
    for (const uri of uris) expect(admits(new URL(uri).host), uri).toBe(true);
  });

  it("reads the DAG with the embedded stack's bundle: name, connection, branch and sub-folder", () => {
    const { dagsRepository } = loadProjectConfig().retraining;
    const config = valuesOf('airflow')['config'] as { dag_processor: { dag_bundle_config_list: string } };
    const bundles = JSON.parse(config.dag_processor.dag_bundle_config_list) as {
      name: string;
      kwargs: Record<string, unknown>;
    }[];
    expect(bundles).toHaveLength(1);
    expect(bundles[0]?.name).toBe(DAGS_BUNDLE_NAME);
    expect(bundles[0]?.kwargs).toMatchObject({
      git_conn_id: dagsRepository.gitConnId,
      tracking_ref: dagsRepository.branch,
      subdir: dagsRepository.subdir,
    });
  });
});

/** Every MLFLOW_TRACKING_URI value in these objects: ConfigMap data and container env entries. */
function trackingUris(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(trackingUris);
  if (node === null || typeof node !== 'object') return [];
  const object = node as Record<string, unknown>;
  const here =
    typeof object['MLFLOW_TRACKING_URI'] === 'string'
      ? [object['MLFLOW_TRACKING_URI']]
      : object['name'] === 'MLFLOW_TRACKING_URI' && typeof object['value'] === 'string'
        ? [object['value']]
        : [];
  return [...here, ...Object.values(object).flatMap(trackingUris)];
}

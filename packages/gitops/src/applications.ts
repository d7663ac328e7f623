// Structural checks of the Argo CD applications in deploy/gitops, as pure functions over parsed objects. The
// schemas say an Application is well formed; these say it is right for this repository: charts pinned to an
// exact version, paths and value files that exist, operators synced before the custom resources they serve,
// and the scoring API's replicas left to the HPA.

export interface GitopsObject {
  /** The file, relative to the repository root. */
  file: string;
  object: Record<string, unknown>;
}

export interface GitopsProblem {
  file: string;
  subject: string;
  rule:
    | 'chart-pinned'
    | 'same-repository'
    | 'path-exists'
    | 'values-file-exists'
    | 'sync-wave-order'
    | 'replicas-owned-by-hpa'
    | 'structure';
  message: string;
}

export function formatProblem(p: GitopsProblem): string {
  return `${p.file}: ${p.subject}: [${p.rule}] ${p.message}`;
}

type Json = Record<string, unknown>;
const asObject = (value: unknown): Json =>
  value !== null && typeof value === 'object' ? (value as Json) : {};
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

export interface ApplicationSource {
  repoURL: string;
  targetRevision: string;
  chart?: string;
  path?: string;
  ref?: string;
  valueFiles: string[];
}

export interface ApplicationView {
  file: string;
  name: string;
  wave: number;
  sources: ApplicationSource[];
  object: Json;
}

export function applications(objects: readonly GitopsObject[]): ApplicationView[] {
  return objects
    .filter(
      ({ object }) => object['kind'] === 'Application' && object['apiVersion'] === 'argoproj.io/v1alpha1',
    )
    .map(({ file, object }) => {
      const metadata = asObject(object['metadata']);
      const spec = asObject(object['spec']);
      const rawSources = spec['sources'] !== undefined ? asArray(spec['sources']) : [spec['source']];
      return {
        file,
        name: text(metadata['name']),
        wave: Number(text(asObject(metadata['annotations'])['argocd.argoproj.io/sync-wave']) || '0'),
        object,
        sources: rawSources.map((raw) => {
          const source = asObject(raw);
          return {
            repoURL: text(source['repoURL']),
            targetRevision: text(source['targetRevision']),
            ...(source['chart'] !== undefined ? { chart: text(source['chart']) } : {}),
            ...(source['path'] !== undefined ? { path: text(source['path']) } : {}),
            ...(source['ref'] !== undefined ? { ref: text(source['ref']) } : {}),
            valueFiles: asArray(asObject(source['helm'])['valueFiles']).map(text),
          };
        }),
      };
    });
}

const EXACT_VERSION = /^v?\d+\.\d+\.\d+$/;

export interface RepositoryView {
  /** The repository URL every git source must use (the root Application's). */
  url: string;
  /** Whether a path exists in the repository. */
  exists: (path: string) => boolean;
}

/** Pinned charts, one repository, existing paths and value files. */
export function checkSources(apps: readonly ApplicationView[], repository: RepositoryView): GitopsProblem[] {
  const problems: GitopsProblem[] = [];
  for (const app of apps) {
    const subject = `Application/${app.name}`;
    const refs = new Set(app.sources.flatMap((s) => (s.ref === undefined ? [] : [s.ref])));
    for (const source of app.sources) {
      if (source.chart !== undefined) {
        if (!EXACT_VERSION.test(source.targetRevision))
          problems.push({
            file: app.file,
            subject,
            rule: 'chart-pinned',
            message: `chart ${source.chart} must be pinned to an exact version, not "${source.targetRevision}"`,
          });
        for (const valueFile of source.valueFiles) {
          const match = /^\$([a-z0-9-]+)\/(.+)$/.exec(valueFile);
          if (match === null || !refs.has(match[1] ?? '')) {
            problems.push({
              file: app.file,
              subject,
              rule: 'values-file-exists',
              message: `value file ${valueFile} must be $<ref>/<path> with a source of that ref`,
            });
          } else if (!repository.exists(match[2] ?? '')) {
            problems.push({
              file: app.file,
              subject,
              rule: 'values-file-exists',
              message: `value file ${match[2] ?? ''} does not exist in the repository`,
            });
          }
        }
        continue;
      }
      if (source.repoURL !== repository.url)
        problems.push({
          file: app.file,
          subject,
          rule: 'same-repository',
          message: `git source ${source.repoURL} differs from the root Application's ${repository.url}`,
        });
      if (source.path !== undefined && !repository.exists(source.path))
        problems.push({
          file: app.file,
          subject,
          rule: 'path-exists',
          message: `path ${source.path} does not exist in the repository`,
        });
    }
  }
  return problems;
}

/**
 * The Application that installs each API group's CRDs. An Application whose objects belong to one of these
 * groups must sync in a later wave, or its first sync fails on an unknown kind.
 */
export const CRD_PROVIDERS: Readonly<Record<string, string>> = {
  'monitoring.coreos.com': 'kube-prometheus-stack',
  'gateway.networking.k8s.io': 'envoy-gateway',
  'gateway.envoyproxy.io': 'envoy-gateway',
  'kafka.strimzi.io': 'strimzi',
  'postgresql.cnpg.io': 'cloudnative-pg',
};

/** Runtime needs beyond CRDs: a service must find its database, the scoring API its registry and Kafka. */
export const RUNTIME_NEEDS: Readonly<Record<string, readonly string[]>> = {
  mlflow: ['platform-databases'],
  airflow: ['platform-databases', 'platform-airflow'],
  fraudops: ['mlflow', 'platform-kafka', 'platform-gateway'],
};

/** objectsOf(app) → the objects the Application syncs (rendered for kustomize paths). */
export function checkSyncWaves(
  apps: readonly ApplicationView[],
  objectsOf: (app: ApplicationView) => readonly Json[],
): GitopsProblem[] {
  const byName = new Map(apps.map((app) => [app.name, app]));
  const problems: GitopsProblem[] = [];
  for (const app of apps) {
    const groups = new Set(
      objectsOf(app).map((o) => text(o['apiVersion']).split('/').slice(0, -1).join('/')),
    );
    const needs = [
      ...[...groups].flatMap((group) => {
        const provider = CRD_PROVIDERS[group];
        return provider === undefined || provider === app.name
          ? []
          : [{ name: provider, why: `for its ${group} objects` }];
      }),
      ...(RUNTIME_NEEDS[app.name] ?? []).map((name) => ({ name, why: 'to be running when it starts' })),
    ];
    for (const need of needs) {
      const provider = byName.get(need.name);
      if (provider === undefined) {
        problems.push({
          file: app.file,
          subject: `Application/${app.name}`,
          rule: 'sync-wave-order',
          message: `needs the Application ${need.name} (${need.why}), which does not exist`,
        });
      } else if (provider.wave >= app.wave) {
        problems.push({
          file: app.file,
          subject: `Application/${app.name}`,
          rule: 'sync-wave-order',
          message: `is in wave ${app.wave} but needs ${need.name} (wave ${provider.wave}) ${need.why}: it must come in a later wave`,
        });
      }
    }
  }
  return problems;
}

/** The fraudops Application must leave the scoring API's replicas to the HPA. */
export function checkReplicasOwnedByHpa(app: ApplicationView, deployment = 'scoring-api'): GitopsProblem[] {
  const spec = asObject(app.object['spec']);
  const ignores = asArray(spec['ignoreDifferences']).map(asObject);
  const ignored = ignores.some(
    (i) =>
      i['kind'] === 'Deployment' &&
      i['name'] === deployment &&
      asArray(i['jsonPointers']).includes('/spec/replicas'),
  );
  const respected = asArray(asObject(spec['syncPolicy'])['syncOptions']).includes(
    'RespectIgnoreDifferences=true',
  );
  if (ignored && respected) return [];
  return [
    {
      file: app.file,
      subject: `Application/${app.name}`,
      rule: 'replicas-owned-by-hpa',
      message: `must ignore /spec/replicas of Deployment ${deployment} and sync with RespectIgnoreDifferences=true (the HPA owns it)`,
    },
  ];
}

/**
 * CloudNativePG's CRDs are in no registry reachable offline, so its Clusters get this structural check instead
 * of a schema: the fields fraudops relies on, with their types, and no key outside the ones it uses.
 */
export function checkPostgresClusters(objects: readonly GitopsObject[]): GitopsProblem[] {
  const problems: GitopsProblem[] = [];
  const known = new Set([
    'instances',
    'bootstrap',
    'storage',
    'resources',
    'imageName',
    'postgresql',
    'monitoring',
  ]);
  for (const { file, object } of objects) {
    if (object['apiVersion'] !== 'postgresql.cnpg.io/v1' || object['kind'] !== 'Cluster') continue;
    const subject = `Cluster/${text(asObject(object['metadata'])['name'])}`;
    const spec = asObject(object['spec']);
    const fail = (message: string): void => {
      problems.push({ file, subject, rule: 'structure', message });
    };
    for (const key of Object.keys(spec))
      if (!known.has(key)) fail(`spec.${key} is not a field fraudops expects`);
    const instances = spec['instances'];
    if (typeof instances !== 'number' || !Number.isInteger(instances) || instances < 1)
      fail('spec.instances must be a positive integer');
    if (!/^\d+(Mi|Gi|Ti)$/.test(text(asObject(spec['storage'])['size'])))
      fail('spec.storage.size must be a quantity such as 10Gi');
    const initdb = asObject(asObject(spec['bootstrap'])['initdb']);
    if (text(initdb['database']) === '' || text(initdb['owner']) === '')
      fail(
        'spec.bootstrap.initdb needs database and owner (CloudNativePG names the credentials Secret after them)',
      );
  }
  return problems;
}

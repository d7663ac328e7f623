// Reads the autoscaler's inputs from the Kubernetes manifests, so that the twin and the cluster share one
// source: the HorizontalPodAutoscaler (bounds, target, behavior with the server's defaults) and the CPU request
// of its target's pods. Parsing is pure (text in, values out); the file system is touched only by
// `readManifestDir` and `loadAutoscalerManifests`.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repositoryRoot } from '@fraudops/config';
import { parseAllDocuments } from 'yaml';
import { parseQuantityMilli } from './quantity.ts';
import {
  SPEC_DEFAULTS,
  defaultScaleDownRules,
  defaultScaleUpRules,
  type Behavior,
  type CpuUtilizationMetric,
  type HpaSpec,
  type ScalingPolicy,
  type ScalingRules,
  type SelectPolicy,
} from './spec.ts';

/** The Kustomize base this package reads by default. */
export const DEFAULT_MANIFEST_DIR = join(repositoryRoot, 'deploy', 'k8s', 'base');

export interface ManifestFile {
  /** Shown in errors; usually the path relative to the repository root. */
  file: string;
  text: string;
}

/** One Kubernetes object and the file it came from. */
export interface ManifestObject {
  file: string;
  object: Record<string, unknown>;
}

export interface AutoscalerManifests {
  hpa: HpaSpec;
  /** CPU request of one target pod in millicores: what 100% utilization means. */
  podCpuRequestMilli: number;
  files: { hpa: string; deployment: string };
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every object of every (multi-document) YAML file; empty documents are skipped. */
export function parseManifests(files: readonly ManifestFile[]): ManifestObject[] {
  return files.flatMap(({ file, text }) => {
    const objects: ManifestObject[] = [];
    for (const document of parseAllDocuments(text)) {
      const error = document.errors[0];
      if (error !== undefined) throw new Error(`${file}: invalid YAML: ${error.message}`);
      const object: unknown = document.toJS();
      if (object === null || object === undefined) continue;
      if (!isObject(object)) throw new Error(`${file}: a document is not a Kubernetes object`);
      objects.push({ file, object });
    }
    return objects;
  });
}

/** The object of that kind and metadata.name; the error lists the files that were searched. */
export function findObject(objects: readonly ManifestObject[], kind: string, name: string): ManifestObject {
  const found = objects.filter(
    ({ object }) => object.kind === kind && isObject(object.metadata) && object.metadata.name === name,
  );
  if (found.length === 1 && found[0] !== undefined) return found[0];
  const files = [...new Set(objects.map((o) => o.file))].join(', ') || '(no files)';
  if (found.length === 0) throw new Error(`no ${kind} named "${name}" in ${files}`);
  throw new Error(
    `${kind} "${name}" is defined ${found.length} times (${found.map((o) => o.file).join(', ')})`,
  );
}

// --- small field readers that name the offending path -------------------------------------------------

function field(value: unknown, path: string, where: string): Json {
  if (!isObject(value)) throw new Error(`${where}: ${path} must be an object`);
  return value;
}

function integer(
  value: unknown,
  path: string,
  where: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${where}: ${path} must be an integer in [${min}, ${max}], got ${JSON.stringify(value)}`);
  }
  return value;
}

function text(value: unknown, path: string, where: string): string {
  if (typeof value !== 'string' || value === '')
    throw new Error(`${where}: ${path} must be a non-empty string`);
  return value;
}

// --- the HorizontalPodAutoscaler -----------------------------------------------------------------------

function parseMetric(metrics: unknown, where: string): CpuUtilizationMetric {
  // The API server defaults an HPA without metrics to 80% CPU utilization.
  if (metrics === undefined || (Array.isArray(metrics) && metrics.length === 0)) {
    return { type: 'Resource', averageUtilization: SPEC_DEFAULTS.averageUtilization };
  }
  if (!Array.isArray(metrics) || metrics.length !== 1) {
    throw new Error(`${where}: spec.metrics: the local twin supports exactly one metric (CPU utilization)`);
  }
  const metric = field(metrics[0], 'spec.metrics[0]', where);
  const type = metric.type;
  if (type !== 'Resource' && type !== 'ContainerResource') {
    throw new Error(
      `${where}: spec.metrics[0].type ${JSON.stringify(type)} is not supported by the local twin`,
    );
  }
  const key = type === 'Resource' ? 'resource' : 'containerResource';
  const source = field(metric[key], `spec.metrics[0].${key}`, where);
  const target = field(source.target, `spec.metrics[0].${key}.target`, where);
  if (source.name !== 'cpu' || target.type !== 'Utilization') {
    throw new Error(
      `${where}: spec.metrics[0]: the local twin supports only cpu with target type Utilization`,
    );
  }
  const averageUtilization = integer(
    target.averageUtilization,
    `spec.metrics[0].${key}.target.averageUtilization`,
    where,
    1,
  );
  return type === 'Resource'
    ? { type, averageUtilization }
    : {
        type,
        averageUtilization,
        container: text(source.container, `spec.metrics[0].${key}.container`, where),
      };
}

function parsePolicies(value: unknown, path: string, where: string): ScalingPolicy[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new Error(`${where}: ${path} must list at least one policy`);
  }
  return value.map((item, i) => {
    const policy = field(item, `${path}[${i}]`, where);
    if (policy.type !== 'Pods' && policy.type !== 'Percent') {
      throw new Error(`${where}: ${path}[${i}].type must be Pods or Percent`);
    }
    return {
      type: policy.type,
      value: integer(policy.value, `${path}[${i}].value`, where, 1),
      periodSeconds: integer(policy.periodSeconds, `${path}[${i}].periodSeconds`, where, 1, 1800),
    };
  });
}

/** Like the API server's copyHPAScalingRules: every field set in the manifest replaces the default. */
function parseScalingRules(
  value: unknown,
  defaults: ScalingRules,
  path: string,
  where: string,
): ScalingRules {
  if (value === undefined || value === null) return defaults;
  const rules = field(value, path, where);
  const selectPolicy = rules.selectPolicy ?? defaults.selectPolicy;
  if (selectPolicy !== 'Max' && selectPolicy !== 'Min' && selectPolicy !== 'Disabled') {
    throw new Error(`${where}: ${path}.selectPolicy must be Max, Min or Disabled`);
  }
  const tolerance =
    rules.tolerance === undefined
      ? defaults.tolerance
      : parseQuantityMilli(rules.tolerance as string | number) / 1000;
  if (tolerance < 0) throw new Error(`${where}: ${path}.tolerance must not be negative`);
  return {
    stabilizationWindowSeconds:
      rules.stabilizationWindowSeconds === undefined
        ? defaults.stabilizationWindowSeconds
        : integer(rules.stabilizationWindowSeconds, `${path}.stabilizationWindowSeconds`, where, 0, 3600),
    selectPolicy: selectPolicy satisfies SelectPolicy,
    policies:
      rules.policies === undefined
        ? defaults.policies
        : parsePolicies(rules.policies, `${path}.policies`, where),
    tolerance,
  };
}

function parseBehavior(value: unknown, where: string): Behavior | undefined {
  if (value === undefined || value === null) return undefined;
  const behavior = field(value, 'spec.behavior', where);
  return {
    scaleUp: parseScalingRules(behavior.scaleUp, defaultScaleUpRules(), 'spec.behavior.scaleUp', where),
    scaleDown: parseScalingRules(
      behavior.scaleDown,
      defaultScaleDownRules(),
      'spec.behavior.scaleDown',
      where,
    ),
  };
}

/** An autoscaling/v2 HorizontalPodAutoscaler as the controller sees it after the API server's defaulting. */
export function parseHpa({ file, object }: ManifestObject): HpaSpec {
  const metadata = field(object.metadata, 'metadata', file);
  const where = `${file} (HorizontalPodAutoscaler ${String(metadata.name)})`;
  if (object.apiVersion !== 'autoscaling/v2') {
    throw new Error(`${where}: apiVersion must be autoscaling/v2, got ${JSON.stringify(object.apiVersion)}`);
  }
  const spec = field(object.spec, 'spec', where);
  const ref = field(spec.scaleTargetRef, 'spec.scaleTargetRef', where);
  const minReplicas =
    spec.minReplicas === undefined
      ? SPEC_DEFAULTS.minReplicas
      : integer(spec.minReplicas, 'spec.minReplicas', where, 1);
  const maxReplicas = integer(spec.maxReplicas, 'spec.maxReplicas', where, minReplicas);
  const behavior = parseBehavior(spec.behavior, where);
  return {
    name: text(metadata.name, 'metadata.name', where),
    target: {
      kind: text(ref.kind, 'spec.scaleTargetRef.kind', where),
      name: text(ref.name, 'spec.scaleTargetRef.name', where),
    },
    minReplicas,
    maxReplicas,
    metric: parseMetric(spec.metrics, where),
    ...(behavior === undefined ? {} : { behavior }),
  };
}

// --- the target's CPU request --------------------------------------------------------------------------

/**
 * The CPU request of one pod of a Deployment in millicores, as the HPA computes it: the named container's
 * (ContainerResource metric), or the sum over the containers and restartable (sidecar) init containers.
 * A container without a CPU request is an error, as it is for the HPA (utilization is undefined).
 */
export function podCpuRequestMilli({ file, object }: ManifestObject, container?: string): number {
  const metadata = field(object.metadata, 'metadata', file);
  const where = `${file} (${String(object.kind)} ${String(metadata.name)})`;
  const podSpec = field(
    field(field(object.spec, 'spec', where).template, 'spec.template', where).spec,
    'spec.template.spec',
    where,
  );
  const list = (value: unknown): unknown[] => (Array.isArray(value) ? (value as unknown[]) : []);
  const containers = [
    ...list(podSpec.containers),
    ...list(podSpec.initContainers).filter((c) => isObject(c) && c.restartPolicy === 'Always'),
  ].map((c, i) => field(c, `containers[${i}]`, where));
  const counted = container === undefined ? containers : containers.filter((c) => c.name === container);
  if (counted.length === 0) {
    throw new Error(
      container === undefined ? `${where}: no containers` : `${where}: no container named "${container}"`,
    );
  }
  return counted.reduce((sum, c) => {
    const requests = isObject(c.resources) && isObject(c.resources.requests) ? c.resources.requests : {};
    const cpu = requests.cpu;
    if (typeof cpu !== 'string' && typeof cpu !== 'number') {
      throw new Error(`${where}: missing request for cpu in container ${String(c.name)}`);
    }
    const milli = parseQuantityMilli(cpu);
    if (milli <= 0)
      throw new Error(`${where}: the cpu request of container ${String(c.name)} must be positive`);
    return sum + milli;
  }, 0);
}

/** The HPA and its scale target's pod CPU request, from already-read manifest files. */
export function resolveAutoscalerManifests(
  files: readonly ManifestFile[],
  hpaName: string,
): AutoscalerManifests {
  const objects = parseManifests(files);
  const hpaObject = findObject(objects, 'HorizontalPodAutoscaler', hpaName);
  const hpa = parseHpa(hpaObject);
  const targetObject = findObject(objects, hpa.target.kind, hpa.target.name);
  return {
    hpa,
    podCpuRequestMilli: podCpuRequestMilli(targetObject, hpa.metric.container),
    files: { hpa: hpaObject.file, deployment: targetObject.file },
  };
}

// --- the I/O edge --------------------------------------------------------------------------------------

/** Every *.yaml / *.yml under `dir` (recursively, sorted), except Kustomize's own kustomization file. */
export function readManifestDir(dir: string): ManifestFile[] {
  const entries = readdirSync(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name) && !/^kustomization\.ya?ml$/.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort()
    .map((path) => ({ file: relative(repositoryRoot, path), text: readFileSync(path, 'utf8') }));
}

/** Reads the HPA (default `scoring-api`) and its target's CPU request from the manifests in `dir`. */
export function loadAutoscalerManifests(
  options: { dir?: string; hpaName?: string } = {},
): AutoscalerManifests {
  const dir = options.dir ?? DEFAULT_MANIFEST_DIR;
  return resolveAutoscalerManifests(readManifestDir(dir), options.hpaName ?? 'scoring-api');
}

// Renders every Kubernetes object fraudops deploys (kustomize for deploy/k8s, helm template for the app-of-apps
// chart, plain files for the rest of deploy/gitops) and validates each with kubeconform against the target
// cluster's schemas and the operators' CRDs, offline.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { repositoryRoot } from '@fraudops/config';
import { holdsManifests } from '@fraudops/manifest-policy';
import { parseAllDocuments, stringify } from 'yaml';
import {
  kubernetesPatchVersion,
  kubernetesSchemaFolder,
  schemaLocations,
  toolsBinDir,
} from './schema-store.ts';

/**
 * API groups whose CRDs no registry reachable offline publishes (CloudNativePG's repository is not served by
 * the Go proxy, and it publishes no artifact with them): packages/gitops checks them structurally instead.
 */
export const STRUCTURALLY_CHECKED_GROUPS = ['postgresql.cnpg.io'];

export interface RenderedObject {
  /** The file, `<kustomization dir> (kustomize build)` or `<chart dir> (helm template)` the object comes from. */
  source: string;
  object: { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } };
}

export interface SchemaViolation {
  source: string;
  object: string;
  message: string;
}

export interface ValidationResult {
  checked: RenderedObject[];
  skipped: RenderedObject[];
  violations: SchemaViolation[];
}

export function tool(name: string): string {
  const path = join(toolsBinDir, name);
  if (!existsSync(path)) {
    throw new Error(
      `${relative(repositoryRoot, path)} is missing: run scripts/setup --with-test-tools (it builds the pinned tools from tools/deploy-tools)`,
    );
  }
  return path;
}

/** The values a chart is rendered with offline: its ci/test-values.yaml (chart-testing's convention). */
export const chartTestValues = (chartDir: string): string => join(chartDir, 'ci', 'test-values.yaml');

/**
 * `helm template` of a chart with its offline test values plus `--set` overrides; throws with helm's own message
 * (a `required` value missing, a template error).
 */
export function renderChart(
  chartDir: string,
  set: Record<string, string> = {},
  valuesFiles = [chartTestValues(chartDir)],
): string {
  const args = ['template', chartDir, ...valuesFiles.flatMap((file) => ['-f', file])];
  for (const [key, value] of Object.entries(set)) args.push('--set-string', `${key}=${value}`);
  const run = spawnSync(tool('helm'), args, { encoding: 'utf8' });
  if (run.error) throw run.error;
  if (run.status !== 0)
    throw new Error(`helm template ${relative(repositoryRoot, chartDir)}: ${run.stderr.trim()}`);
  return run.stdout;
}

/** The kustomizations (folders with a kustomization.yaml), charts and plain manifest files under deployDir. */
export function manifestSources(deployDir: string): {
  kustomizations: string[];
  charts: string[];
  files: string[];
} {
  const entries = readdirSync(deployDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  // A chart's own folder does not hold manifests as written (holdsManifests), but it is rendered whole,
  // unless it sits where nothing is deployed from (Helm values, Terraform).
  const charts = entries
    .filter((e) => e.name === 'Chart.yaml')
    .map((e) => e.parentPath)
    .filter((dir) => holdsManifests(join(dirname(dir), 'x.yaml'), deployDir))
    .sort();
  const excluded = (path: string): boolean => !holdsManifests(path, deployDir);
  const kustomizations = entries
    .filter((e) => /^kustomization\.ya?ml$/.test(e.name))
    .map((e) => e.parentPath)
    .sort();
  const underKustomize = (path: string): boolean =>
    kustomizations.some((dir) => !relative(dir, path).startsWith('..')) ||
    !relative(join(deployDir, 'k8s'), path).startsWith('..');
  const files = entries
    .filter((e) => /\.ya?ml$/.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .filter((path) => !excluded(path) && !underKustomize(path))
    .sort();
  return { kustomizations: kustomizations.filter((dir) => !excluded(dir)), charts, files };
}

/** Sources are named relative to the folder holding deployDir (the repository root for the real one). */
export function renderManifests(deployDir = join(repositoryRoot, 'deploy')): RenderedObject[] {
  const { kustomizations, charts, files } = manifestSources(deployDir);
  const root = dirname(deployDir);
  const rendered: { source: string; text: string }[] = [
    ...kustomizations.map((dir) => ({
      source: `${relative(root, dir)} (kustomize build)`,
      text: execFileSync(tool('kustomize'), ['build', dir], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    })),
    ...charts.map((dir) => ({ source: `${relative(root, dir)} (helm template)`, text: renderChart(dir) })),
    ...files.map((path) => ({ source: relative(root, path), text: readFileSync(path, 'utf8') })),
  ];
  return rendered.flatMap(({ source, text }) =>
    parseAllDocuments(text).flatMap((document) => {
      if (document.errors.length > 0)
        throw new Error(`${source}: ${document.errors[0]?.message ?? 'invalid YAML'}`);
      const object = document.toJS() as RenderedObject['object'] | null;
      return object === null ? [] : [{ source, object }];
    }),
  );
}

export function apiGroup(object: RenderedObject['object']): string {
  const apiVersion = object.apiVersion ?? '';
  return apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '';
}

export function describe(object: RenderedObject['object']): string {
  return `${object.kind ?? '<no kind>'}/${object.metadata?.name ?? '<no name>'}`;
}

interface KubeconformResource {
  filename: string;
  kind: string;
  name: string;
  status: string;
  msg: string;
  validationErrors?: { path: string; msg: string }[];
}

/** Validates the objects with kubeconform (strict: unknown fields are errors; a kind without schema is an error). */
export function validateObjects(
  objects: RenderedObject[],
  kubernetesVersion = kubernetesPatchVersion(),
): ValidationResult {
  if (!existsSync(kubernetesSchemaFolder(kubernetesVersion))) {
    throw new Error(
      `no schemas for Kubernetes ${kubernetesVersion} in ${relative(repositoryRoot, kubernetesSchemaFolder(kubernetesVersion))}: run scripts/setup --with-test-tools`,
    );
  }
  const skipped = objects.filter((o) => STRUCTURALLY_CHECKED_GROUPS.includes(apiGroup(o.object)));
  const checked = objects.filter((o) => !skipped.includes(o));
  const work = mkdtempSync(join(tmpdir(), 'fraudops-kubeconform-'));
  try {
    const sourceOfFile = new Map<string, string>();
    [...new Set(checked.map((o) => o.source))].forEach((source, index) => {
      const file = join(work, `${index}.yaml`);
      sourceOfFile.set(file, source);
      const documents = checked.filter((o) => o.source === source).map((o) => stringify(o.object));
      writeFileSync(file, documents.join('---\n'));
    });
    const args = ['-strict', '-summary', '-output', 'json', '-kubernetes-version', kubernetesVersion];
    for (const location of schemaLocations()) args.push('-schema-location', location);
    const run = spawnSync(tool('kubeconform'), [...args, work], { encoding: 'utf8' });
    if (run.error) throw run.error;
    const report = JSON.parse(run.stdout) as { resources?: KubeconformResource[] };
    const violations = (report.resources ?? [])
      .filter((r) => r.status !== 'statusValid' && r.status !== 'statusSkipped')
      .map((r) => ({
        source: sourceOfFile.get(r.filename) ?? r.filename,
        object: `${r.kind}/${r.name}`,
        message: readableMessage(r.msg),
      }));
    if (run.status !== 0 && violations.length === 0) {
      throw new Error(`kubeconform exited ${run.status} without a report: ${run.stderr}`);
    }
    return { checked, skipped, violations };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** kubeconform's message without its preamble naming the schema file: "at '/spec': additional properties …". */
export function readableMessage(msg: string): string {
  return msg.replace(/^problem validating schema\..*?#' - /s, '');
}

export function formatViolation(v: SchemaViolation): string {
  return `${v.source}: ${v.object}: [schema] ${v.message}`;
}

// Where the prepared schemas and the pinned tools live, and how kubeconform is told to find them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadProjectConfig, repositoryRoot } from '@fraudops/config';

export interface SchemaSources {
  kubernetes: { package: string; version: string; sha256: string };
  crds: { for: string; module: string; version: string; files: string[] }[];
  /** Strimzi's CRD generator run over its API classes: kind → class, the API versions to generate. */
  strimzi: { pom: string; apiVersions: string[]; classes: Record<string, string> };
}

export const schemaSourcesFile = join(repositoryRoot, 'packages/manifest-schemas/schema-sources.json');
export const schemasDir = join(repositoryRoot, '.tools/manifest-schemas');
export const toolsBinDir = join(repositoryRoot, '.tools/bin');

export function readSchemaSources(): SchemaSources {
  return JSON.parse(readFileSync(schemaSourcesFile, 'utf8')) as SchemaSources;
}

/** `1.33` → `1.33.0`, the form kubeconform and the schema folders use. */
export function kubernetesPatchVersion(version = loadProjectConfig().cloud.kubernetesVersion): string {
  return /^\d+\.\d+$/.test(version) ? `${version}.0` : version;
}

export function kubernetesSchemaFolder(version = kubernetesPatchVersion()): string {
  return join(schemasDir, 'kubernetes', `v${version}-standalone-strict`);
}

export const crdSchemaFolder = join(schemasDir, 'crds');

/** kubeconform's -schema-location templates: the Kubernetes release first, then the converted CRDs. */
export function schemaLocations(): string[] {
  return [
    join(
      schemasDir,
      'kubernetes',
      '{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}',
      '{{ .ResourceKind }}{{ .KindSuffix }}.json',
    ),
    join(crdSchemaFolder, '{{ .Group }}', '{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json'),
  ];
}

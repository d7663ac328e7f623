// Reading the manifests of a folder (recursively) into objects with their file, for the policy checks.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { repositoryRoot } from '@fraudops/config';
import { parseAllDocuments } from 'yaml';
import type { ManifestObject } from './policies.ts';

export const deployDir = join(repositoryRoot, 'deploy');

/** The Helm chart (a folder with a Chart.yaml, under deploy) that holds a path, or null. */
export function chartOf(path: string, deploy = deployDir): string | null {
  for (let dir = path; !relative(deploy, dir).startsWith('..') && dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'Chart.yaml'))) return dir;
  }
  return null;
}

/**
 * Whether a file under a deploy/ folder holds Kubernetes objects as written: not Helm values, not Terraform,
 * not a chart's files (its templates hold objects only once `helm template` has rendered them).
 */
export function holdsManifests(path: string, deploy = deployDir): boolean {
  return (
    [join(deploy, 'gitops', 'values'), join(deploy, 'terraform')].every((folder) =>
      relative(folder, path).startsWith('..'),
    ) && chartOf(path, deploy) === null
  );
}

/** Every object of every YAML file under dir except Kustomize's own files; a YAML error names its file. */
export function readManifests(dir: string): ManifestObject[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name) && !/^kustomization\.ya?ml$/.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .filter((path) => holdsManifests(path))
    .sort()
    .flatMap((path) => {
      const file = relative(repositoryRoot, path);
      return parseAllDocuments(readFileSync(path, 'utf8')).flatMap((doc) => {
        if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]?.message ?? 'invalid YAML'}`);
        const object = doc.toJS() as unknown;
        return object !== null && typeof object === 'object'
          ? [{ file, object: object as Record<string, unknown> }]
          : [];
      });
    });
}

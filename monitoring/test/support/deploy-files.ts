// Reading the manifests under deploy/ that the monitoring checks tie the rules to.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repositoryRoot } from '@fraudops/config';
import { parseAllDocuments } from 'yaml';

export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
}

const objectsOf = (text: string): KubernetesObject[] =>
  parseAllDocuments(text)
    .map((d) => d.toJS() as KubernetesObject | null)
    .filter((o): o is KubernetesObject => o !== null);

/** The objects of a manifest file (path relative to the repository root). */
export const objectsIn = (path: string): KubernetesObject[] =>
  objectsOf(readFileSync(join(repositoryRoot, path), 'utf8'));

/**
 * The objects of a template of the app-of-apps chart (deploy/gitops/apps/templates): its Helm expressions
 * stand for the repository and revision Terraform passes, which these checks never read; the rest (chart
 * pins, destinations) is literal YAML.
 */
export const objectsInChartTemplate = (template: string): KubernetesObject[] =>
  objectsOf(
    readFileSync(join(repositoryRoot, 'deploy/gitops/apps/templates', template), 'utf8').replace(
      /\{\{[^}]*\}\}/g,
      'templated',
    ),
  );

// Where the generated Kubernetes monitoring objects live and what they should contain now (the I/O around
// kubernetes-manifests.ts, shared by the generator and its sync test).
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repositoryRoot } from '@fraudops/config';
import { renderDashboards } from '../dashboards/src/index.ts';
import { renderDashboardConfigMaps, renderPrometheusRules } from './kubernetes-manifests.ts';
import { ruleFiles } from './rule-files.ts';

export const kubernetesMonitoringDir = join(repositoryRoot, 'deploy/k8s/base/monitoring');

/** Absolute path -> the content it must have. */
export async function kubernetesMonitoringFiles(): Promise<Map<string, string>> {
  const rules = ruleFiles().map((path) => ({
    path: relative(repositoryRoot, path),
    text: readFileSync(path, 'utf8'),
  }));
  return new Map([
    [join(kubernetesMonitoringDir, 'prometheus-rules.yaml'), renderPrometheusRules(rules)],
    [
      join(kubernetesMonitoringDir, 'grafana-dashboards.yaml'),
      renderDashboardConfigMaps(await renderDashboards()),
    ],
  ]);
}

// The monitoring sources as Kubernetes objects for kube-prometheus-stack: one PrometheusRule per rule file
// (the Prometheus Operator loads it) and one ConfigMap per dashboard (Grafana's sidecar imports those with
// the `grafana_dashboard` label). Pure: sources in, YAML out; generate-kubernetes.ts writes the files into
// deploy/k8s/base/monitoring and a test keeps them equal to the sources.
import { basename } from 'node:path';
import { parse, stringify } from 'yaml';

/** The label and value kube-prometheus-stack's Grafana sidecar looks for (the chart's defaults). */
export const GRAFANA_DASHBOARD_LABEL = { grafana_dashboard: '1' } as const;

const HEADER = (source: string): string =>
  `# Generated from ${source} by monitoring/generate-kubernetes.ts: do not edit, run\n` +
  '#   node monitoring/generate-kubernetes.ts\n' +
  '# after changing the source (monitoring/test/kubernetes-manifests.test.ts fails while they differ).\n';

export interface SourceFile {
  /** Path relative to the repository root, for the header. */
  path: string;
  text: string;
}

/** `scoring-api.rules.yaml` -> `fraudops-scoring-api`. */
export function prometheusRuleName(ruleFile: string): string {
  return `fraudops-${basename(ruleFile).replace(/\.rules\.ya?ml$/, '')}`;
}

/** The rule files as PrometheusRule objects, in one multi-document YAML; the groups are the files' own. */
export function renderPrometheusRules(files: readonly SourceFile[]): string {
  const documents = files.map((file) => {
    const { groups } = parse(file.text) as { groups: unknown[] };
    return stringify(
      {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PrometheusRule',
        metadata: {
          name: prometheusRuleName(file.path),
          labels: { 'app.kubernetes.io/component': 'monitoring' },
        },
        spec: { groups },
      },
      { lineWidth: 0 },
    );
  });
  return `${HEADER('monitoring/rules/*.rules.yaml')}${documents.map((d) => `---\n${d}`).join('')}`;
}

/** The dashboards (file name -> JSON) as ConfigMaps for Grafana's sidecar, in one multi-document YAML. */
export function renderDashboardConfigMaps(dashboards: ReadonlyMap<string, string>): string {
  const documents = [...dashboards]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([file, json]) =>
      stringify(
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: {
            name: `grafana-dashboard-${file.replace(/\.json$/, '')}`,
            labels: { ...GRAFANA_DASHBOARD_LABEL, 'app.kubernetes.io/component': 'monitoring' },
          },
          data: { [file]: json },
        },
        { lineWidth: 0 },
      ),
    );
  return `${HEADER('monitoring/dashboards (generated/*.json)')}${documents.map((d) => `---\n${d}`).join('')}`;
}

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { generatedDir } from '../dashboards/src/index.ts';
import { kubernetesMonitoringDir, kubernetesMonitoringFiles } from '../src/kubernetes-files.ts';
import { GRAFANA_DASHBOARD_LABEL, prometheusRuleName } from '../src/kubernetes-manifests.ts';
import { ruleFiles } from '../src/rule-files.ts';

interface KubernetesObject {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: { groups?: unknown };
  data?: Record<string, string>;
}

const objectsIn = (file: string): KubernetesObject[] =>
  parseAllDocuments(readFileSync(join(kubernetesMonitoringDir, file), 'utf8'))
    .map((d) => d.toJS() as KubernetesObject | null)
    .filter((o): o is KubernetesObject => o !== null);

describe('the Kubernetes monitoring objects in deploy/k8s/base/monitoring', () => {
  it('are what the sources generate (run `node monitoring/generate-kubernetes.ts` after editing them)', async () => {
    for (const [path, content] of await kubernetesMonitoringFiles()) {
      expect(readFileSync(path, 'utf8'), path).toBe(content);
    }
  });

  it('hold every rule file as one PrometheusRule with exactly its groups', () => {
    const rules = objectsIn('prometheus-rules.yaml');
    expect(rules.map((r) => r.kind)).toEqual(ruleFiles().map(() => 'PrometheusRule'));
    for (const file of ruleFiles()) {
      const rule = rules.find((r) => r.metadata.name === prometheusRuleName(file));
      expect(rule?.spec?.groups, file).toEqual(
        (parse(readFileSync(file, 'utf8')) as { groups: unknown }).groups,
      );
    }
  });

  it("hold every generated dashboard in a ConfigMap that Grafana's sidecar picks up", () => {
    const configMaps = objectsIn('grafana-dashboards.yaml');
    const dashboards = readdirSync(generatedDir).filter((f) => f.endsWith('.json'));
    expect(configMaps).toHaveLength(dashboards.length);
    for (const file of dashboards) {
      const configMap = configMaps.find((c) => c.data?.[file] !== undefined);
      expect(configMap?.metadata.labels, file).toMatchObject(GRAFANA_DASHBOARD_LABEL);
      expect(configMap?.data?.[file]).toBe(readFileSync(join(generatedDir, file), 'utf8'));
    }
  });

  it('are resources of the Kustomize base', () => {
    const kustomization = parse(
      readFileSync(join(kubernetesMonitoringDir, '..', 'kustomization.yaml'), 'utf8'),
    ) as { resources: string[] };
    expect(kustomization.resources).toEqual(
      expect.arrayContaining(['monitoring/prometheus-rules.yaml', 'monitoring/grafana-dashboards.yaml']),
    );
  });
});

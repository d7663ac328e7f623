// The saturation page's rule file spells out names that other places own: the namespace and the HPA/Deployment
// name (fraudops.config.json, which the embedded stack exports its kube-state-metrics twin with, and the
// Kustomize base's namespace), the container (the Deployment in deploy/k8s). ScoringApiSaturationSignalsMissing
// must look for exactly those series, or it would report a blind page while the page works, or the reverse.
// The behaviour itself (when each alert fires) is in monitoring/tests/scoring-api.rules.test.yaml.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadProjectConfig } from '@fraudops/config';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { rulesDir } from '../src/rule-files.ts';
import { objectsIn } from './support/deploy-files.ts';
import { ruleNamed, rulesOf, type Rule } from './support/rule-file.ts';
import { must } from './support/tools.ts';

const rules = rulesOf('scoring-api.rules.yaml');
const byName = (name: string): Rule => ruleNamed(rules, name);
// The repository's own config, whatever FRAUDOPS_CONFIG says in this shell.
const config = loadProjectConfig({});

const deployment = must(
  objectsIn('deploy/k8s/base/scoring-api/deployment.yaml').find((o) => o.kind === 'Deployment'),
  'the scoring-api Deployment',
);
const container = must(
  (deployment.spec as { template: { spec: { containers: { name: string }[] } } }).template.spec.containers[0],
  'its first container',
).name;
const hpa = must(
  objectsIn('deploy/k8s/base/scoring-api/hpa.yaml').find((o) => o.kind === 'HorizontalPodAutoscaler'),
  'the scoring-api HPA',
);
const kustomizeNamespace = (
  parse(readFileSync(join(rulesDir, '..', '..', 'deploy/k8s/base/kustomization.yaml'), 'utf8')) as {
    namespace: string;
  }
).namespace;

/** Every `label="value"` equality matcher of a PromQL text, by label (regex and negative matchers left out). */
function equalityMatchers(expr: string, label: string): string[] {
  return [...expr.matchAll(new RegExp(`[{,]\\s*${label}="([^"]*)"`, 'g'))].map((m) => m[1] ?? '');
}

describe('ScoringApiSaturationSignalsMissing', () => {
  const alert = byName('ScoringApiSaturationSignalsMissing');

  it('looks in the namespace the stack and the cluster run the scoring API in', () => {
    const namespaces = new Set(equalityMatchers(alert.expr, 'namespace'));
    expect([...namespaces]).toEqual([config.stack.namespace]);
    expect(config.cloud.namespace).toBe(config.stack.namespace);
    expect(kustomizeNamespace).toBe(config.stack.namespace);
  });

  it("checks the HPA of the scoring-api Deployment and the Deployment's container, as the page does", () => {
    expect(hpa.metadata.name).toBe(config.stack.deployment);
    const page = byName('ScoringApiSaturatedAtMaxReplicas');
    for (const expr of [alert.expr, page.expr])
      expect(new Set(equalityMatchers(expr, 'horizontalpodautoscaler'))).toEqual(
        new Set([hpa.metadata.name]),
      );
    const usage = byName('namespace_pod_container:container_cpu_usage_seconds_total:sum_rate2m');
    const requests = byName('namespace_pod_container:kube_pod_container_resource_requests_cpu_cores:sum');
    for (const expr of [alert.expr, usage.expr, requests.expr])
      expect(new Set(equalityMatchers(expr, 'container'))).toEqual(new Set([container]));
  });

  it('checks every raw series the page reads, and the ratio it joins them into', () => {
    const missing = [...alert.expr.matchAll(/"missing", "([^"]+)"/g)].map((m) => m[1]);
    expect(missing.sort()).toEqual(
      [
        'container_cpu_usage_seconds_total',
        'kube_horizontalpodautoscaler_spec_max_replicas',
        'kube_horizontalpodautoscaler_status_current_replicas',
        'kube_pod_container_resource_requests',
        'namespace_pod:scoring_api_cpu_usage_over_request:ratio_rate2m',
      ].sort(),
    );
  });
});

describe('ScoringApiSaturatedAtMaxReplicas', () => {
  it('is one alert per namespace (no pod label), held through short dips', () => {
    const page = byName('ScoringApiSaturatedAtMaxReplicas');
    const hottest = byName('namespace:scoring_api_cpu_usage_over_request:max_ratio_rate2m');
    expect(hottest.expr.replace(/\s+/g, ' ').trim()).toBe(
      'max by (namespace) (namespace_pod:scoring_api_cpu_usage_over_request:ratio_rate2m)',
    );
    expect(page.expr).toContain('namespace:scoring_api_cpu_usage_over_request:max_ratio_rate2m');
    expect(page.for).toBe('5m');
    expect(page.keep_firing_for).toBe('5m');
  });
});

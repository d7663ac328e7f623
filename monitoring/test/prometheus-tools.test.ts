// The cluster's promtool and amtool (tools/prometheus-tools, built into .tools/bin by scripts/setup
// --with-test-tools) are the versions kube-prometheus-stack runs at the chart version deploy/gitops pins. A chart
// bump without re-pinned tools, a go.mod that pins something else, or binaries older than the go.mod fail here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repositoryRoot } from '@fraudops/config';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { objectsInChartTemplate } from './support/deploy-files.ts';
import { clusterTool, must, toolVersion } from './support/tools.ts';

const toolsDir = join(repositoryRoot, 'tools/prometheus-tools');
const versions = JSON.parse(readFileSync(join(toolsDir, 'versions.json'), 'utf8')) as {
  kubePrometheusStack: string;
  prometheus: string;
  alertmanager: string;
};

/** The version a go.mod requires of a module. */
function required(goMod: string, module: string): string {
  const text = readFileSync(join(toolsDir, goMod), 'utf8');
  const match = new RegExp(`^\\s*(?:require\\s+)?${module.replace(/\./g, '\\.')} (v\\S+)`, 'm').exec(text);
  return must(match?.[1], `${module} in ${goMod}`);
}

/** Prometheus 3.x is published as Go module v0.3XX.Y: 3.10.0 is v0.310.0. */
function prometheusModuleVersion(release: string): string {
  const [major, minor, patch] = release.split('.').map(Number);
  if (major === undefined || minor === undefined || patch === undefined || major < 3 || minor > 99)
    throw new Error(`not a Prometheus 3.x release: ${release}`);
  return `v0.${major}${String(minor).padStart(2, '0')}.${patch}`;
}

describe("the cluster's Prometheus tools", () => {
  it('are matched to the kube-prometheus-stack chart that deploy/gitops installs, with its default images', () => {
    const app = must(
      objectsInChartTemplate('kube-prometheus-stack.yaml')
        .flatMap((a) => (a.spec as { sources?: { chart?: string; targetRevision?: string }[] }).sources ?? [])
        .find((s) => s.chart === 'kube-prometheus-stack'),
      'the kube-prometheus-stack source',
    );
    expect(app.targetRevision, 'tools/prometheus-tools/versions.json follows the chart').toBe(
      versions.kubePrometheusStack,
    );
    // The values leave the images alone: versions.json records the chart's defaults.
    const values = parse(
      readFileSync(join(repositoryRoot, 'deploy/gitops/values/kube-prometheus-stack.yaml'), 'utf8'),
    ) as {
      prometheus?: { prometheusSpec?: { image?: unknown } };
      alertmanager?: { alertmanagerSpec?: { image?: unknown } };
    };
    expect(values.prometheus?.prometheusSpec?.image).toBeUndefined();
    expect(values.alertmanager?.alertmanagerSpec?.image).toBeUndefined();
  });

  it('are pinned to those versions by their go.mod files', () => {
    expect(required('promtool/go.mod', 'github.com/prometheus/prometheus')).toBe(
      prometheusModuleVersion(versions.prometheus),
    );
    expect(required('amtool/go.mod', 'github.com/prometheus/alertmanager')).toBe(`v${versions.alertmanager}`);
  });

  it('are built at those versions (else run scripts/setup --with-test-tools)', () => {
    expect(toolVersion(clusterTool('promtool'))).toBe(versions.prometheus);
    expect(toolVersion(clusterTool('amtool'))).toBe(versions.alertmanager);
  });

  it('map Prometheus releases to Go module versions', () => {
    expect(prometheusModuleVersion('3.10.0')).toBe('v0.310.0');
    expect(prometheusModuleVersion('3.5.2')).toBe('v0.305.2');
    expect(() => prometheusModuleVersion('2.42.0')).toThrow(/not a Prometheus 3.x release/);
  });
});

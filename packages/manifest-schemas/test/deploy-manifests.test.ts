// Every Kubernetes object fraudops deploys, rendered as ArgoCD would render it, validated offline against the
// Kubernetes schemas of the target cluster version (cloud.kubernetesVersion) and the operators' CRDs.
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repositoryRoot } from '@fraudops/config';
import { afterAll, describe, expect, it } from 'vitest';
import {
  crdSchemaFolder,
  formatViolation,
  renderManifests,
  validateObjects,
  type RenderedObject,
} from '../src/index.ts';

describe('the manifests under deploy/', () => {
  const objects = renderManifests();
  const result = validateObjects(objects);

  it('are valid for the target Kubernetes version and their CRDs (kubeconform, strict)', () => {
    expect(result.violations.map(formatViolation)).toEqual([]);
  });

  it('are really checked: the base, the overlay and the custom resources all reach kubeconform', () => {
    const kindsChecked = new Set(
      result.checked.map((o) => `${o.object.apiVersion ?? ''} ${o.object.kind ?? ''}`),
    );
    for (const kind of [
      'apps/v1 Deployment',
      'autoscaling/v2 HorizontalPodAutoscaler',
      'policy/v1 PodDisruptionBudget',
      'networking.k8s.io/v1 NetworkPolicy',
      'monitoring.coreos.com/v1 PrometheusRule',
      'monitoring.coreos.com/v1 ServiceMonitor',
      'gateway.networking.k8s.io/v1 HTTPRoute',
      'gateway.envoyproxy.io/v1alpha1 BackendTrafficPolicy',
    ]) {
      expect(kindsChecked, kind).toContain(kind);
    }
    const sources = new Set(result.checked.map((o) => o.source));
    expect(sources).toContain('deploy/k8s/base (kustomize build)');
    expect(sources).toContain('deploy/k8s/overlays/yandex (kustomize build)');
  });
});

describe('a schema violation planted in a copy of deploy/', () => {
  const copy = mkdtempSync(join(tmpdir(), 'fraudops-deploy-'));
  afterAll(() => {
    rmSync(copy, { recursive: true, force: true });
  });

  function plantedResult(file: string, edit: (text: string) => string): string[] {
    const deployDir = join(copy, 'deploy');
    rmSync(deployDir, { recursive: true, force: true });
    cpSync(join(repositoryRoot, 'deploy'), deployDir, { recursive: true });
    const path = join(deployDir, file);
    writeFileSync(path, edit(readFileSync(path, 'utf8')));
    return validateObjects(renderManifests(deployDir)).violations.map(formatViolation);
  }

  it('fails on a field Kubernetes does not know, naming the source, the object and the field', () => {
    const messages = plantedResult('k8s/base/scoring-api/hpa.yaml', (text) =>
      text.replace('  minReplicas: 4', '  minReplicas: 4\n  minReplica: 4'),
    );
    expect(messages.join('\n')).toMatch(
      /^deploy\/k8s\/base \(kustomize build\): HorizontalPodAutoscaler\/scoring-api: \[schema\] .*minReplica/m,
    );
  });

  it('fails on a wrong type in a custom resource', () => {
    const messages = plantedResult('k8s/base/scoring-api/rate-limit.yaml', (text) =>
      text.replace('requests: 300', 'requests: three hundred'),
    );
    expect(messages.join('\n')).toMatch(
      /BackendTrafficPolicy\/scoring-api-rate-limit: \[schema\] .*requests/,
    );
  });
});

describe('the converted CRD schemas', () => {
  // kubeconform reports a schema that does not compile as "could not find schema": try each one with an
  // object of its kind and expect kubeconform to have validated it (valid or not), never to miss it.
  it('are all usable by kubeconform', () => {
    const probes: RenderedObject[] = readdirSync(crdSchemaFolder, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.json'))
      .map((file) => {
        const [group = '', name = ''] = file.split('/');
        const [kind = '', version = ''] = name.replace(/\.json$/, '').split('_');
        return {
          source: file,
          object: { apiVersion: `${group}/${version}`, kind, metadata: { name: 'probe' } },
        };
      });
    expect(probes.length).toBeGreaterThan(20);
    const missing = validateObjects(probes).violations.filter((v) =>
      v.message.includes('could not find schema'),
    );
    expect(missing.map(formatViolation)).toEqual([]);
  });
});

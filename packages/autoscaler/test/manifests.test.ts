// Reading the HPA and the CPU request from manifests: the repository's own base, the API server's defaults,
// Kubernetes quantities, and errors that say which file is wrong.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadProjectConfig } from '@fraudops/config';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  DEFAULT_MANIFEST_DIR,
  loadAutoscalerManifests,
  parseQuantityMilli,
  readManifestDir,
  resolveAutoscalerManifests,
} from '../src/index.ts';

const deployment = (cpu: string | number | null = '250m') => `
apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  template:
    spec:
      containers:
        - name: web
          resources: ${cpu === null ? '{}' : `{ requests: { cpu: ${typeof cpu === 'number' ? cpu : `"${cpu}"`} } }`}
`;

const hpa = (spec: string) => `
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: web }
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: web }
  maxReplicas: 5
${spec}`;

describe("the repository's base (deploy/k8s/base)", () => {
  const manifests = loadAutoscalerManifests();

  it('gives the scoring-api HPA: 4..6 replicas, 60% CPU target, and a 0.5-core request per pod', () => {
    expect(manifests.hpa).toMatchObject({
      name: 'scoring-api',
      target: { kind: 'Deployment', name: 'scoring-api' },
      minReplicas: 4,
      maxReplicas: 6,
      metric: { type: 'Resource', averageUtilization: 60 },
    });
    expect(manifests.podCpuRequestMilli).toBe(250);
    expect(manifests.files).toEqual({
      hpa: 'deploy/k8s/base/scoring-api/hpa.yaml',
      deployment: 'deploy/k8s/base/scoring-api/deployment.yaml',
    });
  });

  it('targets below the alert threshold (80%) by more than the tolerance, so the HPA acts first', () => {
    const { averageUtilization } = manifests.hpa.metric;
    expect(averageUtilization * (1 + (manifests.hpa.behavior?.scaleUp.tolerance ?? 0.1))).toBeLessThan(80);
  });

  it('has the chosen behavior with the defaults filled in', () => {
    expect(manifests.hpa.behavior).toEqual({
      scaleUp: {
        stabilizationWindowSeconds: 60,
        selectPolicy: 'Max',
        policies: [{ type: 'Pods', value: 1, periodSeconds: 30 }],
        tolerance: 0.1,
      },
      scaleDown: {
        stabilizationWindowSeconds: 300,
        selectPolicy: 'Max',
        policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }],
        tolerance: 0.1,
      },
    });
  });

  it('configures exactly the environment variables the scoring API reads', () => {
    const configMap = parse(
      readFileSync(join(DEFAULT_MANIFEST_DIR, 'scoring-api/configmap.yaml'), 'utf8'),
    ) as {
      data: Record<string, unknown>;
    };
    // apps/scoring-api/src/config.ts (ServiceConfig); a package may not import an app, hence the list.
    expect(Object.keys(configMap.data).sort()).toEqual(
      [
        'BATCH_MAX_ITEMS',
        'BODY_LIMIT_BYTES',
        'HOST',
        'LOG_LEVEL',
        'MAX_IN_FLIGHT',
        'MLFLOW_TRACKING_URI',
        'MODEL_POLL_INTERVAL_MS',
        'MODEL_URI',
        'PORT',
        'SHUTDOWN_TIMEOUT_MS',
      ].sort(),
    );
    for (const value of Object.values(configMap.data)) expect(typeof value).toBe('string');
    // The registry names have one source: the replicas follow the same alias the retraining DAG moves.
    const project = loadProjectConfig();
    expect(configMap.data.MODEL_URI).toBe(
      `models:/${project.model.name}@${project.retraining.championAlias}`,
    );
    // The drain must fit in the grace period after the preStop sleep.
    const objects = readManifestDir(DEFAULT_MANIFEST_DIR).flatMap(({ text }) =>
      // A document holding only comments (a generated file's header) parses to null.
      text
        .split(/^---$/m)
        .map((t) => parse(t) as unknown)
        .filter((o) => o !== null),
    );
    const pod = (
      objects.find((o) => {
        const object = o as { kind?: string; metadata?: { name?: string } };
        return object.kind === 'Deployment' && object.metadata?.name === 'scoring-api';
      }) as {
        spec: {
          template: {
            spec: {
              terminationGracePeriodSeconds: number;
              containers: { lifecycle: { preStop: { sleep: { seconds: number } } } }[];
            };
          };
        };
      }
    ).spec.template.spec;
    const sleep = pod.containers[0]?.lifecycle.preStop.sleep.seconds ?? Number.NaN;
    expect(sleep + Number(configMap.data.SHUTDOWN_TIMEOUT_MS) / 1000).toBeLessThan(
      pod.terminationGracePeriodSeconds,
    );
  });
});

describe('defaults, as the API server and the controller fill them in', () => {
  it('fills scaleUp (0 s, Pods 4 / 15 s + Percent 100 / 15 s, Max) and scaleDown (300 s, Percent 100 / 15 s)', () => {
    const { hpa: spec } = resolveAutoscalerManifests(
      [{ file: 'x.yaml', text: `${deployment()}---${hpa('  behavior: {}')}` }],
      'web',
    );
    expect(spec).toEqual({
      name: 'web',
      target: { kind: 'Deployment', name: 'web' },
      minReplicas: 1,
      maxReplicas: 5,
      metric: { type: 'Resource', averageUtilization: 80 },
      behavior: {
        scaleUp: {
          stabilizationWindowSeconds: 0,
          selectPolicy: 'Max',
          policies: [
            { type: 'Pods', value: 4, periodSeconds: 15 },
            { type: 'Percent', value: 100, periodSeconds: 15 },
          ],
          tolerance: 0.1,
        },
        scaleDown: {
          stabilizationWindowSeconds: 300,
          selectPolicy: 'Max',
          policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
          tolerance: 0.1,
        },
      },
    });
  });

  it('replaces only the fields the manifest sets', () => {
    const { hpa: spec } = resolveAutoscalerManifests(
      [
        {
          file: 'x.yaml',
          text: `${deployment()}---${hpa('  behavior: { scaleDown: { stabilizationWindowSeconds: 60 } }')}`,
        },
      ],
      'web',
    );
    expect(spec.behavior?.scaleDown).toEqual({
      stabilizationWindowSeconds: 60,
      selectPolicy: 'Max',
      policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
      tolerance: 0.1,
    });
  });

  it('leaves behavior unset when the manifest has none (the controller then takes its older path)', () => {
    const { hpa: spec } = resolveAutoscalerManifests(
      [{ file: 'x.yaml', text: `${deployment()}---${hpa('')}` }],
      'web',
    );
    expect(spec.behavior).toBeUndefined();
  });

  it('sums the containers and sidecars for a Resource metric, one container for ContainerResource', () => {
    const pod = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  template:
    spec:
      initContainers:
        - { name: sidecar, restartPolicy: Always, resources: { requests: { cpu: 100m } } }
        - { name: migrate, resources: { requests: { cpu: "2" } } }
      containers:
        - { name: web, resources: { requests: { cpu: 0.5 } } }
        - { name: log, resources: { requests: { cpu: 50m } } }
`;
    const resource = `  metrics: [{ type: Resource, resource: { name: cpu, target: { type: Utilization, averageUtilization: 70 } } }]`;
    const container = `  metrics: [{ type: ContainerResource, containerResource: { name: cpu, container: web, target: { type: Utilization, averageUtilization: 70 } } }]`;
    expect(
      resolveAutoscalerManifests([{ file: 'x.yaml', text: `${pod}---${hpa(resource)}` }], 'web')
        .podCpuRequestMilli,
    ).toBe(650);
    const byContainer = resolveAutoscalerManifests(
      [{ file: 'x.yaml', text: `${pod}---${hpa(container)}` }],
      'web',
    );
    expect(byContainer.podCpuRequestMilli).toBe(500);
    expect(byContainer.hpa.metric).toEqual({
      type: 'ContainerResource',
      container: 'web',
      averageUtilization: 70,
    });
  });
});

describe('errors name the file', () => {
  it('when the HPA is missing', () => {
    expect(() => resolveAutoscalerManifests([{ file: 'a.yaml', text: deployment() }], 'web')).toThrow(
      'no HorizontalPodAutoscaler named "web" in a.yaml',
    );
  });

  it("when the HPA's target is missing", () => {
    expect(() => resolveAutoscalerManifests([{ file: 'hpa.yaml', text: hpa('') }], 'web')).toThrow(
      'no Deployment named "web" in hpa.yaml',
    );
  });

  it('when the target has no CPU request', () => {
    expect(() =>
      resolveAutoscalerManifests(
        [
          { file: 'd.yaml', text: deployment(null) },
          { file: 'h.yaml', text: hpa('') },
        ],
        'web',
      ),
    ).toThrow('d.yaml (Deployment web): missing request for cpu in container web');
  });

  it('when the YAML is broken or a field is out of range', () => {
    expect(() => resolveAutoscalerManifests([{ file: 'bad.yaml', text: 'a: [1, 2' }], 'web')).toThrow(
      /^bad\.yaml: invalid YAML/,
    );
    expect(() =>
      resolveAutoscalerManifests(
        [
          {
            file: 'h.yaml',
            text: `${deployment()}---${hpa('  behavior: { scaleUp: { policies: [{ type: Pods, value: 1, periodSeconds: 3600 }] } }')}`,
          },
        ],
        'web',
      ),
    ).toThrow(
      'h.yaml (HorizontalPodAutoscaler web): spec.behavior.scaleUp.policies[0].periodSeconds must be an integer in [1, 1800], got 3600',
    );
  });

  it('when the metric is one the twin does not implement', () => {
    const memory = `  metrics: [{ type: Resource, resource: { name: memory, target: { type: Utilization, averageUtilization: 70 } } }]`;
    expect(() =>
      resolveAutoscalerManifests([{ file: 'h.yaml', text: `${deployment()}---${hpa(memory)}` }], 'web'),
    ).toThrow(/only cpu with target type Utilization/);
  });
});

describe('Kubernetes quantities', () => {
  it.each([
    ['500m', 500],
    ['1', 1000],
    ['0.5', 500],
    [0.5, 500],
    [1, 1000],
    ['1.1', 1100],
    ['2k', 2_000_000],
    ['100u', 1], // rounded up, like Quantity.MilliValue()
    ['250000000n', 250],
    ['1e3', 1_000_000],
    ['256Mi', 268_435_456_000],
    ['.5', 500],
  ])('%s is %d milli', (quantity, milli) => {
    expect(parseQuantityMilli(quantity)).toBe(milli);
  });

  it.each(['', 'abc', '1.2.3', '5 m', 'm'])('refuses %j', (quantity) => {
    expect(() => parseQuantityMilli(quantity)).toThrow(/not a Kubernetes quantity/);
  });
});

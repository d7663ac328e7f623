import { describe, expect, it } from 'vitest';
import { deployDir, readManifests } from '../src/manifest-files.ts';
import { checkManifests, formatViolation, selects, type ManifestObject } from '../src/policies.ts';

const manifests = readManifests(deployDir);
const named = (kind: string, name: string): ManifestObject | undefined =>
  manifests.find((m) => m.object.kind === kind && (m.object.metadata as { name?: string }).name === name);
const deployment = named('Deployment', 'scoring-api');
const hpa = manifests.find((m) => m.object.kind === 'HorizontalPodAutoscaler');

interface PlantedContainer {
  resources: { limits?: unknown };
  readinessProbe?: unknown;
  securityContext: {
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities: { drop: string[] };
  };
}
interface PlantedDeployment {
  spec: {
    template: {
      spec: {
        securityContext: { runAsNonRoot: boolean; seccompProfile?: unknown };
        containers: PlantedContainer[];
      };
    };
  };
}

/** A deep copy of the repository's object with one change planted. */
function planted(
  source: ManifestObject | undefined,
  change: (object: PlantedDeployment & { spec: { maxReplicas: number } }) => void,
): ManifestObject[] {
  if (source === undefined) throw new Error('the manifest to plant into is missing');
  const object = structuredClone(source.object);
  change(object as unknown as PlantedDeployment & { spec: { maxReplicas: number } });
  return [{ file: source.file, object }];
}

function container(d: PlantedDeployment): PlantedContainer {
  const first = d.spec.template.spec.containers[0];
  if (first === undefined) throw new Error('the Deployment has no container');
  return first;
}

describe('the policy checks', () => {
  it('pass on every manifest of deploy/ (k8s and gitops)', () => {
    expect(manifests.length).toBeGreaterThan(0);
    expect(checkManifests(manifests).map(formatViolation)).toEqual([]);
  });

  const plants: [string, (d: PlantedDeployment) => void][] = [
    [
      'container-resources',
      (d) => {
        delete container(d).resources.limits;
      },
    ],
    [
      'container-probes',
      (d) => {
        delete container(d).readinessProbe;
      },
    ],
    ['run-as-non-root', (d) => void (d.spec.template.spec.securityContext.runAsNonRoot = false)],
    [
      'no-privilege-escalation',
      (d) => {
        delete container(d).securityContext.allowPrivilegeEscalation;
      },
    ],
    ['read-only-root-filesystem', (d) => void (container(d).securityContext.readOnlyRootFilesystem = false)],
    ['drop-all-capabilities', (d) => void (container(d).securityContext.capabilities.drop = ['NET_RAW'])],
    [
      'seccomp-runtime-default',
      (d) => {
        delete d.spec.template.spec.securityContext.seccompProfile;
      },
    ],
  ];

  it.each(plants)('fail on a planted %s violation, naming the file and the rule', (rule, change) => {
    const lines = checkManifests(planted(deployment, change)).map(formatViolation);
    expect(lines).toEqual([
      expect.stringMatching(
        new RegExp(
          `^deploy/k8s/base/scoring-api/deployment\\.yaml: Deployment/scoring-api container scoring-api: \\[${rule}\\] needs `,
        ),
      ),
    ]);
  });

  it('fail on an HPA that leaves 4..6 replicas', () => {
    const lines = checkManifests(
      planted(hpa, (h) => {
        h.spec.maxReplicas = 10;
      }),
    ).map(formatViolation);
    expect(lines).toEqual([
      'deploy/k8s/base/scoring-api/hpa.yaml: HorizontalPodAutoscaler/scoring-api: [hpa-bounds] must scale 4..6 replicas, has 4..10',
    ]);
  });

  it('ask a Job for resources and security, not for probes (it runs to completion)', () => {
    const job: ManifestObject = {
      file: 'deploy/k8s/x/job.yaml',
      object: {
        kind: 'Job',
        metadata: { name: 'attack' },
        spec: { template: { spec: { containers: [{ name: 'attack' }] } } },
      },
    };
    const rules = checkManifests([job]).map((v) => v.rule);
    expect(rules).toContain('container-resources');
    expect(rules).toContain('run-as-non-root');
    expect(rules).not.toContain('container-probes');
  });
});

describe('every workload in a namespace with NetworkPolicies has one of its own', () => {
  const isPolicy = (m: ManifestObject, name: string): boolean =>
    m.object.kind === 'NetworkPolicy' && (m.object.metadata as { name?: string }).name === name;

  it('fails for the lake sink without its policy (default deny, DNS and the ingress-only scrape rule do not count)', () => {
    const without = manifests.filter((m) => !isPolicy(m, 'lake-sink'));
    expect(checkManifests(without).map(formatViolation)).toEqual([
      'deploy/k8s/base/lake/deployment.yaml: Deployment/lake-sink: [own-network-policy] needs a NetworkPolicy whose podSelector names its pods and whose Egress rules say where they may connect, not only the namespace-wide ones',
    ]);
  });

  it('fails for every workload when only the namespace-wide policies are left', () => {
    const namespaceWide = new Set(['default-deny', 'allow-dns']);
    const only = manifests.filter(
      (m) =>
        m.object.kind !== 'NetworkPolicy' ||
        namespaceWide.has(String((m.object.metadata as { name?: string }).name)),
    );
    expect(
      checkManifests(only)
        .filter((v) => v.rule === 'own-network-policy')
        .map((v) => v.subject)
        .sort(),
    ).toEqual([
      'CronJob/attack',
      'Deployment/lake-sink',
      'Deployment/scoring-api',
      'Deployment/stream-scorer',
    ]);
  });

  it('matches pods by matchLabels and matchExpressions, as Kubernetes does', () => {
    const labels = { 'app.kubernetes.io/name': 'lake-sink', tier: 'lake' };
    expect(selects({ matchLabels: { 'app.kubernetes.io/name': 'lake-sink' } }, labels)).toBe(true);
    expect(selects({ matchLabels: { 'app.kubernetes.io/name': 'scoring-api' } }, labels)).toBe(false);
    const byName = (operator: string, values?: string[]): boolean =>
      selects({ matchExpressions: [{ key: 'app.kubernetes.io/name', operator, values }] }, labels);
    expect([byName('In', ['attack', 'lake-sink']), byName('In', ['attack'])]).toEqual([true, false]);
    expect([byName('NotIn', ['lake-sink']), byName('Exists'), byName('DoesNotExist')]).toEqual([
      false,
      true,
      false,
    ]);
  });
});

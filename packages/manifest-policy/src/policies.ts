// The rules every fraudops manifest must follow, as pure functions over parsed objects. They encode what a
// reviewer would otherwise have to remember: a container without requests cannot be scheduled or scaled
// honestly, one without probes takes traffic it cannot serve, and a root or writable container widens
// what an exploit can do; a workload no NetworkPolicy names has only the namespace's default (in fraudops: deny
// all), so it either cannot work or someone opened the namespace for it.

export interface ManifestObject {
  /** The file it came from, relative to the repository root. */
  file: string;
  object: Record<string, unknown>;
}

export interface Violation {
  file: string;
  /** `Kind/name`, plus `container <name>` when the rule is about one container. */
  subject: string;
  rule: PolicyRule;
  message: string;
}

export type PolicyRule =
  | 'container-resources'
  | 'container-probes'
  | 'run-as-non-root'
  | 'no-privilege-escalation'
  | 'read-only-root-filesystem'
  | 'drop-all-capabilities'
  | 'seccomp-runtime-default'
  | 'own-network-policy'
  | 'hpa-bounds';

/** Formats a violation as one line: the file, the object, the rule, what is wrong. */
export function formatViolation(v: Violation): string {
  return `${v.file}: ${v.subject}: [${v.rule}] ${v.message}`;
}

type Json = Record<string, unknown>;
const asObject = (value: unknown): Json =>
  value !== null && typeof value === 'object' ? (value as Json) : {};
const at = (value: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((node, key) => asObject(node)[key], value);

/** Where each workload kind keeps its pod template. */
const POD_TEMPLATE_PATHS: Record<string, string[]> = {
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};
/** Workloads that serve or run until stopped: they need probes. A Job runs to completion. */
const LONG_RUNNING = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

function containersOf(pod: unknown): Json[] {
  return [
    ...((at(pod, 'initContainers') as unknown[] | undefined) ?? []),
    ...((at(pod, 'containers') as unknown[] | undefined) ?? []),
  ].map(asObject);
}

function checkContainer(kind: string, pod: unknown, container: Json): [PolicyRule, string][] {
  const found: [PolicyRule, string][] = [];
  const resources = at(container, 'resources');
  const missing = [
    ['requests', 'cpu'],
    ['requests', 'memory'],
    ['limits', 'memory'],
  ].filter((path) => at(resources, ...path) === undefined);
  if (missing.length > 0)
    found.push([
      'container-resources',
      `needs resources.${missing.map((p) => p.join('.')).join(', resources.')}`,
    ]);
  if (LONG_RUNNING.has(kind)) {
    const probes = ['readinessProbe', 'livenessProbe'].filter((p) => at(container, p) === undefined);
    if (probes.length > 0) found.push(['container-probes', `needs ${probes.join(' and ')}`]);
  }
  const security = at(container, 'securityContext');
  const nonRoot = at(security, 'runAsNonRoot') ?? at(pod, 'securityContext', 'runAsNonRoot');
  if (nonRoot !== true)
    found.push(['run-as-non-root', 'needs securityContext.runAsNonRoot: true (on the container or the pod)']);
  if (at(security, 'allowPrivilegeEscalation') !== false)
    found.push(['no-privilege-escalation', 'needs securityContext.allowPrivilegeEscalation: false']);
  if (at(security, 'readOnlyRootFilesystem') !== true)
    found.push(['read-only-root-filesystem', 'needs securityContext.readOnlyRootFilesystem: true']);
  const dropped = (at(security, 'capabilities', 'drop') as unknown[] | undefined) ?? [];
  if (!dropped.includes('ALL'))
    found.push(['drop-all-capabilities', "needs securityContext.capabilities.drop: ['ALL']"]);
  const seccomp =
    at(security, 'seccompProfile', 'type') ?? at(pod, 'securityContext', 'seccompProfile', 'type');
  if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost')
    found.push([
      'seccomp-runtime-default',
      'needs securityContext.seccompProfile.type: RuntimeDefault (on the container or the pod)',
    ]);
  return found;
}

/** Whether a label selector (matchLabels, matchExpressions) selects these labels; an empty one selects all. */
export function selects(selector: unknown, labels: Record<string, unknown>): boolean {
  const matchLabels = Object.entries(asObject(at(selector, 'matchLabels')));
  const expressions = ((at(selector, 'matchExpressions') as unknown[] | undefined) ?? []).map(asObject);
  return (
    matchLabels.every(([key, value]) => labels[key] === value) &&
    expressions.every((e) => {
      const key = String(e.key);
      const values = (e.values as unknown[] | undefined) ?? [];
      switch (e.operator) {
        case 'In':
          return values.includes(labels[key]);
        case 'NotIn':
          return !values.includes(labels[key]);
        case 'Exists':
          return key in labels;
        case 'DoesNotExist':
          return !(key in labels);
        default:
          return false;
      }
    })
  );
}

/**
 * NetworkPolicies that say where a pod may connect: policyTypes with Egress and a non-empty podSelector that
 * selects its labels. The namespace-wide ones (default deny, DNS) do not count, nor an ingress-only one such
 * as Prometheus's scrape: they say nothing about what this workload may reach.
 */
function ownPolicies(policies: readonly Json[], labels: Record<string, unknown>): Json[] {
  return policies.filter((policy) => {
    const selector = at(policy, 'spec', 'podSelector');
    const empty =
      Object.keys(asObject(at(selector, 'matchLabels'))).length === 0 &&
      ((at(selector, 'matchExpressions') as unknown[] | undefined) ?? []).length === 0;
    const types = (at(policy, 'spec', 'policyTypes') as unknown[] | undefined) ?? [];
    return !empty && types.includes('Egress') && selects(selector, labels);
  });
}

/** The workloads of a namespace that has NetworkPolicies, none of which names them. */
function checkNetworkPolicies(objects: readonly ManifestObject[]): Violation[] {
  const policies = objects.filter((m) => m.object.kind === 'NetworkPolicy');
  // The base's objects name no namespace (Kustomize sets it), so a namespace is its folder (deploy/k8s/base)
  // plus whatever metadata.namespace says.
  const namespaceOf = (m: ManifestObject): string => {
    const namespace = at(m.object, 'metadata', 'namespace');
    return `${m.file.split('/').slice(0, 3).join('/')}:${typeof namespace === 'string' ? namespace : ''}`;
  };
  const covered = new Set(policies.map(namespaceOf));
  return objects.flatMap((m) => {
    const kind = String(m.object.kind);
    const podPath = POD_TEMPLATE_PATHS[kind];
    if (podPath === undefined || !covered.has(namespaceOf(m))) return [];
    const labels = asObject(at(m.object, ...podPath.slice(0, -1), 'metadata', 'labels'));
    const own = ownPolicies(
      policies.filter((p) => namespaceOf(p) === namespaceOf(m)).map((p) => p.object),
      labels,
    );
    if (own.length > 0) return [];
    return [
      {
        file: m.file,
        subject: `${kind}/${String(at(m.object, 'metadata', 'name'))}`,
        rule: 'own-network-policy' as const,
        message:
          'needs a NetworkPolicy whose podSelector names its pods and whose Egress rules say where they may connect, not only the namespace-wide ones',
      },
    ];
  });
}

/** The bounds the brief sets for the scoring API: 4 to 6 replicas. */
export const SCORING_API_REPLICAS = { min: 4, max: 6 } as const;

export function checkManifests(objects: readonly ManifestObject[]): Violation[] {
  const violations: Violation[] = checkNetworkPolicies(objects);
  for (const { file, object } of objects) {
    const kind = typeof object.kind === 'string' ? object.kind : '';
    const rawName = at(object, 'metadata', 'name');
    const name = typeof rawName === 'string' ? rawName : '?';
    const podPath = POD_TEMPLATE_PATHS[kind];
    if (podPath !== undefined) {
      const pod = at(object, ...podPath);
      for (const container of containersOf(pod)) {
        for (const [rule, message] of checkContainer(kind, pod, container)) {
          violations.push({
            file,
            subject: `${kind}/${name} container ${String(container.name)}`,
            rule,
            message,
          });
        }
      }
    }
    if (kind === 'HorizontalPodAutoscaler' && name === 'scoring-api') {
      const min = at(object, 'spec', 'minReplicas');
      const max = at(object, 'spec', 'maxReplicas');
      if (min !== SCORING_API_REPLICAS.min || max !== SCORING_API_REPLICAS.max) {
        violations.push({
          file,
          subject: `${kind}/${name}`,
          rule: 'hpa-bounds',
          message: `must scale ${SCORING_API_REPLICAS.min}..${SCORING_API_REPLICAS.max} replicas, has ${String(min)}..${String(max)}`,
        });
      }
    }
  }
  return violations;
}

// The rules every fraudops manifest must follow, as pure functions over parsed objects. They encode what a
// reviewer would otherwise have to remember: a container without requests cannot be scheduled or scaled
// honestly, one without probes takes traffic it cannot serve, and a root or writable container widens
// what an exploit can do.

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
  return found;
}

/** The bounds the brief sets for the scoring API: 4 to 6 replicas. */
export const SCORING_API_REPLICAS = { min: 4, max: 6 } as const;

export function checkManifests(objects: readonly ManifestObject[]): Violation[] {
  const violations: Violation[] = [];
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

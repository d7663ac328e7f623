// Renders the local "cluster" in the Kubernetes dialect: cAdvisor's container_cpu_usage_seconds_total and
// kube-state-metrics' pod, deployment and HPA series, with the same names and labels, so that the one rule
// file in monitoring/rules runs unchanged here and in a real cluster.

export interface PodState {
  name: string;
  ready: boolean;
  cpuSeconds: number;
}

export interface ClusterState {
  namespace: string;
  deployment: string;
  container: string;
  image: string;
  node: string;
  cpuRequestCores: number;
  /** The Deployment's pods that exist now (a replica that died is absent until it is replaced). */
  pods: readonly PodState[];
  /**
   * The HPA's status: currentReplicas is the target's spec.replicas its last sync read, not a count of pods;
   * desiredReplicas is what that sync set spec.replicas to.
   */
  hpa: { minReplicas: number; maxReplicas: number; currentReplicas: number; desiredReplicas: number };
  /** Gateway responses so far, by status code. */
  gatewayResponses: ReadonlyMap<number, number>;
  gatewayName: string;
}

type Labels = Record<string, string>;

function labelText(labels: Labels): string {
  const pairs = Object.entries(labels).map(
    ([k, v]) => `${k}="${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`,
  );
  return `{${pairs.join(',')}}`;
}

class Exposition {
  private readonly lines: string[] = [];

  family(name: string, type: 'counter' | 'gauge', help: string, samples: readonly [Labels, number][]): void {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) this.lines.push(`${name}${labelText(labels)} ${value}`);
  }

  toString(): string {
    return `${this.lines.join('\n')}\n`;
  }
}

export function renderClusterMetrics(c: ClusterState): string {
  const out = new Exposition();
  const ns = c.namespace;
  out.family(
    'container_cpu_usage_seconds_total',
    'counter',
    'Cumulative cpu time consumed in seconds (cAdvisor dialect).',
    c.pods.flatMap((pod): [Labels, number][] => {
      const id = `/kubepods/burstable/${pod.name}`;
      return [
        // What a rule must count: the app container, with its image.
        [
          {
            namespace: ns,
            pod: pod.name,
            container: c.container,
            image: c.image,
            id: `${id}/${c.container}`,
            name: c.container,
          },
          pod.cpuSeconds,
        ],
        // What cAdvisor also reports and a rule must ignore: the pod's cgroup (no container, no image) and the pause container.
        [{ namespace: ns, pod: pod.name, container: '', image: '', id, name: '' }, pod.cpuSeconds],
        [
          {
            namespace: ns,
            pod: pod.name,
            container: 'POD',
            image: 'registry.k8s.io/pause:3.9',
            id: `${id}/pause`,
            name: 'POD',
          },
          0,
        ],
      ];
    }),
  );
  out.family(
    'kube_pod_container_resource_requests',
    'gauge',
    'The number of requested request resource by a container.',
    c.pods.map((pod) => [
      { namespace: ns, pod: pod.name, container: c.container, node: c.node, resource: 'cpu', unit: 'core' },
      c.cpuRequestCores,
    ]),
  );
  out.family(
    'kube_pod_status_ready',
    'gauge',
    'Describes whether the pod is ready to serve requests.',
    c.pods.flatMap((pod): [Labels, number][] => [
      [{ namespace: ns, pod: pod.name, condition: 'true' }, pod.ready ? 1 : 0],
      [{ namespace: ns, pod: pod.name, condition: 'false' }, pod.ready ? 0 : 1],
    ]),
  );
  out.family(
    'kube_deployment_spec_replicas',
    'gauge',
    'Number of desired pods for a deployment.',
    // Only the HPA sets the Deployment's replicas, and its last decision is its status' desiredReplicas.
    [[{ namespace: ns, deployment: c.deployment }, c.hpa.desiredReplicas]],
  );
  out.family('kube_deployment_status_replicas', 'gauge', 'The number of replicas per deployment.', [
    [{ namespace: ns, deployment: c.deployment }, c.pods.length],
  ]);
  out.family(
    'kube_deployment_status_replicas_ready',
    'gauge',
    'The number of ready replicas per deployment.',
    [[{ namespace: ns, deployment: c.deployment }, c.pods.filter((p) => p.ready).length]],
  );
  const hpa = { namespace: ns, horizontalpodautoscaler: c.deployment };
  out.family(
    'kube_horizontalpodautoscaler_spec_min_replicas',
    'gauge',
    'Lower limit for the number of pods that can be set by the autoscaler.',
    [[hpa, c.hpa.minReplicas]],
  );
  out.family(
    'kube_horizontalpodautoscaler_spec_max_replicas',
    'gauge',
    'Upper limit for the number of pods that can be set by the autoscaler.',
    [[hpa, c.hpa.maxReplicas]],
  );
  out.family(
    'kube_horizontalpodautoscaler_status_current_replicas',
    'gauge',
    'Current number of replicas of pods managed by this autoscaler.',
    [[hpa, c.hpa.currentReplicas]],
  );
  out.family(
    'kube_horizontalpodautoscaler_status_desired_replicas',
    'gauge',
    'Desired number of replicas of pods managed by this autoscaler.',
    [[hpa, c.hpa.desiredReplicas]],
  );
  out.family(
    'gateway_http_requests_total',
    'counter',
    'Responses of the gateway by status code; 429 means refused by the per-client rate limit.',
    [...c.gatewayResponses].map(([code, count]) => [
      { namespace: ns, gateway: c.gatewayName, code: String(code) },
      count,
    ]),
  );
  return out.toString();
}

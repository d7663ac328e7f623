// The rules read in the cluster only what Prometheus scrapes there. These checks tie the rule files' selectors
// to the manifests that produce the series: the Envoy proxies' PodMonitor and the Gateway, route and rate-limit
// policy it stands for (gateway.rules.yaml), and the two sources of consumer lag (stream-scorer.rules.yaml).
import { loadProjectConfig } from '@fraudops/config';
import { describe, expect, it } from 'vitest';
import { rulesOf } from './support/rule-file.ts';
import { objectsIn, objectsInChartTemplate, type KubernetesObject } from './support/deploy-files.ts';
import { must } from './support/tools.ts';

const find = (objects: KubernetesObject[], kind: string, name: string): KubernetesObject =>
  must(
    objects.find((o) => o.kind === kind && o.metadata.name === name),
    `${kind} ${name}`,
  );

/** Every selector of `metric` in a PromQL expression, as label -> value (equality matchers only). */
function selectorsOf(expr: string, metric: RegExp): Record<string, string>[] {
  const pattern = new RegExp(`\\b(${metric.source})\\{([^}]*)\\}`, 'g');
  return [...expr.matchAll(pattern)].map((match) =>
    Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)\s*=\s*"([^"]*)"/g)].map((m) => [m[1] ?? '', m[2] ?? '']),
    ),
  );
}

// Where Envoy Gateway runs (its Application of the app-of-apps chart), and so where it runs the proxies.
const envoyGatewayApp = find(objectsInChartTemplate('envoy-gateway.yaml'), 'Application', 'envoy-gateway');
const proxyNamespace = (envoyGatewayApp.spec as { destination: { namespace: string } }).destination.namespace;

const gatewayObjects = [
  ...objectsIn('deploy/gitops/platform/gateway/gateway.yaml'),
  ...objectsIn('deploy/gitops/platform/gateway/envoy-proxy-monitor.yaml'),
];
const theGateway = must(
  gatewayObjects.find((o) => o.kind === 'Gateway'),
  'the Gateway of deploy/gitops/platform/gateway',
);
const route = find(objectsIn('deploy/k8s/base/scoring-api/http-route.yaml'), 'HTTPRoute', 'scoring-api');
const rateLimit = find(
  objectsIn('deploy/k8s/base/scoring-api/rate-limit.yaml'),
  'BackendTrafficPolicy',
  'scoring-api-rate-limit',
);

// The pod labels Envoy Gateway v1.9.0 puts on every proxy (internal/infrastructure/kubernetes/proxy:
// EnvoyAppLabel, and the owning Gateway's labels from internal/gatewayapi).
const PROXY_LABELS = {
  'app.kubernetes.io/name': 'envoy',
  'app.kubernetes.io/component': 'proxy',
  'app.kubernetes.io/managed-by': 'envoy-gateway',
};
const OWNING_NAMESPACE = 'gateway.envoyproxy.io/owning-gateway-namespace';
const OWNING_NAME = 'gateway.envoyproxy.io/owning-gateway-name';
/** Prometheus' Kubernetes discovery names a pod label __meta_kubernetes_pod_label_<name, non-word -> _>. */
const podLabelMeta = (label: string): string => `__meta_kubernetes_pod_label_${label.replace(/\W/g, '_')}`;

interface PodMonitorSpec {
  selector: { matchLabels: Record<string, string> };
  podMetricsEndpoints: {
    port: string;
    path: string;
    relabelings?: { sourceLabels?: string[]; targetLabel?: string; action?: string }[];
  }[];
}

describe("the gateway's rate limit in the cluster", () => {
  const monitor = find(gatewayObjects, 'PodMonitor', 'envoy-proxy');
  const spec = monitor.spec as unknown as PodMonitorSpec;

  it("has Prometheus scrape /stats/prometheus of the Gateway's Envoy proxies, where Envoy Gateway runs them", () => {
    expect(monitor.metadata.namespace).toBe(proxyNamespace);
    expect(spec.selector.matchLabels).toEqual({
      ...PROXY_LABELS,
      [OWNING_NAMESPACE]: theGateway.metadata.namespace,
      [OWNING_NAME]: theGateway.metadata.name,
    });
    expect(spec.podMetricsEndpoints).toHaveLength(1);
    expect(spec.podMetricsEndpoints[0]).toMatchObject({ port: 'metrics', path: '/stats/prometheus' });
  });

  it("labels every series with the proxy's Gateway, as the rules select it", () => {
    const relabelings = spec.podMetricsEndpoints[0]?.relabelings ?? [];
    expect(relabelings).toEqual([
      { sourceLabels: [podLabelMeta(OWNING_NAMESPACE)], targetLabel: 'gateway_namespace' },
      { sourceLabels: [podLabelMeta(OWNING_NAME)], targetLabel: 'gateway' },
    ]);
    const envoySelectors = rulesOf('gateway.rules.yaml').flatMap((rule) =>
      selectorsOf(rule.expr, /envoy_\w+/),
    );
    expect(envoySelectors.length).toBeGreaterThan(0);
    for (const selector of envoySelectors)
      expect(selector).toEqual({
        gateway_namespace: theGateway.metadata.namespace,
        gateway: theGateway.metadata.name,
      });
  });

  it("names the Envoy proxies' figures as the embedded stack names nginx's, in the namespace the alerts route on", () => {
    const config = loadProjectConfig({});
    for (const rule of rulesOf('gateway.rules.yaml').filter((r) => r.record !== undefined)) {
      const nginx = must(selectorsOf(rule.expr, /gateway_http_requests_total/)[0], `nginx in ${rule.record}`);
      const replaced = Object.fromEntries(
        [...rule.expr.matchAll(/"(\w+)", "([^"]*)", "", ""/g)].map((m) => [m[1] ?? '', m[2] ?? '']),
      );
      expect(replaced, rule.record).toEqual({ namespace: config.cloud.namespace, gateway: nginx.gateway });
    }
  });

  it("counts only the scoring API's refusals: its route is the Gateway's only one and has a Local limit", () => {
    // Envoy Gateway gives every route's local limiter one stat prefix: the counters are per proxy, so the
    // mapping holds while the scoring API's route is the only one on the Gateway.
    const parents = (route.spec as { parentRefs: { kind: string; name: string; namespace: string }[] })
      .parentRefs;
    expect(parents).toEqual([
      expect.objectContaining({
        kind: 'Gateway',
        name: theGateway.metadata.name,
        namespace: theGateway.metadata.namespace,
      }),
    ]);
    const routes = [...objectsIn('deploy/k8s/base/scoring-api/http-route.yaml'), ...gatewayObjects].filter(
      (o) => /Route$/.test(o.kind),
    );
    expect(routes.map((r) => r.metadata.name)).toEqual(['scoring-api']);
    // Envoy's local rate limit filter is what counts envoy_http_local_rate_limit_*; a Global limit would be
    // counted by the rate limit service instead.
    expect(rateLimit.spec).toMatchObject({
      targetRefs: [{ kind: 'HTTPRoute', name: route.metadata.name }],
      rateLimit: { type: 'Local' },
    });
  });
});

describe('consumer lag in the cluster', () => {
  const kafka = objectsIn('deploy/gitops/platform/kafka/kafka.yaml');
  const cluster = must(
    kafka.find((o) => o.kind === 'Kafka'),
    'the Kafka cluster',
  );

  it("has Prometheus scrape Strimzi's Kafka Exporter, which reports every group's lag", () => {
    const exporter = (cluster.spec as { kafkaExporter?: { groupRegex?: string } }).kafkaExporter;
    expect(exporter?.groupRegex).toBe('.*');
    const monitor = find(kafka, 'PodMonitor', 'kafka-exporter');
    expect(monitor.metadata.namespace).toBe(cluster.metadata.namespace);
    const spec = monitor.spec as unknown as PodMonitorSpec;
    // The labels and port Strimzi gives the exporter's pods (KafkaExporter: <cluster>-kafka-exporter,
    // MetricsModel.METRICS_PORT_NAME).
    expect(spec.selector.matchLabels).toEqual({
      'strimzi.io/kind': 'Kafka',
      'strimzi.io/name': `${cluster.metadata.name}-kafka-exporter`,
    });
    expect(spec.podMetricsEndpoints[0]).toMatchObject({ port: 'tcp-prometheus', path: '/metrics' });
  });

  it('has Prometheus scrape the stream scorers, which report the lag of their partitions', () => {
    const monitor = find(
      objectsIn('deploy/k8s/base/stream-scorer/service-monitor.yaml'),
      'ServiceMonitor',
      'stream-scorer',
    );
    expect(monitor.spec).toMatchObject({ endpoints: [{ port: 'http', path: '/metrics' }] });
  });
});

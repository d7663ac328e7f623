// The cluster's manifests wire the stream scorer to every Ready scoring-api replica (see
// replica-discovery.test.ts for the mechanism itself): SCORING_URL names a headless Service that selects
// the scoring API's pods on their container port, discovery is on and quick enough that a leaving replica is
// dropped before its preStop sleep ends, the network policies let the scorer dial the pods, and Prometheus
// still scrapes each replica once. The checks are pure functions over the parsed manifests, so each rule is
// also shown failing on a planted breakage.
import { join } from 'node:path';
import { loadProjectConfig } from '@fraudops/config';
import { deployDir, readManifests, type ManifestObject } from '@fraudops/manifest-policy';
import { describe, expect, it } from 'vitest';
import { loadScorerSettings } from '../src/config.ts';

/** CoreDNS's kubernetes plugin answers with a 5 s TTL by default; its cache plugin keeps answers that long. */
const COREDNS_TTL_MS = 5000;
/** EndpointSlice controller and CoreDNS's watch: a terminating pod leaves the answer within about a second. */
const ENDPOINT_PROPAGATION_MS = 1000;

type Json = Record<string, unknown>;
const at = (value: unknown, ...path: (string | number)[]): unknown =>
  path.reduce<unknown>((node, key) => (node as Json | undefined)?.[key as string], value);
const labelsMatch = (selector: unknown, labels: unknown): boolean =>
  selector !== null &&
  typeof selector === 'object' &&
  Object.keys(selector).length > 0 &&
  Object.entries(selector as Record<string, string>).every(([k, v]) => at(labels, k) === v);

interface Container {
  name: string;
  env?: { name: string; value?: string }[];
  ports?: { name?: string; containerPort: number }[];
  lifecycle?: { preStop?: { sleep?: { seconds?: number } } };
}

/** What is wrong with the scorer's path to the replicas; empty when nothing is. */
function wiringProblems(objects: readonly Json[], namespace: string): string[] {
  const find = (kind: string, name: string): Json | undefined =>
    objects.find((o) => o.kind === kind && at(o, 'metadata', 'name') === name);
  const scorer = find('Deployment', 'stream-scorer');
  const api = find('Deployment', 'scoring-api');
  if (scorer === undefined || api === undefined)
    return ['the stream-scorer or scoring-api Deployment is missing'];
  const scorerPod = at(scorer, 'spec', 'template');
  const apiPod = at(api, 'spec', 'template');
  const scorerContainer = at(scorerPod, 'spec', 'containers', 0) as Container;
  const apiContainer = at(apiPod, 'spec', 'containers', 0) as Container;

  // The values go through the scorer's own parser: what it would refuse at start-up fails here.
  const env = Object.fromEntries((scorerContainer.env ?? []).map((e) => [e.name, e.value ?? '']));
  let settings: ReturnType<typeof loadScorerSettings>;
  try {
    settings = loadScorerSettings(env);
  } catch (error) {
    return [`the stream scorer would not start: ${(error as Error).message}`];
  }
  const problems: string[] = [];
  const interval = settings.scoringResolveIntervalMs ?? 0;
  if (interval === 0)
    problems.push('SCORING_RESOLVE_INTERVAL_MS is not set: new replicas may get no batches');

  const url = new URL(settings.scoringUrl);
  const port = Number(url.port || '80');
  const suffix = `.${namespace}.svc.cluster.local`;
  const serviceName = url.hostname.endsWith(suffix) ? url.hostname.slice(0, -suffix.length) : null;
  const service = serviceName === null ? undefined : find('Service', serviceName);
  if (service === undefined) {
    problems.push(`SCORING_URL's host ${url.hostname} is no Service of the namespace ${namespace}`);
  } else {
    if (at(service, 'spec', 'clusterIP') !== 'None')
      problems.push(
        `Service/${serviceName ?? ''} is not headless: kube-proxy would pin keep-alive connections`,
      );
    if (at(service, 'spec', 'publishNotReadyAddresses') === true)
      problems.push(`Service/${serviceName ?? ''} publishes not-ready replicas`);
    if (!labelsMatch(at(service, 'spec', 'selector'), at(apiPod, 'metadata', 'labels')))
      problems.push(`Service/${serviceName ?? ''} does not select the scoring-api pods`);
    const ports = (at(service, 'spec', 'ports') as { port: number }[] | undefined) ?? [];
    if (!ports.some((p) => p.port === port))
      problems.push(`Service/${serviceName ?? ''} has no port ${port} (SCORING_URL's)`);
    // Prometheus: each replica through one Service only, or every series is scraped twice.
    const monitored = objects
      .filter((o) => o.kind === 'Service')
      .filter((s) => labelsMatch(at(s, 'spec', 'selector'), at(apiPod, 'metadata', 'labels')))
      .filter((s) =>
        objects.some(
          (m) =>
            m.kind === 'ServiceMonitor' &&
            labelsMatch(at(m, 'spec', 'selector', 'matchLabels'), at(s, 'metadata', 'labels')),
        ),
      );
    if (monitored.length !== 1)
      problems.push(
        `the scoring-api pods are scraped through ${monitored.length} Services (${monitored.map((s) => String(at(s, 'metadata', 'name'))).join(', ')}), not 1`,
      );
  }
  // No virtual IP, no port translation: the scorer dials the pods on SCORING_URL's port.
  const apiHttp = apiContainer.ports?.find((p) => p.name === 'http');
  if (apiHttp?.containerPort !== port)
    problems.push(
      `the scoring-api container listens on ${apiHttp?.containerPort ?? '?'}, SCORING_URL dials ${port}`,
    );

  // A leaving replica keeps serving through its preStop sleep; the scorer must have dropped it by then.
  const preStopMs = (apiContainer.lifecycle?.preStop?.sleep?.seconds ?? 0) * 1000;
  const dropMs = ENDPOINT_PROPAGATION_MS + COREDNS_TTL_MS + interval;
  if (interval > 0 && dropMs >= preStopMs)
    problems.push(
      `a leaving replica may get batches after its preStop sleep: ${ENDPOINT_PROPAGATION_MS} + ${COREDNS_TTL_MS} + ${interval} ms >= ${preStopMs} ms`,
    );

  // NetworkPolicies see the pod's address and port: the scorer's egress and the API's ingress on that port.
  const namedOrNumber = (p: unknown): boolean =>
    p === port || (p === 'http' && apiHttp?.containerPort === port);
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
  const allows = (
    direction: 'egress' | 'ingress',
    self: unknown,
    peerKey: 'to' | 'from',
    peer: unknown,
  ): boolean =>
    policies.some(
      (policy) =>
        labelsMatch(at(policy, 'spec', 'podSelector', 'matchLabels'), self) &&
        ((at(policy, 'spec', direction) as Json[] | undefined) ?? []).some(
          (rule) =>
            ((rule[peerKey] as Json[] | undefined) ?? []).some((p) =>
              labelsMatch(at(p, 'podSelector', 'matchLabels'), peer),
            ) && ((rule.ports as Json[] | undefined) ?? []).some((p) => namedOrNumber(p.port)),
        ),
    );
  const scorerLabels = at(scorerPod, 'metadata', 'labels');
  const apiLabels = at(apiPod, 'metadata', 'labels');
  if (!allows('egress', scorerLabels, 'to', apiLabels))
    problems.push(`no NetworkPolicy lets the stream scorer reach the scoring-api pods on port ${port}`);
  if (!allows('ingress', apiLabels, 'from', scorerLabels))
    problems.push(`no NetworkPolicy lets the scoring-api pods accept the stream scorer on port ${port}`);
  const dns = policies.some(
    (policy) =>
      Object.keys((at(policy, 'spec', 'podSelector') as Json | undefined) ?? {}).length === 0 &&
      ((at(policy, 'spec', 'egress') as Json[] | undefined) ?? []).some((rule) =>
        ((rule.ports as Json[] | undefined) ?? []).some((p) => p.port === 53 && p.protocol === 'UDP'),
      ),
  );
  if (!dns) problems.push('no NetworkPolicy lets the stream scorer ask DNS (UDP 53)');
  return problems;
}

const namespace = loadProjectConfig().cloud.namespace;
const base: ManifestObject[] = readManifests(join(deployDir, 'k8s', 'base'));
const objects = base.map((m) => m.object);

/** A deep copy of the base's objects with one change planted. */
function planted(change: (find: (kind: string, name: string) => Json) => void): Json[] {
  const copy = structuredClone(objects);
  change((kind, name) => {
    const found = copy.find((o) => o.kind === kind && at(o, 'metadata', 'name') === name);
    if (found === undefined) throw new Error(`no ${kind}/${name} to plant into`);
    return found;
  });
  return copy;
}
const scorerEnv = (find: (kind: string, name: string) => Json): { name: string; value: string }[] =>
  at(find('Deployment', 'stream-scorer'), 'spec', 'template', 'spec', 'containers', 0, 'env') as {
    name: string;
    value: string;
  }[];
const setEnv = (find: (kind: string, name: string) => Json, name: string, value: string | null): void => {
  const env = scorerEnv(find);
  const index = env.findIndex((e) => e.name === name);
  if (index >= 0) env.splice(index, 1);
  if (value !== null) env.push({ name, value });
};

describe('the cluster wires the stream scorer to every Ready scoring-api replica', () => {
  it('holds for deploy/k8s/base', () => {
    expect(wiringProblems(objects, namespace)).toEqual([]);
  });

  it.each<[string, (find: (kind: string, name: string) => Json) => void, RegExp]>([
    [
      "the scoring API's ClusterIP Service as SCORING_URL, no discovery (the old wiring)",
      (find) => {
        setEnv(find, 'SCORING_URL', `http://scoring-api.${namespace}.svc.cluster.local:8080`);
        setEnv(find, 'SCORING_RESOLVE_INTERVAL_MS', null);
      },
      /SCORING_RESOLVE_INTERVAL_MS is not set.*\n.*Service\/scoring-api is not headless/,
    ],
    [
      'a Service with a virtual IP',
      (find) => void ((find('Service', 'scoring-api-headless').spec as Json).clusterIP = '10.96.0.7'),
      /is not headless/,
    ],
    [
      'a resolution interval that outlasts the preStop sleep',
      (find) => {
        setEnv(find, 'SCORING_RESOLVE_INTERVAL_MS', '5000');
      },
      /a leaving replica may get batches after its preStop sleep: 1000 \+ 5000 \+ 5000 ms >= 10000 ms/,
    ],
    [
      'an interval the scorer refuses',
      (find) => {
        setEnv(find, 'SCORING_RESOLVE_INTERVAL_MS', '10');
      },
      /the stream scorer would not start: SCORING_RESOLVE_INTERVAL_MS must be 0 or/,
    ],
    [
      'a Service port other than the container port',
      (find) => {
        setEnv(find, 'SCORING_URL', `http://scoring-api-headless.${namespace}.svc.cluster.local:80`);
      },
      /has no port 80.*\n.*listens on 8080, SCORING_URL dials 80/,
    ],
    [
      'the headless Service labelled as the ServiceMonitor selects',
      (find) =>
        void ((find('Service', 'scoring-api-headless').metadata as { labels: Json }).labels[
          'app.kubernetes.io/name'
        ] = 'scoring-api'),
      /scraped through 2 Services \(scoring-api, scoring-api-headless\)/,
    ],
    [
      'a scorer egress rule on another port',
      (find) =>
        void ((at(find('NetworkPolicy', 'stream-scorer'), 'spec', 'egress', 1, 'ports', 0) as Json).port =
          80),
      /no NetworkPolicy lets the stream scorer reach the scoring-api pods on port 8080/,
    ],
  ])('fails on %s', (_name, change, message) => {
    expect(wiringProblems(planted(change), namespace).join('\n')).toMatch(message);
  });
});

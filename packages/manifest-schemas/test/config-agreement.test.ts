// The rendered manifests say what fraudops.config.json says: one source for the names, the host and the limits
// that both the embedded stack and the cluster use.
import { loadProjectConfig } from '@fraudops/config';
import { describe, expect, it } from 'vitest';
import { renderManifests, type RenderedObject } from '../src/index.ts';

const config = loadProjectConfig();
const overlay = renderManifests().filter((o) => o.source === 'deploy/k8s/overlays/yandex (kustomize build)');

function find(kind: string, name: string): Record<string, unknown> {
  const found = overlay.find((o) => o.object.kind === kind && o.object.metadata?.name === name);
  if (found === undefined) throw new Error(`the Yandex overlay renders no ${kind}/${name}`);
  return found.object;
}

type Json = Record<string, unknown>;
const at = (value: unknown, ...path: (string | number)[]): unknown =>
  path.reduce<unknown>((node, key) => (node as Json | undefined)?.[key as string], value);

describe('the Yandex overlay agrees with fraudops.config.json', () => {
  it('puts every object but the Namespace into cloud.namespace', () => {
    expect(overlay.length).toBeGreaterThan(10);
    const elsewhere = overlay
      .filter((o: RenderedObject) => o.object.kind !== 'Namespace')
      .filter((o) => o.object.metadata?.namespace !== config.cloud.namespace)
      .map((o) => `${o.object.kind ?? ''}/${o.object.metadata?.name ?? ''}`);
    expect(elsewhere).toEqual([]);
    expect(find('Namespace', config.cloud.namespace)).toBeDefined();
  });

  it('routes cloud.host to the scoring API', () => {
    expect(at(find('HTTPRoute', 'scoring-api'), 'spec', 'hostnames')).toEqual([config.cloud.host]);
  });

  it("limits each client as the embedded gateway does (stack.gateway.rateLimit's requests per second)", () => {
    const rules = at(
      find('BackendTrafficPolicy', 'scoring-api-rate-limit'),
      'spec',
      'rateLimit',
      'local',
      'rules',
    );
    expect(at(rules, 0, 'limit')).toEqual({
      requests: config.stack.gateway.rateLimit.requestsPerSecond,
      unit: 'Second',
    });
    expect(at(rules, 0, 'clientSelectors', 0, 'sourceCIDR', 'type')).toBe('Distinct');
  });

  it('runs the images named in cloud.images from the registry', () => {
    const images = overlay.flatMap((o) => {
      const pod =
        o.object.kind === 'CronJob'
          ? at(o.object, 'spec', 'jobTemplate', 'spec', 'template', 'spec')
          : at(o.object, 'spec', 'template', 'spec');
      const containers = [
        ...((at(pod, 'initContainers') as unknown[] | undefined) ?? []),
        ...((at(pod, 'containers') as unknown[] | undefined) ?? []),
      ];
      return (containers as { image: string }[]).map((c) => c.image);
    });
    for (const name of Object.values(config.cloud.images)) {
      // REGISTRY_ID until the operator (or CI's first rollout) writes the registry's id.
      const fromRegistry = new RegExp(`^cr\\.yandex/(REGISTRY_ID|[a-z0-9]+)/${name}:[\\w.-]+$`);
      expect(
        images.some((image) => fromRegistry.test(image)),
        name,
      ).toBe(true);
    }
  });

  it("points the stream scorer at Kafka and at the scoring API's Service in cloud.namespace", () => {
    const env = at(
      find('Deployment', 'stream-scorer'),
      'spec',
      'template',
      'spec',
      'containers',
      0,
      'env',
    ) as {
      name: string;
      value: string;
    }[];
    const names = env.map((e) => e.name);
    expect(names).toContain('KAFKA_BROKERS');
    expect(names).toContain('SCORING_URL');
    expect(env.find((e) => e.name === 'SCORING_URL')?.value).toMatch(
      new RegExp(`^http://scoring-api-headless\\.${config.cloud.namespace}\\.svc\\.cluster\\.local:\\d+$`),
    );
  });
});

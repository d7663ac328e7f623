// The lag alert's rule file spells out what other places own: the threshold (monitoring/src/alerts.ts, which the
// dashboard draws), the consumer group and topic (fraudops.config.json, which the stream scorer consumes
// with). These checks keep the copies equal, and the threshold well above what a scorer that keeps up holds.
import { loadProjectConfig } from '@fraudops/config';
import { describe, expect, it } from 'vitest';
import { STREAM_LAG_WARNING_EVENTS } from '../src/alerts.ts';
import { objectsIn } from './support/deploy-files.ts';
import { ruleNamed, rulesOf, type Rule } from './support/rule-file.ts';
import { must } from './support/tools.ts';

const rules = rulesOf('stream-scorer.rules.yaml');
const byName = (name: string): Rule => ruleNamed(rules, name);
// The repository's own config, whatever FRAUDOPS_CONFIG says in this shell.
const config = loadProjectConfig({});

describe('StreamScorerConsumerLagHigh', () => {
  const alert = byName('StreamScorerConsumerLagHigh');

  it('compares the lag with STREAM_LAG_WARNING_EVENTS, and says so in its text', () => {
    expect(alert.expr.trim()).toBe(
      `namespace_consumergroup_topic:kafka_consumergroup_lag:sum > ${STREAM_LAG_WARNING_EVENTS}`,
    );
    const written = STREAM_LAG_WARNING_EVENTS.toLocaleString('en-US');
    expect(alert.annotations?.summary).toContain(written);
    expect(alert.annotations?.description).toContain(written);
  });

  it("reads the stream scorer's consumer group and topic", () => {
    const record = byName('namespace_consumergroup_topic:kafka_consumergroup_lag:sum');
    expect(record.expr).toContain(
      `kafka_consumergroup_lag{consumergroup="${config.stack.streamScorer.groupId}", topic="${config.stack.kafka.topics.transactions}"}`,
    );
  });

  it("is labelled with the stream scorer's namespace, which the cluster's AlertmanagerConfig routes", () => {
    const record = byName('namespace_consumergroup_topic:kafka_consumergroup_lag:sum');
    const namespace = must(
      /"namespace", "([^"]+)", "", ""/.exec(record.expr)?.[1],
      'the namespace the recording sets',
    );
    expect(namespace).toBe(config.stack.namespace);
    expect(namespace).toBe(config.cloud.namespace);
    // Without it the warning would fall through to kube-prometheus-stack's default (null) receiver.
    const route = must(
      objectsIn('deploy/gitops/platform/alerting/administrator.yaml').find(
        (o) => o.kind === 'AlertmanagerConfig',
      ),
      'the AlertmanagerConfig',
    ).spec as { route: { matchers: { name: string; value: string }[] } };
    expect(route.route.matchers).toContainEqual({ name: 'namespace', value: namespace });
  });

  it("stays well above what the cluster's scorers hold uncommitted while they keep up (their batches in flight)", () => {
    const { maxBatchesInFlight, maxBatchSize } = config.stack.streamScorer;
    const deployment = must(
      objectsIn('deploy/k8s/base/stream-scorer/deployment.yaml').find((o) => o.kind === 'Deployment'),
      'the stream scorer Deployment',
    ).spec as { replicas: number };
    // 4 replicas x 6 batches x 500 events = 12,000; 5 times that leaves room for what they fetch ahead.
    expect(STREAM_LAG_WARNING_EVENTS).toBeGreaterThanOrEqual(
      5 * deployment.replicas * maxBatchesInFlight * maxBatchSize,
    );
  });
});

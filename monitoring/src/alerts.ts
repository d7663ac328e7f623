// Facts about the alerts that code outside the rule files needs: the dashboards draw them, the tests hold the
// rule files (which must load as they are, so they spell the figures out) to them.

/** Every alert name starts with its component's prefix: the scoring API (and its gateway), the stream scorer. */
export const ALERT_PREFIXES = ['ScoringApi', 'StreamScorer'] as const;

/**
 * StreamScorerConsumerLagHigh warns when the stream scorer's consumer group is more than this many events
 * behind the transactions topic, for 5 minutes. From the project's own figures:
 * - scorers that keep up hold at most maxBatchesInFlight x maxBatchSize = 6 x 500 = 3,000 events uncommitted
 *   each (fraudops.config.json stack.streamScorer), 12,000 for the cluster's 4 replicas, plus the batch each
 *   is filling and what it has fetched ahead; the demo measured a lag of 183 at 12,000 events/s. 100,000 is
 *   well above that (over 30 times one scorer's bound, 8 times the cluster's): a backlog in Kafka, not work
 *   in progress;
 * - it is about 4 s of the 26,000 events/s the embedded path sustains (docs/architecture.md), and seconds or
 *   less at the tens of thousands of events/s the cluster's attack produces: held for 5 minutes, the input
 *   outruns the scorers;
 * - the demo's attack peaked at 824,074 events behind: a backlog like that, held, is what this must report,
 *   while a rebalance's short pile-up (drained within a minute or two) must not, hence `for: 5m`.
 */
export const STREAM_LAG_WARNING_EVENTS = 100_000;

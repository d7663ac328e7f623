// Facts about the alerts that code outside the rule files needs: the dashboards draw them, the tests hold the
// rule files (which must load as they are, so they spell the figures out) to them.

/**
 * Every alert name starts with its component's prefix: the scoring API (and its gateway), the stream scorer, the
 * fraud model's work (its quality and drift, measured by ml/src/fraudops_ml/quality).
 */
export const ALERT_PREFIXES = ['ScoringApi', 'StreamScorer', 'FraudModel'] as const;

/**
 * FraudModelQualityDegraded fires when, on at least `badDays` of the last `finalDays` final simulated days (every
 * label known), the day's Card Precision@100 is more than `tolerance` below the model card's test-week figure.
 * - Card Precision@100, the handbook's KPI: what 100 investigations a day find, the figure the card validates;
 * - `tolerance` 0.1: the daily figure of a model that does not degrade moves around its card's level by a few
 *   hundredths (the card's own is a mean over the 7 test days); 0.1 is ten compromised cards a day fewer;
 * - `badDays` 3 of 7: one bad day is noise, three in a week a model that misses the fraud that flows now;
 * - `finalDays` equals fraudops.config.json quality.finalDays (the days the quality component keeps).
 */
export const QUALITY_ALERT = { tolerance: 0.1, badDays: 3, finalDays: 7 } as const;

/**
 * FraudModelInputDrift and FraudModelScoreDrift warn when the Population Stability Index of an input (or of the
 * score) over the newest simulated day stays above 0.25, the field's usual "significant shift" (below 0.1: none,
 * 0.1-0.25: moderate), for 10 minutes.
 */
export const DRIFT_PSI_WARNING = 0.25;

/** Alerts about the model's answers carry this label: Alertmanager routes the quality page to the model's owner. */
export const MODEL_OWNER_LABEL = { name: 'owner', value: 'model' } as const;

/** Alerts that should start a retraining carry this label (the retraining trigger receives them). */
export const RETRAIN_LABEL = { name: 'retrain', value: 'true' } as const;

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

/* Generated from packages/contracts/schemas by scripts/generate-types.ts. Do not edit: run `npm run generate`. */

/**
 * model.json, written beside model.onnx by the training code and checked by every consumer before it loads the model.
 */
export interface ModelCard {
  /**
   * Registered model name.
   */
  name: string;
  /**
   * Names exactly this artifact: the training code writes <model type>-<8 hex of the graph's sha256>-<8 hex of the sha256 of the card without version>, so identical training gives the identical version.
   */
  version: string;
  /**
   * ISO 8601 time of export. Written by older exports only: the card holds nothing that depends on the moment, so identical data and seed give a byte-identical card (the registry and the file record when).
   */
  created_at?: string;
  /**
   * The estimator, e.g. 'xgboost', 'random_forest', 'logistic_regression'.
   */
  model_type: string;
  /**
   * Names of the Transaction properties, in the column order of the ONNX input tensor.
   *
   * @minItems 1
   */
  feature_order: [string, ...string[]];
  threshold: {
    value: number;
    /**
     * How the threshold was chosen.
     */
    method: string;
  };
  metrics: {
    validation: ModelMetrics;
    test: ModelMetrics;
  };
  training_window: DateWindow;
  validation_window: DateWindow;
  test_window: DateWindow;
  /**
   * Hash of the transactions the model was trained and evaluated on.
   */
  data_hash: string;
  /**
   * Seed of the training run.
   */
  seed?: number;
  /**
   * What live traffic is compared with to see drift before labels arrive (ml/src/fraudops_ml/quality/drift.py): each model input and the score, binned, on the test window's transactions (the held-out week the test metrics come from; scores by the exported ONNX graph). Written by newer exports; older cards have none, and drift is then not measured for them.
   */
  reference?: {
    window: DateWindow;
    /**
     * One distribution per name of feature_order.
     */
    inputs: {
      [k: string]: BinnedDistribution;
    };
    score: BinnedDistribution;
  };
  artifact: {
    file: 'model.onnx';
    sha256: string;
    /**
     * The ONNX graph input: float32 [N, len(feature_order)].
     */
    input_name: string;
    /**
     * The ONNX graph output holding class probabilities, float32 [N, 2]; column 1 is fraud.
     */
    probability_output: string;
    opset: number;
  };
}
/**
 * Detection metrics of a model on one evaluation window, computed with the handbook's protocol.
 */
export interface ModelMetrics {
  auc_roc: number;
  average_precision: number;
  card_precision_at_100: number;
}
/**
 * A half-open date range [start, end).
 */
export interface DateWindow {
  start: string;
  end: string;
}
/**
 * A distribution binned at inner edges: bin i holds edges[i-1] < v <= edges[i], with open ends (len(edges) + 1 bins).
 */
export interface BinnedDistribution {
  /**
   * Inner bin edges, increasing (the reference's deciles, repeats collapsed).
   */
  edges: number[];
  /**
   * The reference's share in each bin.
   *
   * @minItems 1
   */
  proportions: [number, ...number[]];
}

/**
 * The model's verdict on one transaction: the response of POST /predict (the Kafka topic `scores` carries it inside a ScoredTransaction).
 */
export interface Score {
  /**
   * The scored transaction's id.
   */
  transaction_id: number;
  /**
   * The model's probability that the transaction is fraudulent.
   */
  fraud_probability: number;
  /**
   * fraud_probability >= the model card's threshold.
   */
  is_fraud: boolean;
  /**
   * Version of the model that produced this score (the model card's `version`).
   */
  model_version: string;
  /**
   * The MLflow model registry's version number of the model that produced this score; absent when the replica serves a model directory.
   */
  registry_version?: string;
}

/**
 * A card transaction to score: the course's columns plus the handbook's 15 model inputs, computed by ml/src/fraudops_ml/features.py. The Kafka value of topic `transactions` and the body of POST /predict. The sender computes the inputs (the world does, with the training's own feature code, as of the transaction's time); computing them inside fraudops from raw transactions is a later capability.
 */
export interface Transaction {
  /**
   * Unique id of the transaction.
   */
  transaction_id: number;
  /**
   * When the transaction happened, ISO 8601 (the simulator writes 'YYYY-MM-DD HH:MM:SS').
   */
  tx_datetime: string;
  /**
   * The card (customer) id.
   */
  customer_id: number;
  /**
   * The payment terminal id.
   */
  terminal_id: number;
  /**
   * Amount of the transaction, in currency units.
   */
  tx_amount: number;
  /**
   * Seconds since the start of the simulation.
   */
  tx_time_seconds?: number;
  /**
   * Days since the start of the simulation.
   */
  tx_time_days?: number;
  /**
   * 1 if the transaction happened on a Saturday or Sunday.
   */
  tx_during_weekend: 0 | 1;
  /**
   * 1 if the transaction happened between 00:00 and 06:00 (hour <= 6).
   */
  tx_during_night: 0 | 1;
  /**
   * Transactions of this card in the last 1 day(s), this one included.
   */
  customer_id_nb_tx_1day_window: number;
  /**
   * Average amount of this card's transactions in the last 1 day(s), this one included.
   */
  customer_id_avg_amount_1day_window: number;
  /**
   * Transactions of this card in the last 7 day(s), this one included.
   */
  customer_id_nb_tx_7day_window: number;
  /**
   * Average amount of this card's transactions in the last 7 day(s), this one included.
   */
  customer_id_avg_amount_7day_window: number;
  /**
   * Transactions of this card in the last 30 day(s), this one included.
   */
  customer_id_nb_tx_30day_window: number;
  /**
   * Average amount of this card's transactions in the last 30 day(s), this one included.
   */
  customer_id_avg_amount_30day_window: number;
  /**
   * Transactions at this terminal in the 1 day(s) before the 7-day delay period.
   */
  terminal_id_nb_tx_1day_window: number;
  /**
   * Share of fraudulent transactions at this terminal in the 1 day(s) before the 7-day delay period.
   */
  terminal_id_risk_1day_window: number;
  /**
   * Transactions at this terminal in the 7 day(s) before the 7-day delay period.
   */
  terminal_id_nb_tx_7day_window: number;
  /**
   * Share of fraudulent transactions at this terminal in the 7 day(s) before the 7-day delay period.
   */
  terminal_id_risk_7day_window: number;
  /**
   * Transactions at this terminal in the 30 day(s) before the 7-day delay period.
   */
  terminal_id_nb_tx_30day_window: number;
  /**
   * Share of fraudulent transactions at this terminal in the 30 day(s) before the 7-day delay period.
   */
  terminal_id_risk_30day_window: number;
  /**
   * Label, when known (replayed data): 1 if fraudulent. Never used for scoring.
   */
  tx_fraud?: 0 | 1;
  /**
   * Label detail, when known: 0 genuine, 1 amount > 220, 2 compromised terminal, 3 compromised card.
   */
  tx_fraud_scenario?: 0 | 1 | 2 | 3;
}

/**
 * A transaction as the stream scorer received it (never with its labels) and the score it got: the Kafka value of topic `scores`, and a row of the lake's scored transactions table.
 */
export interface ScoredTransaction {
  /**
   * Unique id of the transaction.
   */
  transaction_id: number;
  /**
   * When the transaction happened, ISO 8601 (the simulator writes 'YYYY-MM-DD HH:MM:SS').
   */
  tx_datetime: string;
  /**
   * The card (customer) id.
   */
  customer_id: number;
  /**
   * The payment terminal id.
   */
  terminal_id: number;
  /**
   * Amount of the transaction, in currency units.
   */
  tx_amount: number;
  /**
   * Seconds since the start of the simulation.
   */
  tx_time_seconds?: number;
  /**
   * Days since the start of the simulation.
   */
  tx_time_days?: number;
  /**
   * 1 if the transaction happened on a Saturday or Sunday.
   */
  tx_during_weekend: 0 | 1;
  /**
   * 1 if the transaction happened between 00:00 and 06:00 (hour <= 6).
   */
  tx_during_night: 0 | 1;
  /**
   * Transactions of this card in the last 1 day(s), this one included.
   */
  customer_id_nb_tx_1day_window: number;
  /**
   * Average amount of this card's transactions in the last 1 day(s), this one included.
   */
  customer_id_avg_amount_1day_window: number;
  /**
   * Transactions of this card in the last 7 day(s), this one included.
   */
  customer_id_nb_tx_7day_window: number;
  /**
   * Average amount of this card's transactions in the last 7 day(s), this one included.
   */
  customer_id_avg_amount_7day_window: number;
  /**
   * Transactions of this card in the last 30 day(s), this one included.
   */
  customer_id_nb_tx_30day_window: number;
  /**
   * Average amount of this card's transactions in the last 30 day(s), this one included.
   */
  customer_id_avg_amount_30day_window: number;
  /**
   * Transactions at this terminal in the 1 day(s) before the 7-day delay period.
   */
  terminal_id_nb_tx_1day_window: number;
  /**
   * Share of fraudulent transactions at this terminal in the 1 day(s) before the 7-day delay period.
   */
  terminal_id_risk_1day_window: number;
  /**
   * Transactions at this terminal in the 7 day(s) before the 7-day delay period.
   */
  terminal_id_nb_tx_7day_window: number;
  /**
   * Share of fraudulent transactions at this terminal in the 7 day(s) before the 7-day delay period.
   */
  terminal_id_risk_7day_window: number;
  /**
   * Transactions at this terminal in the 30 day(s) before the 7-day delay period.
   */
  terminal_id_nb_tx_30day_window: number;
  /**
   * Share of fraudulent transactions at this terminal in the 30 day(s) before the 7-day delay period.
   */
  terminal_id_risk_30day_window: number;
  /**
   * The model's probability that the transaction is fraudulent.
   */
  fraud_probability: number;
  /**
   * fraud_probability >= the model card's threshold.
   */
  is_fraud: boolean;
  /**
   * Version of the model that produced this score (the model card's `version`).
   */
  model_version: string;
  /**
   * The MLflow model registry's version number of the model that produced this score; absent when the replica serves a model directory.
   */
  registry_version?: string;
}

/**
 * What a transaction turned out to be, published by the world (ml/src/fraudops_ml/world) to topic `labels` when it becomes known in simulated time: after the feedback delay, or earlier when the card holder reports a card fraud (ml/README.md, World). The Kafka key is transaction_id as a decimal string. A label is never published before known_at.
 */
export interface Label {
  /**
   * Unique id of the transaction.
   */
  transaction_id: number;
  /**
   * When the transaction happened, ISO 8601 (the simulator writes 'YYYY-MM-DD HH:MM:SS').
   */
  tx_datetime: string;
  /**
   * 1 if the transaction was fraudulent.
   */
  tx_fraud: 0 | 1;
  /**
   * 0 genuine; 1 amount > 220, 2 compromised terminal, 3 compromised card (the handbook's); 4 card testing; later numbers for new scenarios.
   */
  tx_fraud_scenario: number;
  /**
   * Simulated time the label became known, 'YYYY-MM-DD HH:MM:SS' (never before tx_datetime).
   */
  known_at: string;
  /**
   * feedback-delay: known after the feedback delay; cardholder-report: known earlier because the card holder reported a fraud of this card at or after this transaction.
   */
  source: 'cardholder-report' | 'feedback-delay';
}

/**
 * The `world` section of fraudops.config.json: how the world (python -m fraudops_ml world) continues the historic dataset in simulated time. The dataset is retraining.preset's; the topics are stack.kafka.topics.transactions and .labels. Command-line flags override these values per run.
 */
export interface WorldSettings {
  $comment?: string;
  /**
   * Simulated seconds per wall second (600: a simulated day in 144 s).
   */
  speed: number;
  /**
   * The speed of the fast profile.
   */
  fastSpeed: number;
  /**
   * The scenario of change (ml/README.md, World: what changes, from which day).
   */
  scenario: 'steady' | 'card-testing' | 'terminal-wave' | 'spending-shift';
  /**
   * The scenario's first day, counted from the world's first day (0: the day after the historic dataset's last).
   */
  scenarioStartDay: number;
  /**
   * Days after which every transaction's label is known (the handbook's delay period).
   */
  feedbackDelayDays: number;
  /**
   * Card holders report card frauds (scenarios 3 and 4) before the feedback delay.
   */
  cardholderReports: {
    /**
     * Chance that a card fraud is reported by its card holder.
     */
    probability: number;
    /**
     * Shortest time from the fraud to the report, in days.
     */
    minDays: number;
    /**
     * Longest time from the fraud to the report, in days (>= minDays).
     */
    maxDays: number;
  };
  /**
   * Address of the world's Prometheus /metrics endpoint.
   */
  host: string;
  /**
   * Port of the world's Prometheus /metrics endpoint.
   */
  port: number;
  /**
   * The world's state file (JSON: simulated date, what has been published), relative to the repository root; the world resumes from it.
   */
  stateFile: string;
}

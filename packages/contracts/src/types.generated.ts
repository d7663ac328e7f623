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
 * The model's verdict on one transaction: the response of POST /predict and the Kafka value of topic `scores`.
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
}

/**
 * A card transaction to score: the course's columns plus the handbook's 15 model inputs, computed by ml/src/fraudops_ml/features.py. The Kafka value of topic `transactions` and the body of POST /predict.
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

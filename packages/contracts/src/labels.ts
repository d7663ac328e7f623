import type { Transaction } from './types.generated.ts';

/**
 * What a live client sends: the transaction without its labels (tx_fraud, tx_fraud_scenario), which only
 * replayed data carries and which the model never sees.
 */
export function withoutLabels({
  tx_fraud: _fraud,
  tx_fraud_scenario: _scenario,
  ...transaction
}: Transaction): Transaction {
  return transaction;
}

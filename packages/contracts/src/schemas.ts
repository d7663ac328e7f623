// The JSON Schemas in ../schemas are the source of truth; this module only hands them to TypeScript code.
import labelSchema from '../schemas/label.schema.json' with { type: 'json' };
import metricsSchema from '../schemas/metrics.schema.json' with { type: 'json' };
import modelCardSchema from '../schemas/model-card.schema.json' with { type: 'json' };
import scoreSchema from '../schemas/score.schema.json' with { type: 'json' };
import scoredTransactionSchema from '../schemas/scored-transaction.schema.json' with { type: 'json' };
import transactionSchema from '../schemas/transaction.schema.json' with { type: 'json' };
import worldSettingsSchema from '../schemas/world-settings.schema.json' with { type: 'json' };

export {
  labelSchema,
  metricsSchema,
  modelCardSchema,
  scoreSchema,
  scoredTransactionSchema,
  transactionSchema,
  worldSettingsSchema,
};

/** Every schema, in an order where each one's references come before it. */
export const allSchemas = [
  metricsSchema,
  modelCardSchema,
  scoreSchema,
  transactionSchema,
  scoredTransactionSchema,
  labelSchema,
  worldSettingsSchema,
] as const;

/** The handbook's model inputs, in their canonical order (the Python feature code reads the same list). */
export const modelFeatures: readonly string[] = transactionSchema['x-model-features'];

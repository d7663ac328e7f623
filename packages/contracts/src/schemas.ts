// The JSON Schemas in ../schemas are the source of truth; this module only hands them to TypeScript code.
import metricsSchema from '../schemas/metrics.schema.json' with { type: 'json' };
import modelCardSchema from '../schemas/model-card.schema.json' with { type: 'json' };
import scoreSchema from '../schemas/score.schema.json' with { type: 'json' };
import transactionSchema from '../schemas/transaction.schema.json' with { type: 'json' };

export { metricsSchema, modelCardSchema, scoreSchema, transactionSchema };

/** Every schema, in an order where each one's references come before it. */
export const allSchemas = [metricsSchema, modelCardSchema, scoreSchema, transactionSchema] as const;

/** The handbook's model inputs, in their canonical order (the Python feature code reads the same list). */
export const modelFeatures: readonly string[] = transactionSchema['x-model-features'];

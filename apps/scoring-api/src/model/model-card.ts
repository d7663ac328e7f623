// Checks a model card before its model may serve: schema-valid, and asking only for features that every
// valid Transaction carries, so that a request that passed validation can always be encoded.
import { modelCardSchema, metricsSchema, transactionSchema, type ModelCard } from '@fraudops/contracts';
import ajvModule from 'ajv';

// ajv is CommonJS; Node's ESM loader exposes its class only as `default` of the module object.
const Ajv = ajvModule.default;

/** Why a model artifact was refused; `reason` is a bounded label value for metrics. */
export class ModelRejectedError extends Error {
  readonly reason:
    | 'unsupported_source'
    | 'unreadable'
    | 'invalid_card'
    | 'checksum_mismatch'
    | 'incompatible_graph'
    | 'smoke_test_failed';

  constructor(reason: ModelRejectedError['reason'], message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ModelRejectedError';
    this.reason = reason;
  }
}

const ajv = new Ajv({ allErrors: true, strict: true });
ajv.addSchema(metricsSchema);
const validateCard = ajv.compile<ModelCard>(modelCardSchema);

const requiredNumericFields = new Set(
  transactionSchema.required.filter((field) => {
    const property = (transactionSchema.properties as Record<string, { type?: string }>)[field];
    return property?.type === 'number' || property?.type === 'integer';
  }),
);

/** Parses and checks model.json; throws ModelRejectedError naming what is wrong. */
export function parseModelCard(text: string): ModelCard {
  let card: unknown;
  try {
    card = JSON.parse(text);
  } catch (error) {
    throw new ModelRejectedError('invalid_card', `model.json is not valid JSON: ${(error as Error).message}`);
  }
  if (!validateCard(card)) {
    const problems = (validateCard.errors ?? []).map((e) =>
      `${e.instancePath || '/'} ${e.message ?? ''}`.trim(),
    );
    throw new ModelRejectedError(
      'invalid_card',
      `model.json does not match the model card schema: ${problems.join('; ')}`,
    );
  }
  const unknown = card.feature_order.filter((name) => !requiredNumericFields.has(name));
  if (unknown.length > 0) {
    throw new ModelRejectedError(
      'invalid_card',
      `model.json asks for features that a Transaction does not carry as required numbers: ${unknown.join(', ')}`,
    );
  }
  return card;
}

// Route schemas. Transaction and Score come from the one contract in packages/contracts; this module only
// adds the envelopes of the HTTP API. They drive validation, serialization and the OpenAPI document.
import { scoreSchema, transactionSchema } from '@fraudops/contracts';

export const transactionRef = { $ref: `${transactionSchema.$id}#` } as const;
export const scoreRef = { $ref: `${scoreSchema.$id}#` } as const;

export const errorSchema = {
  $id: 'https://fraudops.dev/schemas/api-error.schema.json',
  title: 'ApiError',
  type: 'object',
  required: ['statusCode', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer' },
    error: { type: 'string' },
    message: { type: 'string', description: 'What went wrong, naming the offending field.' },
    errors: {
      type: 'array',
      description: 'Every validation problem found, one per field.',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: {
          field: {
            type: 'string',
            description: 'JSON pointer of the field in the body, e.g. /transactions/3/tx_amount.',
          },
          message: { type: 'string' },
        },
      },
    },
  },
} as const;
export const errorRef = { $ref: `${errorSchema.$id}#` } as const;

export function batchRequestSchema(maxItems: number) {
  return {
    type: 'object',
    required: ['transactions'],
    additionalProperties: false,
    properties: {
      transactions: {
        type: 'array',
        minItems: 1,
        maxItems,
        items: transactionRef,
        description: `Between 1 and ${maxItems} transactions.`,
      },
    },
  } as const;
}

export const batchResponseSchema = {
  type: 'object',
  required: ['model_version', 'scores'],
  properties: {
    model_version: { type: 'string' },
    scores: { type: 'array', items: scoreRef },
  },
} as const;

/** Schemas shared by reference; registered once on the app. */
export const sharedSchemas = [transactionSchema, scoreSchema, errorSchema] as const;

/** The error responses every scoring route can give, for the OpenAPI document and serialization. */
export const scoringErrorResponses = {
  400: {
    description: 'The body is not valid JSON or not a valid request; the message names the field.',
    ...errorRef,
  },
  413: { description: 'The body is larger than the configured limit.', ...errorRef },
  415: { description: 'The content type is not application/json.', ...errorRef },
  429: { description: 'This replica is saturated; retry after the Retry-After header.', ...errorRef },
  500: {
    description:
      'The model returned something that is not a probability (e.g. NaN); the request is refused, never answered with a made-up score.',
    ...errorRef,
  },
  503: { description: 'No valid model is loaded yet.', ...errorRef },
} as const;

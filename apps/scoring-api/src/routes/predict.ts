import type { Transaction } from '@fraudops/contracts';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { LoadedModel } from '../model/loaded-model.ts';
import {
  batchRequestSchema,
  batchResponseSchema,
  scoreRef,
  scoringErrorResponses,
  transactionRef,
} from '../schemas.ts';
import { scoreTransactions } from '../scoring.ts';

export interface PredictRoutesOptions {
  batchMaxItems: number;
}

/** The model to score with, or a 503 sent and null: never a made-up score. */
function modelOrUnavailable(app: FastifyInstance, reply: FastifyReply): LoadedModel | null {
  const model = app.models.current;
  if (model === null) {
    void reply.code(503).header('retry-after', '5').send({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'no valid model is loaded yet; see GET /ready',
    });
  }
  return model;
}

export async function predictRoutes(app: FastifyInstance, options: PredictRoutesOptions): Promise<void> {
  app.post<{ Body: Transaction }>(
    '/predict',
    {
      schema: {
        summary: 'Score one transaction',
        tags: ['scoring'],
        body: transactionRef,
        response: { 200: { description: 'The score.', ...scoreRef }, ...scoringErrorResponses },
      },
    },
    async (request, reply) => {
      const model = modelOrUnavailable(app, reply);
      if (model === null) return reply;
      const [score] = await scoreTransactions(model, [request.body], app.metrics);
      return score;
    },
  );

  app.post<{ Body: { transactions: Transaction[] } }>(
    '/predict/batch',
    {
      schema: {
        summary: `Score up to ${options.batchMaxItems} transactions at once`,
        tags: ['scoring'],
        body: batchRequestSchema(options.batchMaxItems),
        response: {
          200: {
            description: 'One score per transaction, in request order, all from one model.',
            ...batchResponseSchema,
          },
          ...scoringErrorResponses,
        },
      },
    },
    async (request, reply) => {
      const model = modelOrUnavailable(app, reply);
      if (model === null) return reply;
      const scores = await scoreTransactions(model, request.body.transactions, app.metrics);
      return { model_version: model.version, scores };
    },
  );
}

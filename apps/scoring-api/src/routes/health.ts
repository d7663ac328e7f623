import type { FastifyInstance } from 'fastify';

const statusSchema = {
  type: 'object',
  required: ['status'],
  properties: {
    status: { type: 'string' },
    model_version: { type: 'string' },
    reason: { type: 'string' },
  },
} as const;

/** Liveness and readiness, kept apart: a replica without a model is alive (do not restart it) but not ready. */
export async function healthRoutes(app: FastifyInstance): Promise<void> {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });

  app.get(
    '/health',
    {
      schema: {
        summary: 'Liveness: the process answers',
        tags: ['operations'],
        response: { 200: statusSchema },
      },
    },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/ready',
    {
      schema: {
        summary: 'Readiness: a validated, warmed model is serving and the replica is not shutting down',
        tags: ['operations'],
        response: { 200: statusSchema, 503: statusSchema },
      },
    },
    async (_request, reply) => {
      const model = app.models.current;
      if (closing) return reply.code(503).send({ status: 'not ready', reason: 'shutting down' });
      if (model === null) {
        return reply
          .code(503)
          .send({ status: 'not ready', reason: `no valid model from ${app.models.sourceDescription}` });
      }
      return { status: 'ready', model_version: model.version };
    },
  );
}

import type { FastifyInstance } from 'fastify';

const rootSchema = {
  type: 'object',
  required: ['service', 'ready', 'model', 'links'],
  properties: {
    service: { type: 'string' },
    ready: { type: 'boolean' },
    model: {
      type: 'object',
      nullable: true,
      properties: {
        name: { type: 'string' },
        version: { type: 'string' },
        model_type: { type: 'string' },
        threshold: { type: 'number' },
        trained_on: { type: 'string' },
        source: { type: 'string' },
        registered_model: {
          type: 'string',
          nullable: true,
          description: 'Name in the MLflow model registry; null when loaded from a directory.',
        },
        registered_version: {
          type: 'string',
          nullable: true,
          description:
            'Version in the MLflow model registry (not the card version above); null for a directory.',
        },
      },
    },
    links: { type: 'object', additionalProperties: { type: 'string' } },
  },
} as const;

export async function rootRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/',
    {
      schema: {
        summary: 'What this service is, which model serves, and where to go next',
        tags: ['operations'],
        response: { 200: rootSchema },
      },
    },
    async () => {
      const model = app.models.current;
      return {
        service: 'fraudops scoring-api',
        ready: model !== null,
        model:
          model === null
            ? null
            : {
                name: model.card.name,
                version: model.version,
                model_type: model.card.model_type,
                threshold: model.card.threshold.value,
                trained_on: `${model.card.training_window.start}..${model.card.training_window.end}`,
                source: app.models.sourceDescription,
                registered_model: model.registry?.name ?? null,
                registered_version: model.registry?.version ?? null,
              },
        links: {
          predict: 'POST /predict',
          batch: 'POST /predict/batch',
          docs: '/docs',
          openapi: '/docs/json',
          health: '/health',
          ready: '/ready',
          metrics: '/metrics',
        },
      };
    },
  );
}

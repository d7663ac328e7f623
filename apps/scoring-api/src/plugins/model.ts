// Decorates the app with the model store: loads the first model when the app is ready (the server already
// answers, and /ready says 503 until then), polls for new versions, and reports every load to logs and metrics.
import { transactionSchema, type Transaction } from '@fraudops/contracts';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { modelSourceFromUri } from '../model/model-source.ts';
import { ModelStore } from '../model/model-store.ts';

export interface ModelPluginOptions {
  modelUri: string;
  mlflowTrackingUri: string;
  pollIntervalMs: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    models: ModelStore;
  }
}

/** The schema's own examples double as the smoke test every model must pass before it serves. */
const smokeRows = transactionSchema.examples as unknown as readonly Transaction[];

async function modelPlugin(app: FastifyInstance, options: ModelPluginOptions): Promise<void> {
  const { metrics, log } = app;
  const source = modelSourceFromUri(options.modelUri, { mlflowTrackingUri: options.mlflowTrackingUri });
  const store = new ModelStore(source, smokeRows, {
    loaded(model, previous) {
      metrics.modelLoads.inc({ result: 'loaded', reason: '' });
      metrics.modelInfo.reset();
      metrics.modelInfo.set(
        {
          name: model.card.name,
          version: model.version,
          model_type: model.card.model_type,
          registered_model: model.registry?.name ?? '',
          registered_version: model.registry?.version ?? '',
        },
        1,
      );
      metrics.modelReady.set(1);
      log.info(
        {
          version: model.version,
          previous: previous?.version ?? null,
          registeredModel: model.registry?.name ?? null,
          registeredVersion: model.registry?.version ?? null,
        },
        'model loaded and serving',
      );
    },
    rejected(error, location) {
      metrics.modelLoads.inc({ result: 'rejected', reason: error.reason });
      const serving = store.current?.version ?? null;
      log.warn({ reason: error.reason, location, serving }, `model refused: ${error.message}`);
    },
    sourceFailed(error) {
      metrics.modelSourceFailures.inc();
      log.warn({ source: store.sourceDescription }, `model source unavailable: ${error.message}`);
    },
  });
  metrics.modelReady.set(0);
  app.decorate('models', store);

  app.addHook('onReady', async () => {
    void store.refresh();
    store.startPolling(options.pollIntervalMs);
  });
  app.addHook('onClose', async () => {
    await store.close();
  });
}

export default fp(modelPlugin, { name: 'model', fastify: '5.x', dependencies: ['metrics'] });

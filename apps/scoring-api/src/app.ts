// Builds the scoring service: third-party plugins, then the app's own plugins, then routes.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { createServer } from 'node:http';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { ServiceConfig } from './config.ts';
import { registerErrorHandlers } from './errors.ts';
import { acceptOnlyJson } from './json-body.ts';
import loadShedding from './plugins/load-shedding.ts';
import metrics from './plugins/metrics.ts';
import model from './plugins/model.ts';
import { healthRoutes } from './routes/health.ts';
import { predictRoutes } from './routes/predict.ts';
import { rootRoutes } from './routes/root.ts';
import { sharedSchemas } from './schemas.ts';

export type AppConfig = Omit<ServiceConfig, 'HOST' | 'PORT' | 'SHUTDOWN_TIMEOUT_MS'>;

/** Probes and scrapes are answered even when the replica sheds load. */
const ALWAYS_ADMITTED = ['/health', '/ready', '/metrics'];

export async function buildApp(
  config: AppConfig,
  logger: FastifyServerOptions['logger'] = { level: config.LOG_LEVEL },
): Promise<FastifyInstance> {
  const app = Fastify({
    logger,
    bodyLimit: config.BODY_LIMIT_BYTES,
    // Without a request timeout a client that sends headers and stalls would hold an in-flight slot (and block
    // a graceful shutdown) indefinitely. Node enforces it on a timer that runs every 30 s by default, far too
    // coarse for a 10 s limit: hence our own server with a tighter check.
    serverFactory: (handler) =>
      createServer(
        {
          requestTimeout: config.REQUEST_TIMEOUT_MS,
          headersTimeout: config.REQUEST_TIMEOUT_MS,
          connectionsCheckingInterval: Math.min(1000, config.REQUEST_TIMEOUT_MS / 2),
        },
        handler,
      ),
    // One log line per request would cost more than scoring it; errors and refusals are logged instead.
    logController: new LogController({ disableRequestLogging: true }),
    ajv: {
      customOptions: {
        // A field the contract does not know is an error, not something to drop silently; "5" is not a number.
        removeAdditional: false,
        coerceTypes: false,
        useDefaults: false,
        allErrors: true,
        keywords: ['x-model-features'],
      },
    },
  });

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'fraudops scoring-api',
        description: 'Scores card transactions with the champion fraud-detection model (ONNX).',
        version: '0.1.0',
      },
      tags: [
        { name: 'scoring', description: 'Fraud probabilities for transactions' },
        { name: 'operations', description: 'Probes and service information' },
      ],
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.title === 'string' ? json.title : `def-${i}`,
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  for (const schema of sharedSchemas) app.addSchema(structuredClone(schema));
  registerErrorHandlers(app);
  acceptOnlyJson(app);

  await app.register(metrics);
  await app.register(loadShedding, { maxInFlight: config.MAX_IN_FLIGHT, exempt: ALWAYS_ADMITTED });
  await app.register(model, {
    modelUri: config.MODEL_URI,
    mlflowTrackingUri: config.MLFLOW_TRACKING_URI,
    pollIntervalMs: config.MODEL_POLL_INTERVAL_MS,
  });

  await app.register(rootRoutes);
  await app.register(healthRoutes);
  await app.register(predictRoutes, { batchMaxItems: config.BATCH_MAX_ITEMS });
  return app;
}

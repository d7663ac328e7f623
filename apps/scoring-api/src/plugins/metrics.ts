// Prometheus metrics of the service: one registry per app instance (tests build many), HTTP RED metrics as
// histograms so they add up across replicas, and the default process and Node.js metrics.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

type HttpLabel = 'method' | 'route' | 'status_code';

export interface ServiceMetrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status_code'>;
  httpRequestDuration: Histogram<'method' | 'route' | 'status_code'>;
  httpRequestsRejected: Counter<'reason'>;
  predictions: Counter<'decision' | 'model_version'>;
  fraudProbability: Histogram<'model_version'>;
  invalidScores: Counter<'model_version'>;
  modelInfo: Gauge<'name' | 'version' | 'model_type' | 'registered_model' | 'registered_version'>;
  modelReady: Gauge;
  modelLoads: Counter<'result' | 'reason'>;
  modelSourceFailures: Counter;
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: ServiceMetrics;
  }
}

/** Label used for requests that matched no route, so that random paths cannot blow up cardinality. */
export const UNMATCHED_ROUTE = 'unmatched';

function createMetrics(): ServiceMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    httpRequests: new Counter({
      name: 'scoring_api_http_requests_total',
      help: 'HTTP requests answered, by route template and status code.',
      labelNames: ['method', 'route', 'status_code'],
      registers,
    }),
    httpRequestDuration: new Histogram({
      name: 'scoring_api_http_request_duration_seconds',
      help: 'Time from receiving a request to sending its response.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    httpRequestsRejected: new Counter({
      name: 'scoring_api_http_requests_rejected_total',
      help: 'Requests shed with 429 before any work, by reason.',
      labelNames: ['reason'],
      registers,
    }),
    predictions: new Counter({
      name: 'scoring_api_predictions_total',
      help: 'Transactions scored, by decision (fraud or legit) and model version.',
      labelNames: ['decision', 'model_version'],
      registers,
    }),
    fraudProbability: new Histogram({
      name: 'scoring_api_fraud_probability',
      help: 'Distribution of the fraud probabilities the model returned.',
      labelNames: ['model_version'],
      buckets: [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99],
      registers,
    }),
    invalidScores: new Counter({
      name: 'scoring_api_invalid_scores_total',
      help: 'Fraud probabilities the model returned that are not probabilities (NaN, infinite, outside [0, 1]); each refused its request with a 500, none was returned.',
      labelNames: ['model_version'],
      registers,
    }),
    modelInfo: new Gauge({
      name: 'scoring_api_model_info',
      help: "The model serving now: 1 for its version (the card's) and, when it came from the MLflow registry, its registered name and version; absent when none.",
      labelNames: ['name', 'version', 'model_type', 'registered_model', 'registered_version'],
      registers,
    }),
    modelReady: new Gauge({
      name: 'scoring_api_model_ready',
      help: '1 when a validated, warmed model is serving.',
      registers,
    }),
    modelLoads: new Counter({
      name: 'scoring_api_model_loads_total',
      help: 'Attempts to load a model version, by result (loaded or rejected) and rejection reason.',
      labelNames: ['result', 'reason'],
      registers,
    }),
    modelSourceFailures: new Counter({
      name: 'scoring_api_model_source_failures_total',
      help: 'Checks of the model source that failed (registry unreachable, directory unreadable); the current model keeps serving.',
      registers,
    }),
  };
}

async function metricsPlugin(app: FastifyInstance): Promise<void> {
  const metrics = createMetrics();
  app.decorate('metrics', metrics);

  // Labelled children resolved once per (method, route, status): a labelled inc() or observe() hashes its
  // labels on every call, which shows on a path that answers in tens of microseconds.
  const children = new Map<string, { count: Counter.Internal; duration: Histogram.Internal<HttpLabel> }>();
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    const key = `${request.method} ${route} ${reply.statusCode}`;
    let child = children.get(key);
    if (child === undefined) {
      const labels = { method: request.method, route, status_code: String(reply.statusCode) };
      child = {
        count: metrics.httpRequests.labels(labels),
        duration: metrics.httpRequestDuration.labels(labels),
      };
      children.set(key, child);
    }
    child.count.inc();
    child.duration.observe(reply.elapsedTime / 1000);
    done();
  });

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}

export default fp(metricsPlugin, { name: 'metrics', fastify: '5.x' });

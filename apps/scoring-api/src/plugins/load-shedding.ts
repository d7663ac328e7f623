// Bounds the work a replica accepts: past MAX_IN_FLIGHT admitted requests it answers 429 with Retry-After at
// once, so an overload costs the client a retry instead of everyone a timeout. Probes and /metrics are never
// shed: an overloaded replica must still be seen as alive and be scraped.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Gauge } from 'prom-client';

declare module 'fastify' {
  interface FastifyInstance {
    /** Admitted requests not yet answered (probes and scrapes excluded). */
    requestsInFlight: () => number;
  }
}

export interface LoadSheddingOptions {
  maxInFlight: number;
  /** Routes that are always admitted. */
  exempt: readonly string[];
}

async function loadSheddingPlugin(app: FastifyInstance, options: LoadSheddingOptions): Promise<void> {
  const exempt = new Set(options.exempt);
  let inFlight = 0;
  app.decorate('requestsInFlight', () => inFlight);

  new Gauge({
    name: 'scoring_api_http_requests_in_flight',
    help: 'Admitted requests not yet answered (probes and scrapes excluded).',
    registers: [app.metrics.registry],
    collect() {
      this.set(inFlight);
    },
  });
  const rejected = app.metrics.httpRequestsRejected.labels({ reason: 'overload' });
  const onClose = (): void => {
    inFlight--;
  };

  app.addHook('onRequest', (request, reply, done) => {
    if (exempt.has(request.routeOptions.url ?? '')) {
      done();
      return;
    }
    if (inFlight >= options.maxInFlight) {
      rejected.inc();
      request.log.debug({ inFlight }, 'shedding request: too many in flight');
      void reply
        .code(429)
        .header('retry-after', '1')
        .send({
          statusCode: 429,
          error: 'Too Many Requests',
          message: `this replica is at its limit of ${options.maxInFlight} requests in flight; retry after 1 s`,
        });
      return;
    }
    inFlight++;
    // 'close' fires exactly once per response, also when the client goes away first.
    reply.raw.once('close', onClose);
    done();
  });
}

export default fp(loadSheddingPlugin, { name: 'load-shedding', fastify: '5.x', dependencies: ['metrics'] });

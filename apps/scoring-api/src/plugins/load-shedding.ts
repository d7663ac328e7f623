// Bounds the work a replica accepts: past MAX_IN_FLIGHT admitted requests it answers 429 with Retry-After at
// once, so an overload costs the client a retry instead of everyone a timeout. Probes and /metrics are never
// shed: an overloaded replica must still be seen as alive and be scraped.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

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

  app.addHook('onRequest', async (request, reply) => {
    if (exempt.has(request.routeOptions.url ?? '')) return;
    if (inFlight >= options.maxInFlight) {
      app.metrics.httpRequestsRejected.inc({ reason: 'overload' });
      request.log.debug({ inFlight }, 'shedding request: too many in flight');
      return reply
        .code(429)
        .header('retry-after', '1')
        .send({
          statusCode: 429,
          error: 'Too Many Requests',
          message: `this replica is at its limit of ${options.maxInFlight} requests in flight; retry after 1 s`,
        });
    }
    inFlight++;
    app.metrics.httpRequestsInFlight.set(inFlight);
    // 'close' fires exactly once per response, also when the client goes away first.
    reply.raw.once('close', () => {
      inFlight--;
      app.metrics.httpRequestsInFlight.set(inFlight);
    });
  });
}

export default fp(loadSheddingPlugin, { name: 'load-shedding', fastify: '5.x', dependencies: ['metrics'] });

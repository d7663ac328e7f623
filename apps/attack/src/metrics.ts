// What the attack exposes to Prometheus while it runs, so that the report and dashboards see the produced
// rate next to the consumed one. Names are a contract with the report's queries.
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { Counter, Gauge, Registry } from 'prom-client';
import { PacedProducer, type PacedProducerOptions } from './producer.ts';

export interface AttackMetrics {
  registry: Registry;
  produced: Counter;
  produceErrors: Counter;
  targetRate: Gauge;
}

export function attackMetrics(): AttackMetrics {
  const registry = new Registry();
  return {
    registry,
    produced: new Counter({
      name: 'attack_events_produced_total',
      help: 'Events the attack wrote to the transactions topic (acknowledged by the broker).',
      registers: [registry],
    }),
    produceErrors: new Counter({
      name: 'attack_produce_errors_total',
      help: 'Produce requests that failed (their events were not counted as produced).',
      registers: [registry],
    }),
    targetRate: new Gauge({
      name: 'attack_target_events_per_second',
      help: 'The ramp step the attack is on: events per second it aims to produce.',
      registers: [registry],
    }),
  };
}

/** Serves GET /metrics; resolves once listening. */
export async function serveMetrics(registry: Registry, host: string, port: number): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/metrics') {
      registry.metrics().then(
        (text) => {
          response.writeHead(200, { 'content-type': registry.contentType });
          response.end(text);
        },
        (error: unknown) => {
          response.writeHead(500, { 'content-type': 'text/plain' });
          response.end((error as Error).message);
        },
      );
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain' });
    response.end('only GET /metrics here\n');
  });
  server.listen(port, host);
  await Promise.race([
    once(server, 'listening'),
    once(server, 'error').then(([error]: unknown[]) => {
      throw new Error(
        `cannot serve the attack's metrics on ${host}:${port} (stack.attack in fraudops.config.json): ${(error as Error).message}`,
      );
    }),
  ]);
  return server;
}

/** A producer whose progress and failures feed the attack's metrics; failed requests are also written out. */
export function meteredProducer(
  options: Omit<PacedProducerOptions, 'onProduced' | 'onError' | 'onTarget'>,
  metrics: AttackMetrics,
  write: (text: string) => void,
): PacedProducer {
  return new PacedProducer({
    ...options,
    onProduced: (count) => {
      metrics.produced.inc(count);
    },
    onError: (error) => {
      metrics.produceErrors.inc();
      write(`produce request failed (its events are not counted): ${error.message}\n`);
    },
    onTarget: (rate) => {
      metrics.targetRate.set(rate);
    },
  });
}

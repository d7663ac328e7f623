// The scorer's operations endpoints: /metrics for Prometheus, /health (the process runs) and /ready (the
// consumer has joined its group), for the stack's health checks and a Kubernetes probe.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';

export interface OpsServerOptions {
  registry: Registry;
  isReady: () => boolean;
  onError: (error: unknown) => void;
}

function send(response: ServerResponse, status: number, body: string, contentType: string): void {
  response.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  response.end(body);
}

const json = (response: ServerResponse, status: number, body: object): void => {
  send(response, status, `${JSON.stringify(body)}\n`, 'application/json');
};

const ROUTES = ['/metrics', '/health', '/ready'];

async function handle(options: OpsServerOptions, request: IncomingMessage, response: ServerResponse) {
  const path = (request.url ?? '/').split('?')[0] ?? '/';
  if (!ROUTES.includes(path)) {
    json(response, 404, { error: `no route ${path}; try ${ROUTES.join(', ')}` });
    return;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('allow', 'GET, HEAD');
    json(response, 405, { error: `${path} accepts GET` });
    return;
  }
  switch (path) {
    case '/metrics':
      send(response, 200, await options.registry.metrics(), options.registry.contentType);
      return;
    case '/health':
      json(response, 200, { status: 'ok' });
      return;
    default: {
      const ready = options.isReady();
      json(response, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready' });
    }
  }
}

export function createOpsServer(options: OpsServerOptions): Server {
  return createServer((request, response) => {
    handle(options, request, response).catch((error: unknown) => {
      options.onError(error);
      if (!response.headersSent) json(response, 500, { error: 'internal error' });
      else response.destroy();
    });
  });
}

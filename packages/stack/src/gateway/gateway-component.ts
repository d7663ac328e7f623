// The gateway as a stack component: its settings from the one config, how `up` renders and starts nginx.
// Kept apart from the full component list so that whoever needs only the gateway (the cluster controller
// rewriting its upstreams, a test running a scale-down) builds exactly what `up` builds, and nothing else.
import { mkdir } from 'node:fs/promises';
import type { ProjectConfig } from '@fraudops/config';
import type { Component } from '../components.ts';
import type { StackLayout } from '../layout.ts';
import { writeGatewayConfig } from './gateway.ts';
import { GATEWAY_HEALTH_PATH, type GatewaySettings } from './nginx-config.ts';

export function gatewaySettings(
  config: ProjectConfig,
  layout: StackLayout,
  upstreamPorts: readonly number[],
): GatewaySettings {
  return {
    host: config.stack.gateway.host,
    port: config.stack.gateway.port,
    upstreamPorts,
    rateLimit: config.stack.gateway.rateLimit,
    prefix: layout.nginx.prefix,
    accessLog: layout.nginx.accessLog,
    errorLog: layout.nginx.errorLog,
    bodyLimitBytes: config.scoringApi.bodyLimitBytes,
  };
}

export function gatewayComponent(config: ProjectConfig, layout: StackLayout): Component {
  return {
    name: 'gateway',
    description: 'nginx: load balancer over the ready replicas, per-client rate limit',
    ...config.stack.gateway,
    healthPath: GATEWAY_HEALTH_PATH,
    prepare: async () => {
      await mkdir(layout.nginx.prefix, { recursive: true });
      // No upstream until the cluster controller publishes the ready replicas.
      await writeGatewayConfig(layout.nginx.config, gatewaySettings(config, layout, []));
    },
    daemon: {
      name: 'gateway',
      command: 'nginx',
      args: [
        '-p',
        layout.nginx.prefix,
        '-c',
        layout.nginx.config,
        '-e',
        layout.nginx.errorLog,
        '-g',
        'daemon off;',
      ],
    },
  };
}

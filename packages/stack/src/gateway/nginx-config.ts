// nginx as the embedded stack's gateway: round-robin over the ready replicas (as a Kubernetes Service
// does), a per-client request rate limit that mirrors the production gateway policy, and a JSON access
// log that the cluster exporter turns into gateway_http_requests_total{code}.

export interface GatewaySettings {
  host: string;
  port: number;
  /** Ports of the replicas that are ready; the others receive no traffic. */
  upstreamPorts: readonly number[];
  rateLimit: { requestsPerSecond: number; burst: number };
  /** nginx's working directory: pid file, logs and temp paths live under it. */
  prefix: string;
  accessLog: string;
  errorLog: string;
  bodyLimitBytes: number;
}

export const GATEWAY_HEALTH_PATH = '/gateway-health';

export function renderNginxConfig(s: GatewaySettings): string {
  // nginx refuses an empty upstream; a server marked down makes "no replica ready" a 502, not a failed reload.
  const servers =
    s.upstreamPorts.length > 0
      ? s.upstreamPorts.map((port) => `    server 127.0.0.1:${port} max_fails=0;`).join('\n')
      : '    server 127.0.0.1:1 down;';
  return `# Rendered by fraudops (packages/stack/src/gateway/nginx-config.ts); edits are overwritten.
worker_processes 1;
pid ${s.prefix}/nginx.pid;
error_log ${s.errorLog} warn;

events {
  worker_connections 1024;
}

http {
  client_body_temp_path ${s.prefix}/client_body;
  proxy_temp_path ${s.prefix}/proxy;
  fastcgi_temp_path ${s.prefix}/fastcgi;
  uwsgi_temp_path ${s.prefix}/uwsgi;
  scgi_temp_path ${s.prefix}/scgi;

  # One line per client request, written when it ends ("msec", epoch seconds with milliseconds); "upstream"
  # and "upstream_status" list every attempt (comma-separated, in order), so a retried attempt that failed on
  # one replica stays visible even when the client got a 200.
  log_format fraudops escape=json '{"time":"$time_iso8601","msec":$msec,"status":$status,"request_time":$request_time,'
                                  '"upstream":"$upstream_addr","upstream_status":"$upstream_status",'
                                  '"method":"$request_method","uri":"$uri"}';
  access_log ${s.accessLog} fraudops buffer=64k flush=1s;

  # Per-client limit, keyed on the client address: one client cannot take the replicas (and the autoscaler's
  # budget) for itself. Excess requests are refused at once with 429, never queued.
  limit_req_zone $binary_remote_addr zone=per_client:10m rate=${s.rateLimit.requestsPerSecond}r/s;
  limit_req_status 429;
  limit_req_log_level warn;

  client_max_body_size ${s.bodyLimitBytes};
  # Bodies stay in memory: spilled to client_body_temp_path they would need a directory that nginx's
  # unprivileged workers can write, wherever the state folder is. worker_connections bounds the memory.
  client_body_buffer_size ${s.bodyLimitBytes};

  upstream scoring_api {
${servers}
    keepalive 64;
  }

  server {
    listen ${s.host}:${s.port} reuseport;

    location = ${GATEWAY_HEALTH_PATH} {
      access_log off;
      default_type text/plain;
      return 200 "ok\\n";
    }

    location / {
      limit_req zone=per_client burst=${s.rateLimit.burst} nodelay;
      proxy_pass http://scoring_api;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_buffering off;
      # Scoring is a pure function of the body, so a request that met a replica going away is safe to retry.
      proxy_next_upstream error timeout http_503 non_idempotent;
    }
  }
}
`;
}

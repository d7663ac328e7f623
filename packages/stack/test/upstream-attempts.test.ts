// Reading what each replica answered from nginx's logs. The lines are nginx 1.22's own, from a scale-down run
// whose replicas got SIGTERM before leaving the upstreams: the client got 200, the first attempt was refused.
import { describe, expect, it } from 'vitest';
import { renderNginxConfig } from '../src/gateway/nginx-config.ts';
import { parseGatewayRequest, parseUpstreamErrors } from '../src/gateway/upstream-attempts.ts';

const RETRIED =
  '{"time":"2026-12-03T11:53:44+00:00","msec":1796298824.123,"status":200,"request_time":0.001,' +
  '"upstream":"127.0.0.1:24775, 127.0.0.1:24770","upstream_status":"502, 200","method":"POST","uri":"/predict"}';

describe("the gateway's access log, attempt by attempt", () => {
  it('lists every attempt of a request that nginx retried on another replica', () => {
    expect(parseGatewayRequest(RETRIED)).toEqual({
      startedAt: 1_796_298_824_122,
      endedAt: 1_796_298_824_123,
      status: 200,
      uri: '/predict',
      attempts: [
        { address: '127.0.0.1:24775', status: 502 },
        { address: '127.0.0.1:24770', status: 200 },
      ],
    });
  });

  it('has no attempt for a request nginx answered itself (the rate limit)', () => {
    const limited =
      '{"time":"2026-12-03T11:53:44+00:00","msec":1796298824.500,"status":429,"request_time":0.000,' +
      '"upstream":"","upstream_status":"","method":"POST","uri":"/predict"}';
    expect(parseGatewayRequest(limited)?.attempts).toEqual([]);
  });

  it('refuses a line whose attempts and statuses do not pair up, and skips what is not a request', () => {
    expect(() => parseGatewayRequest(RETRIED.replace('"502, 200"', '"200"'))).toThrow(/2 upstreams but 1/);
    expect(parseGatewayRequest('')).toBeNull();
    expect(parseGatewayRequest('{"status":200}')).toBeNull();
  });

  it('reads the fields the rendered log_format writes', () => {
    const config = renderNginxConfig({
      host: '127.0.0.1',
      port: 8080,
      upstreamPorts: [18101],
      rateLimit: { requestsPerSecond: 300, burst: 600 },
      prefix: '/tmp/nginx',
      accessLog: '/tmp/access.log',
      errorLog: '/tmp/error.log',
      bodyLimitBytes: 1024,
    });
    for (const field of ['"msec":$msec', '"request_time":$request_time', '"status":$status', '"uri":"$uri"'])
      expect(config).toContain(field);
    expect(config).toContain('"upstream":"$upstream_addr","upstream_status":"$upstream_status"');
  });
});

describe("the gateway's error log", () => {
  it('names the replica of each attempt that failed at the connection level, and nothing else', () => {
    const text = [
      '2026/12/03 11:53:44 [error] 10729#10729: *2 connect() failed (111: Connection refused) while connecting ' +
        'to upstream, client: 127.0.0.1, server: , request: "POST /predict HTTP/1.1", ' +
        'upstream: "http://127.0.0.1:24775/predict", host: "127.0.0.1:34491"',
      '2026/12/03 11:53:45 [warn] 10729#10729: *9 limiting requests, excess: 600.100 by zone "per_client", ' +
        'client: 127.0.0.1, server: , request: "GET /health HTTP/1.1", host: "127.0.0.1:34491"',
      '2026/12/03 11:53:46 [error] 11310#11310: *13 upstream prematurely closed connection while reading ' +
        'response header from upstream, client: 127.0.0.1, server: , request: "POST /predict HTTP/1.1", ' +
        'upstream: "http://127.0.0.1:24774/predict", host: "127.0.0.1:34491"',
      '',
    ].join('\n');
    expect(parseUpstreamErrors(text)).toEqual([
      {
        level: 'error',
        address: '127.0.0.1:24775',
        message: 'connect() failed (111: Connection refused) while connecting to upstream',
      },
      {
        level: 'error',
        address: '127.0.0.1:24774',
        message: 'upstream prematurely closed connection while reading response header from upstream',
      },
    ]);
  });
});
